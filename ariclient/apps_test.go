package ariclient

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestSetAppsWhileRunning(t *testing.T) {
	f := newFakeARI(t)
	c, err := New(testOptions(f.url(), "a"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	run := startRun(t, c, sink)
	if conn := f.nextConn(t); conn.app != "a" {
		t.Fatalf("first connection for %q", conn.app)
	}
	sink.next(t, "connected")

	// Adding an app connects it; the others stay up.
	if err := c.SetApps([]string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if conn := f.nextConn(t); conn.app != "b" {
		t.Fatalf("connection for %q, want b", conn.app)
	}
	if got := sink.next(t, "connected"); got.app != "b" {
		t.Fatalf("Connected(%q), want b", got.app)
	}

	// Removing an app closes its connection, with its Disconnected.
	if err := c.SetApps([]string{"b"}); err != nil {
		t.Fatal(err)
	}
	if got := sink.next(t, "disconnected"); got.app != "a" || !errors.Is(got.err, context.Canceled) {
		t.Fatalf("Disconnected(%q, %v), want a, context.Canceled", got.app, got.err)
	}
	eventually(t, "one app connected", func() bool { return c.Stats().AppsConnected == 1 })

	// Invalid sets change nothing.
	for _, bad := range [][]string{{"b", "b"}, {""}, {"x,y"}} {
		if err := c.SetApps(bad); err == nil {
			t.Errorf("SetApps(%q) succeeded", bad)
		}
	}
	if got := c.Apps(); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("Apps() = %v after invalid sets", got)
	}

	// An app removed and added again reconnects.
	if err := c.SetApps([]string{"b", "a"}); err != nil {
		t.Fatal(err)
	}
	if conn := f.nextConn(t); conn.app != "a" {
		t.Fatalf("connection for %q, want a", conn.app)
	}
	sink.next(t, "connected")

	// An empty set closes everything; Run keeps running until cancelled.
	if err := c.SetApps(nil); err != nil {
		t.Fatal(err)
	}
	got := []string{sink.next(t, "disconnected").app, sink.next(t, "disconnected").app}
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("disconnected %v", got)
	}
	select {
	case err := <-run.done:
		t.Fatalf("Run returned with no apps: %v", err)
	default:
	}
	run.stop(t)
	if st := c.Stats(); st.AppsConnected != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestSetAppsBeforeRun sets the apps the next Run connects.
func TestSetAppsBeforeRun(t *testing.T) {
	f := newFakeARI(t)
	c, err := New(testOptions(f.url(), "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetApps([]string{"z"}); err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)
	if conn := f.nextConn(t); conn.app != "z" {
		t.Fatalf("connection for %q, want z", conn.app)
	}
	sink.next(t, "connected")
}
