package ariclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// testOptions are Options for a fake server with short backoff.
func testOptions(url string, apps ...string) Options {
	return Options{
		URL: url, Username: testUser, Password: testPass, Apps: apps,
		RequestTimeout: 5 * time.Second, HandshakeTimeout: 5 * time.Second,
		ReconnectMin: time.Millisecond, ReconnectMax: 20 * time.Millisecond,
	}
}

// running is a Client.Run in progress.
type running struct {
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

func startRun(t *testing.T, c *Client, sink engine.EventSink) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx, sink) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits for it to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.stopped {
		return
	}
	r.stopped = true
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// eventually polls cond until it holds or the test gives up.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second) // below idleConnTimeout
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestRunDeliversEventsAndReleasesClock(t *testing.T) {
	f := newFakeARI(t)
	f.setChannels("hello-world", "1.1", "1.2")
	clk := &countClock{}
	opts := testOptions(f.url(), "hello-world")
	opts.Clock = clk
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(clk)
	run := startRun(t, c, sink)

	conn := f.nextConn(t)
	if conn.app != "hello-world" || conn.query != "app=hello-world" {
		t.Errorf("events query %q", conn.query)
	}
	if got := sink.next(t, "connected"); got.app != "hello-world" || !slices.Equal(got.channels, []string{"1.1", "1.2"}) {
		t.Errorf("Connected(%q, %v)", got.app, got.channels)
	}

	frames := traceFrames(t)
	want := wantTraceEvents(t)
	junk := []string{`{`, `{"type":""}`, `{"type":"StasisStart"}`}
	// Dropped frames first, then the engine's events: each event sees the
	// releases of every earlier frame and not its own.
	sent := 0
	for _, fr := range append(append([]string{}, frames[len(want):]...), junk...) {
		conn.send(t, fr)
		sent++
	}
	for i, fr := range frames[:len(want)] {
		conn.send(t, fr)
		got := sink.next(t, "event")
		if !sameEvent(got.event, &want[i]) {
			t.Errorf("event %d: got %+v", i, *got.event)
		}
		if got.released != uint64(sent) {
			t.Errorf("event %d: %d releases before HandleEvent, want %d", i, got.released, sent)
		}
		sent++
	}
	eventually(t, "last release", func() bool { return clk.releases.Load() == uint64(sent) })
	st := c.Stats()
	if st.EventsReceived != uint64(sent) || st.EventsUnknown != 4 || st.EventsMalformed != uint64(len(junk)) {
		t.Errorf("stats %+v", st)
	}
	if st.Connects != 1 || st.Reconnects != 0 || st.AppsConnected != 1 || clk.holds.Load() != 0 {
		t.Errorf("stats %+v, holds %d", st, clk.holds.Load())
	}

	run.stop(t)
	if got := sink.next(t, "disconnected"); !errors.Is(got.err, context.Canceled) {
		t.Errorf("Disconnected err %v", got.err)
	}
	if c.Stats().AppsConnected != 0 {
		t.Error("still counted as connected")
	}
}

