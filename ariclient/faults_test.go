package ariclient

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"
)

// Connection faults: hung handshakes, refused credentials, dead sockets,
// takeover by another client, failed resyncs.

func TestRunHandshakeTimeout(t *testing.T) {
	// A server that accepts TCP connections and never answers the upgrade.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- conn
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case conn := <-accepted:
				conn.Close()
			default:
				return
			}
		}
	})

	opts := testOptions("http://"+ln.Addr().String()+"/ari", "hello-world")
	opts.HandshakeTimeout = 20 * time.Millisecond
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	run := startRun(t, c, sink)
	// A second connection means the first attempt gave up on its own.
	for range 2 {
		select {
		case <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatal("client did not retry after the handshake hung")
		}
	}
	run.stop(t)
	if st := c.Stats(); st.ConnectErrors == 0 || st.Connects != 0 {
		t.Errorf("stats %+v", st)
	}
	select {
	case call := <-sink.calls:
		t.Errorf("unexpected sink call %+v", call)
	default:
	}
}

func TestRunAuthFailureRetries(t *testing.T) {
	f := newFakeARI(t)
	opts := testOptions(f.url(), "hello-world")
	opts.Password = "wrong"
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	run := startRun(t, c, sink)
	eventually(t, "repeated connect errors", func() bool { return c.Stats().ConnectErrors >= 3 })
	run.stop(t)
	select {
	case call := <-sink.calls:
		t.Errorf("unexpected sink call %+v", call)
	default:
	}
}

func TestRunDeadConnectionTimesOut(t *testing.T) {
	f := newFakeARI(t)
	opts := testOptions(f.url(), "hello-world")
	opts.PingInterval = 10 * time.Millisecond
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)

	conn := f.nextConn(t)
	sink.next(t, "connected")
	// While the server reads, pings are answered and the stream stays up
	// across many intervals; once it stops answering, the client gives up.
	eventually(t, "pings", func() bool { return conn.pings.Load() >= 5 })
	conn.send(t, traceFrames(t)[0])
	sink.next(t, "event") // nothing came before it: no disconnect
	conn.mute.Store(true)
	got := sink.next(t, "disconnected")
	var ne net.Error
	if !errors.As(got.err, &ne) || !ne.Timeout() {
		t.Errorf("Disconnected err %v, want a timeout", got.err)
	}
	f.nextConn(t)
	sink.next(t, "connected")
}

func TestRunApplicationReplaced(t *testing.T) {
	f := newFakeARI(t)
	c, err := New(testOptions(f.url(), "hello-world"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)
	conn := f.nextConn(t)
	sink.next(t, "connected")
	conn.send(t, `{"type":"ApplicationReplaced","timestamp":"2026-11-25T22:02:16.016+0000","application":"hello-world"}`)
	if got := sink.next(t, "disconnected"); !errors.Is(got.err, errReplaced) {
		t.Errorf("Disconnected err %v", got.err)
	}
	f.nextConn(t)
	sink.next(t, "connected")
}

func TestRunResyncFailureReconnects(t *testing.T) {
	f := newFakeARI(t)
	f.failResyncs.Store(2)
	f.setChannels("hello-world", "7.7")
	c, err := New(testOptions(f.url(), "hello-world"))
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink(nil)
	startRun(t, c, sink)
	for range 3 {
		f.nextConn(t)
	}
	// Only the socket whose resync succeeded is reported.
	if got := sink.next(t, "connected"); !slices.Equal(got.channels, []string{"7.7"}) {
		t.Errorf("Connected %v", got.channels)
	}
	if st := c.Stats(); st.ConnectErrors != 2 || st.Connects != 1 || st.RESTErrors != 2 {
		t.Errorf("stats %+v", st)
	}
}
