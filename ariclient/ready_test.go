package ariclient

import (
	"strings"
	"testing"
	"time"
)

func TestReadyFollowsEventStreams(t *testing.T) {
	f := newFakeARI(t)
	opts := testOptions(f.url(), "sales", "support")
	opts.ReconnectMin, opts.ReconnectMax = time.Minute, time.Minute // stay down once dropped
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(); err == nil || !strings.Contains(err.Error(), "2 of 2 applications: sales, support") {
		t.Fatalf("Ready before Run = %v", err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)
	conns := map[string]*wsConn{}
	for range 2 {
		conn := f.nextConn(t)
		conns[conn.app] = conn
		sink.next(t, "connected")
	}
	if err := c.Ready(); err != nil {
		t.Fatalf("Ready with both streams up = %v", err)
	}
	if down := c.AppsDown(); len(down) != 0 {
		t.Fatalf("AppsDown = %v", down)
	}
	conns["support"].conn.Close()
	if got := sink.next(t, "disconnected"); got.app != "support" {
		t.Fatalf("Disconnected(%q)", got.app)
	}
	if err := c.Ready(); err == nil || !strings.Contains(err.Error(), "1 of 2 applications: support") {
		t.Fatalf("Ready with support down = %v", err)
	}
	// An app added while running is down until its stream is up.
	if err := c.SetApps([]string{"sales", "support", "billing"}); err != nil {
		t.Fatal(err)
	}
	if down := c.AppsDown(); strings.Join(down, ",") != "billing,support" {
		t.Fatalf("AppsDown after SetApps = %v", down)
	}
	f.nextConn(t)
	sink.next(t, "connected")
	if down := c.AppsDown(); strings.Join(down, ",") != "support" {
		t.Fatalf("AppsDown once billing is up = %v", down)
	}
}

func TestReadyWithoutApps(t *testing.T) {
	f := newFakeARI(t)
	c, err := New(testOptions(f.url(), "sales"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetApps(nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(); err == nil {
		t.Fatal("Ready with no application succeeded")
	}
}
