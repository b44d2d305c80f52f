package baseline

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

const (
	testUser = "bench"
	testPass = "benchpass"
	deadline = 10 * time.Second // failure deadline for anything awaited
)

// requests counts the app's REST requests to the simulator by kind and
// channel.
type requests struct {
	mu     sync.Mutex
	counts map[string]map[string]int // kind → channel id → count
}

func (r *requests) observe(e arisim.Entry) {
	if e.Kind != "request" || !strings.HasPrefix(e.Path, "/ari/channels/") {
		return
	}
	parts := strings.Split(strings.TrimPrefix(e.Path, "/ari/channels/"), "/")
	var kind string
	switch {
	case e.Method == "POST" && len(parts) == 2 && parts[1] == "answer":
		kind = "answer"
	case e.Method == "POST" && len(parts) == 3 && parts[1] == "play":
		kind = "play"
	case e.Method == "DELETE" && len(parts) == 1:
		kind = "hangup"
	default:
		kind = e.Method + " " + e.Path
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts[kind] == nil {
		r.counts[kind] = map[string]int{}
	}
	r.counts[kind][parts[0]]++
}

func (r *requests) get(kind string) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for id, n := range r.counts[kind] {
		out[id] = n
	}
	return out
}

// harness is a simulator and a running App.
type harness struct {
	sim  *arisim.Server
	hs   *httptest.Server
	app  *App
	reqs *requests
	stop func() error // cancels Run and returns its error
}

// start serves a simulator with short media and runs an App against it,
// waiting until the App is ready.
func start(t *testing.T, media time.Duration, opts Options) *harness {
	t.Helper()
	reqs := &requests{counts: map[string]map[string]int{}}
	sim := arisim.New(arisim.Options{
		Username:     testUser,
		Password:     testPass,
		NoTranscript: true,
		Media:        map[string]time.Duration{"sound:hello-world": media},
		Observer:     reqs.observe,
	})
	hs := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		hs.Close()
	})
	opts.URL = hs.URL + "/ari"
	opts.Username, opts.Password = testUser, testPass
	if opts.Pause == 0 {
		opts.Pause = 5 * time.Millisecond
	}
	app := New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	h := &harness{sim: sim, hs: hs, app: app, reqs: reqs}
	var once sync.Once
	var runErr error
	h.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(deadline):
				t.Fatal("Run did not return after its context ended")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = h.stop() })
	select {
	case <-app.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(deadline):
		t.Fatal("App not ready")
	}
	return h
}

func (h *harness) place(t *testing.T, script arisim.Script) string {
	t.Helper()
	id, err := h.sim.PlaceCall(arisim.CallSpec{App: "hello-world", Inbound: true, Script: script})
	if err != nil {
		t.Fatalf("PlaceCall: %v", err)
	}
	return id
}

func wait(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(deadline):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// waitStats polls until ok(Stats) holds.
func waitStats(t *testing.T, app *App, ok func(Stats) bool) Stats {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		s := app.Stats()
		if ok(s) {
			return s
		}
		if time.Now().After(end) {
			t.Fatalf("stats never settled: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkGoroutines fails t unless the goroutine count falls back to before.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	end := time.Now().Add(deadline)
	for runtime.NumGoroutine() > before {
		if time.Now().After(end) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left (%d before):\n%s",
				runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConcurrentCallsComplete(t *testing.T) {
	const n = 50
	h := start(t, 20*time.Millisecond, Options{})
	ids := make([]string, n)
	for i := range ids {
		ids[i] = h.place(t, arisim.Script{})
	}
	for _, id := range ids {
		wait(t, "channel "+id, h.sim.Done(id))
	}
	wait(t, "idle simulator", h.sim.Idle())
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got, want := h.app.Stats(), (Stats{Started: n, Completed: n}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	for _, kind := range []string{"answer", "play", "hangup"} {
		got := h.reqs.get(kind)
		for _, id := range ids {
			if got[id] != 1 {
				t.Errorf("%s requests for %s = %d, want 1", kind, id, got[id])
			}
		}
		if len(got) != n {
			t.Errorf("%s requests for %d channels, want %d", kind, len(got), n)
		}
	}
	if live := h.sim.Live(); live != 0 {
		t.Errorf("simulator has %d live calls", live)
	}
}

func TestCallerHangsUpMidPlayback(t *testing.T) {
	before := runtime.NumGoroutine()
	h := start(t, 5*time.Second, Options{})
	id := h.place(t, arisim.Script{HangupPrompt: 1, HangupDelay: 10 * time.Millisecond})
	wait(t, "channel "+id, h.sim.Done(id))
	got := waitStats(t, h.app, func(s Stats) bool { return s.HungUp+s.Errors+s.Completed > 0 })
	if want := (Stats{Started: 1, HungUp: 1}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	if n := h.reqs.get("play")[id]; n != 1 {
		t.Errorf("play requests = %d, want 1", n)
	}
	if n := h.reqs.get("hangup")[id]; n != 0 {
		t.Errorf("the app hung up a channel the caller had left (%d requests)", n)
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	h.sim.Close()
	h.hs.Close()
	checkGoroutines(t, before)
}

func TestLostPlaybackFinished(t *testing.T) {
	h := start(t, 10*time.Millisecond, Options{PlaybackTimeout: 50 * time.Millisecond})
	h.sim.SetFaults(arisim.Faults{LoseEvent: func(_, typ string) bool { return typ == "PlaybackFinished" }})
	id := h.place(t, arisim.Script{})
	wait(t, "channel "+id, h.sim.Done(id))
	got := waitStats(t, h.app, func(s Stats) bool { return s.Errors > 0 })
	if want := (Stats{Started: 1, Errors: 1}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

func TestRunStopsWithCallsInProgress(t *testing.T) {
	before := runtime.NumGoroutine()
	h := start(t, 5*time.Second, Options{})
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = h.place(t, arisim.Script{})
	}
	// Every call is answered and playing its 5 s prompt.
	end := time.Now().Add(deadline)
	for len(h.reqs.get("play")) < len(ids) {
		if time.Now().After(end) {
			t.Fatal("calls never started playing")
		}
		time.Sleep(time.Millisecond)
	}
	t0 := time.Now()
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Run took %v to return after its context ended", d)
	}
	if got := h.app.Stats(); got.Started != int64(len(ids)) || got.Completed+got.HungUp+got.Errors != 0 {
		t.Errorf("stats = %+v, want %d started and none ended", got, len(ids))
	}
	h.sim.Close()
	h.hs.Close()
	checkGoroutines(t, before)
}

func TestRunWithoutAsterisk(t *testing.T) {
	hs := httptest.NewServer(nil)
	url := hs.URL + "/ari"
	hs.Close() // nothing listens there any more
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	app := New(Options{URL: url, Username: testUser, Password: testPass})
	go func() { done <- app.Run(ctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Run = nil, want a connect error")
		}
	case <-time.After(deadline):
		t.Fatal("Run did not return after its context ended")
	}
	select {
	case <-app.Ready():
		t.Error("Ready closed without a connection")
	default:
	}
}

func TestEventsURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8088/ari":   "ws://127.0.0.1:8088/ari/events",
		"https://pbx.example/ari/":    "wss://pbx.example/ari/events",
		"http://localhost:8088/a/ari": "ws://localhost:8088/a/ari/events",
	} {
		if got, err := eventsURL(in); err != nil || got != want {
			t.Errorf("eventsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := eventsURL("ftp://x/ari"); err == nil {
		t.Error("eventsURL accepted an ftp URL")
	}
}