func TestRunReconnectResyncs(t *testing.T) {
	f := newFakeARI(t)
	f.setChannels("ivr", "c1")
	c, err := New(testOptions(f.url(), "ivr"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)

	conn := f.nextConn(t)
	if got := sink.next(t, "connected"); !slices.Equal(got.channels, []string{"c1"}) {
		t.Errorf("first Connected %v", got.channels)
	}
	f.setChannels("ivr", "c2", "c3")
	conn.conn.Close() // drop the socket without a close frame

	if got := sink.next(t, "disconnected"); got.err == nil || got.app != "ivr" {
		t.Errorf("Disconnected(%q, %v)", got.app, got.err)
	}
	conn = f.nextConn(t)
	if got := sink.next(t, "connected"); !slices.Equal(got.channels, []string{"c2", "c3"}) {
		t.Errorf("second Connected %v", got.channels)
	}
	if n := f.resyncCount("ivr"); n != 2 {
		t.Errorf("%d resyncs, want 2", n)
	}
	conn.send(t, traceFrames(t)[0])
	if got := sink.next(t, "event"); got.event.Type != engine.EventStasisStart {
		t.Errorf("event after reconnect: %+v", *got.event)
	}
	if st := c.Stats(); st.Connects != 2 || st.Reconnects != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestRunOneConnectionPerApp(t *testing.T) {
	f := newFakeARI(t)
	apps := []string{"sales", "support", "hello-world"}
	c, err := New(testOptions(f.url(), apps...))
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)

	var gotApps, connected []string
	for range apps {
		conn := f.nextConn(t)
		if strings.Contains(conn.query, "subscribeAll") || conn.query != "app="+conn.app {
			t.Errorf("events query %q", conn.query)
		}
		gotApps = append(gotApps, conn.app)
		connected = append(connected, sink.next(t, "connected").app)
	}
	slices.Sort(gotApps)
	slices.Sort(connected)
	want := slices.Sorted(slices.Values(apps))
	if !reflect.DeepEqual(gotApps, want) || !reflect.DeepEqual(connected, want) {
		t.Errorf("sockets %v, Connected %v, want %v", gotApps, connected, want)
	}
	if st := c.Stats(); st.Connects != 3 || st.AppsConnected != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestRunMisuse(t *testing.T) {
	f := newFakeARI(t)
	c, err := New(testOptions(f.url(), "hello-world"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background(), nil); err == nil {
		t.Error("Run(nil sink) succeeded")
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)
	sink.next(t, "connected")
	if err := c.Run(context.Background(), sink); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v", err)
	}
}

func TestRunStopsWithoutLeaks(t *testing.T) {
	f := newFakeARI(t)
	before := runtime.NumGoroutine()
	c, err := New(testOptions(f.url(), "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	run := startRun(t, c, sink)
	conns := []*wsConn{f.nextConn(t), f.nextConn(t)}
	sink.next(t, "connected")
	sink.next(t, "connected")
	for _, conn := range conns {
		conn.send(t, traceFrames(t)[0])
		sink.next(t, "event")
	}
	if err := c.Answer(context.Background(), "1.1"); err != nil {
		t.Fatal(err)
	}
	f.nextRequest(t)

	run.stop(t)
	for range 2 {
		if got := sink.next(t, "disconnected"); !errors.Is(got.err, context.Canceled) {
			t.Errorf("Disconnected err %v", got.err)
		}
	}
	c.Close()
	n := 0
	defer func() {
		if t.Failed() {
			buf := make([]byte, 1<<20)
			t.Logf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
	}()
	eventually(t, "goroutines to exit", func() bool { n = runtime.NumGoroutine(); return n <= before })
}

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunFillsMissingFieldsAndLogs(t *testing.T) {
	f := newFakeARI(t)
	var logs lockedBuffer
	opts := testOptions(f.url(), "hello-world")
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	run := startRun(t, c, sink)
	conn := f.nextConn(t)
	sink.next(t, "connected")

	conn.send(t, `{"type":"BridgeCreated","timestamp":"2026-11-25T22:02:16.015+0000"}`)
	conn.send(t, `{"type":"StasisStart","channel":{"id":"1.1"`)
	before := time.Now()
	conn.send(t, `{"type":"StasisEnd","channel":{"id":"1.1"}}`)
	got := sink.next(t, "event").event
	if got.Application != "hello-world" || got.Time.Before(before.Add(-time.Second)) {
		t.Errorf("missing fields not filled: %+v", *got)
	}
	if got.Received.Before(before) || got.Received.After(time.Now()) {
		t.Errorf("Received = %v, want the time the frame was read (after %v)", got.Received, before)
	}
	run.stop(t)
	sink.next(t, "disconnected")

	out := logs.String()
	for _, want := range []string{"ignoring ARI event", "type=BridgeCreated", "dropping malformed ARI event", "connected"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	creds := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPass))
	if strings.Contains(out, testPass) || strings.Contains(out, creds) {
		t.Errorf("log shows credentials:\n%s", out)
	}
}
