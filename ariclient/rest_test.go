package ariclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

func newTestClient(t *testing.T, f *fakeARI, mod func(*Options)) *Client {
	t.Helper()
	opts := testOptions(f.url(), "hello-world")
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestRESTRequests(t *testing.T) {
	f := newFakeARI(t)
	c := newTestClient(t, f, nil)
	ctx := context.Background()
	const jsonType = "application/json"
	for _, tc := range []struct {
		name string
		call func() error
		want seenRequest
	}{
		{"answer", func() error { return c.Answer(ctx, "1795644136.82") },
			seenRequest{Method: "POST", Path: "/channels/1795644136.82/answer"}},
		{"answer local half", func() error { return c.Answer(ctx, "1795644136.83;2") },
			seenRequest{Method: "POST", Path: "/channels/1795644136.83;2/answer"}},
		{"play one", func() error {
			return c.Play(ctx, "1.2", "pb-1", engine.PlayRequest{Media: []string{"sound:hello-world"}})
		},
			seenRequest{Method: "POST", Path: "/channels/1.2/play/pb-1",
				Body: `{"media":["sound:hello-world"]}`, ContentType: jsonType}},
		{"play list", func() error {
			return c.Play(ctx, "1.2", "pb-2", engine.PlayRequest{Media: []string{"sound:press-1", "digits:12,3", "number:42"}})
		}, seenRequest{Method: "POST", Path: "/channels/1.2/play/pb-2",
			Body: `{"media":["sound:press-1","digits:12,3","number:42"]}`, ContentType: jsonType}},
		{"play in a language", func() error {
			return c.Play(ctx, "1.2", "pb-3", engine.PlayRequest{Media: []string{"number:42"}, Language: "fr"})
		}, seenRequest{Method: "POST", Path: "/channels/1.2/play/pb-3", RawQuery: "lang=fr",
			Body: `{"media":["number:42"]}`, ContentType: jsonType}},
		{"get_var", func() error { _, err := c.GetVar(ctx, "1.2", "CALLERID(num)"); return err },
			seenRequest{Method: "GET", Path: "/channels/1.2/variable", RawQuery: "variable=CALLERID%28num%29"}},
		{"set_var", func() error { return c.SetVar(ctx, "1.2", "FOO", "bar") },
			seenRequest{Method: "POST", Path: "/channels/1.2/variable",
				Body: `{"value":"bar","variable":"FOO"}`, ContentType: jsonType}},
		{"moh", func() error { return c.MOH(ctx, "1.2", "", false) },
			seenRequest{Method: "POST", Path: "/channels/1.2/moh"}},
		{"moh class", func() error { return c.MOH(ctx, "1.2", "jazz", false) },
			seenRequest{Method: "POST", Path: "/channels/1.2/moh", RawQuery: "mohClass=jazz"}},
		{"moh stop", func() error { return c.MOH(ctx, "1.2", "", true) },
			seenRequest{Method: "DELETE", Path: "/channels/1.2/moh"}},
		{"ring", func() error { return c.Ring(ctx, "1.2", false) },
			seenRequest{Method: "POST", Path: "/channels/1.2/ring"}},
		{"ring stop", func() error { return c.Ring(ctx, "1.2", true) },
			seenRequest{Method: "DELETE", Path: "/channels/1.2/ring"}},
		{"send_dtmf", func() error {
			return c.SendDTMF(ctx, "1.2", engine.DTMFRequest{Digits: "12#", Between: 200 * time.Millisecond, Duration: 150 * time.Millisecond})
		}, seenRequest{Method: "POST", Path: "/channels/1.2/dtmf", RawQuery: "between=200&dtmf=12%23&duration=150"}},
		{"record", func() error {
			return c.Record(ctx, "1.2", engine.RecordRequest{Name: "msg-1", Format: "wav", MaxDuration: 2500 * time.Millisecond,
				MaxSilence: 5 * time.Second, Beep: true, TerminateOn: "#"})
		}, seenRequest{Method: "POST", Path: "/channels/1.2/record",
			RawQuery: "beep=true&format=wav&ifExists=fail&maxDurationSeconds=3&maxSilenceSeconds=5&name=msg-1&terminateOn=%23"}},
		{"stop_recording", func() error { return c.StopRecording(ctx, "msg-1") },
			seenRequest{Method: "POST", Path: "/recordings/live/msg-1/stop"}},
		{"stop", func() error { return c.StopPlayback(ctx, "pb-1") },
			seenRequest{Method: "DELETE", Path: "/playbacks/pb-1"}},
		{"hangup", func() error { return c.Hangup(ctx, "1.2", "") },
			seenRequest{Method: "DELETE", Path: "/channels/1.2"}},
		{"hangup busy", func() error { return c.Hangup(ctx, "1.2", "busy") },
			seenRequest{Method: "DELETE", Path: "/channels/1.2", RawQuery: "reason=busy"}},
		{"continue", func() error { return c.Continue(ctx, "1.2", engine.DialplanTarget{}) },
			seenRequest{Method: "POST", Path: "/channels/1.2/continue"}},
		{"continue to", func() error {
			return c.Continue(ctx, "1.2", engine.DialplanTarget{Context: "flowtest", Extension: "s", Priority: 1})
		}, seenRequest{Method: "POST", Path: "/channels/1.2/continue",
			RawQuery: "context=flowtest&extension=s&priority=1"}},
		{"continue context only", func() error {
			return c.Continue(ctx, "1.2", engine.DialplanTarget{Context: "main menu"})
		}, seenRequest{Method: "POST", Path: "/channels/1.2/continue", RawQuery: "context=main+menu"}},
	} {
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := f.nextRequest(t); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	if st := c.Stats(); st.RESTErrors != 0 || st.RESTRequests != 21 {
		t.Errorf("stats %+v", st)
	}
}

func TestRESTLocalValidation(t *testing.T) {
	f := newFakeARI(t)
	c := newTestClient(t, f, nil)
	ctx := context.Background()
	for name, err := range map[string]error{
		"answer":   c.Answer(ctx, ""),
		"play ch":  c.Play(ctx, "", "pb", engine.PlayRequest{Media: []string{"sound:x"}}),
		"play pb":  c.Play(ctx, "1.2", "", engine.PlayRequest{Media: []string{"sound:x"}}),
		"no media": c.Play(ctx, "1.2", "pb", engine.PlayRequest{}),
		"stop":     c.StopPlayback(ctx, ""),
		"hangup":   c.Hangup(ctx, "", "normal"),
		"continue": c.Continue(ctx, "", engine.DialplanTarget{}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// None of them reached the server.
	if err := c.Answer(ctx, "ok"); err != nil {
		t.Fatal(err)
	}
	if got := f.nextRequest(t); got.Path != "/channels/ok/answer" {
		t.Errorf("unexpected request %+v", got)
	}
}

func TestRESTErrorMapping(t *testing.T) {
	f := newFakeARI(t)
	c := newTestClient(t, f, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		status  int
		body    string
		call    func() error
		op, msg string
	}{
		{404, `{"message":"Channel not found"}`, func() error { return c.Answer(ctx, "gone") }, "answer", "Channel not found"},
		{404, `{"message":"Playback not found"}`, func() error { return c.StopPlayback(ctx, "pb") }, "stop", "Playback not found"},
		{409, `{"message":"Channel not in Stasis application"}`, func() error { return c.Continue(ctx, "1.2", engine.DialplanTarget{}) }, "continue", "Channel not in Stasis application"},
		{500, `{"error":"Allocation failed"}`, func() error { return c.Play(ctx, "1.2", "pb", engine.PlayRequest{Media: []string{"x"}}) }, "play", "Allocation failed"},
		{400, "bad reason\n", func() error { return c.Hangup(ctx, "1.2", "whatever") }, "hangup", "bad reason"},
		{503, "", func() error { return c.Answer(ctx, "1.2") }, "answer", "Service Unavailable"},
	} {
		f.setResponder(func(w http.ResponseWriter, _ *http.Request, _ string) {
			if strings.HasPrefix(tc.body, "{") {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		})
		err := tc.call()
		f.nextRequest(t)
		var ae *engine.ActionError
		if !errors.As(err, &ae) {
			t.Errorf("%d %s: got %v, want *engine.ActionError", tc.status, tc.body, err)
			continue
		}
		if *ae != (engine.ActionError{Op: tc.op, Status: tc.status, Message: tc.msg}) {
			t.Errorf("got %+v, want %s %d %q", *ae, tc.op, tc.status, tc.msg)
		}
		if engine.IsNotFound(err) != (tc.status == 404) {
			t.Errorf("IsNotFound(%v) = %v", err, !(tc.status == 404))
		}
	}
	if st := c.Stats(); st.RESTErrors != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestRESTBasicAuth(t *testing.T) {
	f := newFakeARI(t)
	c := newTestClient(t, f, func(o *Options) { o.Password = "wrong" })
	err := c.Answer(context.Background(), "1.2")
	var ae *engine.ActionError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Message != "Authentication required" {
		t.Errorf("got %v, want 401 Authentication required", err)
	}
}

func TestRESTTimeoutAndTransportErrors(t *testing.T) {
	f := newFakeARI(t)
	c := newTestClient(t, f, func(o *Options) { o.RequestTimeout = 30 * time.Millisecond })
	f.setResponder(func(w http.ResponseWriter, r *http.Request, _ string) {
		<-r.Context().Done() // never answers
	})
	err := c.Answer(context.Background(), "1.2")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hung server: got %v, want a deadline error", err)
	}
	var ae *engine.ActionError
	if errors.As(err, &ae) {
		t.Errorf("timeout reported as %v", ae)
	}
	f.nextRequest(t)

	// Nothing listening: a failed action, not an ActionError.
	f.srv.Close()
	err = c.Hangup(context.Background(), "1.2", "")
	if err == nil || errors.As(err, &ae) {
		t.Errorf("closed server: got %v", err)
	}
}

func TestRESTBoundedInFlight(t *testing.T) {
	const limit = 3
	f := newFakeARI(t)
	c := newTestClient(t, f, func(o *Options) { o.MaxInFlight = limit })
	if c.tr.MaxConnsPerHost != limit || c.tr.MaxIdleConnsPerHost != limit {
		t.Errorf("transport MaxConnsPerHost %d, MaxIdleConnsPerHost %d", c.tr.MaxConnsPerHost, c.tr.MaxIdleConnsPerHost)
	}
	gate := make(chan struct{})
	var inFlight, peak atomic.Int64
	f.setResponder(func(w http.ResponseWriter, _ *http.Request, _ string) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-gate
		inFlight.Add(-1)
		w.WriteHeader(http.StatusNoContent)
	})

	const calls = 10
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() { errs <- c.Answer(context.Background(), "1.2") })
	}
	for range limit {
		f.nextRequest(t)
	}
	eventually(t, "slots taken", func() bool { return len(c.sem) == limit })

	// With every slot taken, a request whose context ends gives up waiting
	// and never reaches the server.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	err := c.Answer(ctx, "1.2")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "slot") {
		t.Errorf("waiting for a slot: got %v", err)
	}
	select {
	case r := <-f.requests:
		t.Errorf("request beyond the limit reached the server: %+v", r)
	default:
	}

	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p := peak.Load(); p > limit {
		t.Errorf("%d requests in flight, limit %d", p, limit)
	}
}
