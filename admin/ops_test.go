package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// serveOpts serves the operations endpoints on a Server opened with o.
func serveOpts(t *testing.T, o Options, checks []Check, calls func() []engine.CallInfo) string {
	t.Helper()
	srv, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("GET /healthz", HealthzHandler())
	srv.Handle("GET /readyz", ReadyzHandler(checks...))
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 10, 0, time.UTC) }
	srv.Handle("GET /calls", CallsHandler(calls, now))
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + srv.Addr().String()
}

func noCalls() []engine.CallInfo { return nil }

func TestHealthz(t *testing.T) {
	base := serveOpts(t, Options{Addr: "127.0.0.1:0"}, nil, noCalls)
	if st, body := do(t, "GET", base+"/healthz"); st != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("GET /healthz: %d %s", st, body)
	}
}

func TestReadyz(t *testing.T) {
	var mu sync.Mutex
	var ariErr, flowsErr error
	set := func(a, f error) { mu.Lock(); ariErr, flowsErr = a, f; mu.Unlock() }
	checks := []Check{
		{Name: "ari", Fn: func() error { mu.Lock(); defer mu.Unlock(); return ariErr }},
		{Name: "flows", Fn: func() error { mu.Lock(); defer mu.Unlock(); return flowsErr }},
	}
	base := serveOpts(t, Options{Addr: "127.0.0.1:0"}, checks, noCalls)
	get := func() (int, readyOut) {
		st, body := do(t, "GET", base+"/readyz")
		var out readyOut
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("GET /readyz: %d %s: %v", st, body, err)
		}
		return st, out
	}
	if st, out := get(); st != 200 || !out.Ready || out.Reason != "" || len(out.Checks) != 2 {
		t.Fatalf("all ready: %d %+v", st, out)
	}
	down := errors.New("ARI event stream not connected for 1 of 1 applications: hello-world")
	set(down, errors.New("no flow loaded"))
	st, out := get()
	if st != 503 || out.Ready || out.Reason != "ari: "+down.Error() {
		t.Fatalf("ari down: %d %+v", st, out)
	}
	if out.Checks[0].OK || out.Checks[1].OK || out.Checks[1].Error != "no flow loaded" {
		t.Fatalf("checks %+v", out.Checks)
	}
	set(nil, errors.New("no flow loaded"))
	if st, out := get(); st != 503 || out.Reason != "flows: no flow loaded" || !out.Checks[0].OK {
		t.Fatalf("flows missing: %d %+v", st, out)
	}
}

func TestCallsEndpoint(t *testing.T) {
	started := time.Date(2026, 11, 25, 12, 0, 7, 500e6, time.UTC)
	calls := func() []engine.CallInfo {
		return []engine.CallInfo{{ChannelID: "1.1", App: "hello-world", Flow: "hello-world", FlowVersion: "abc123",
			Step: `"intro"`, StepID: "intro", StepType: "play", Started: started}}
	}
	base := serveOpts(t, Options{Addr: "127.0.0.1:0"}, nil, calls)
	st, body := do(t, "GET", base+"/calls")
	var out callsOut
	if err := json.Unmarshal([]byte(body), &out); err != nil || st != 200 {
		t.Fatalf("GET /calls: %d %s %v", st, body, err)
	}
	want := callOut{ChannelID: "1.1", App: "hello-world", Flow: "hello-world", FlowVersion: "abc123",
		Step: `"intro"`, StepID: "intro", StepType: "play", StartedAt: started, DurationSeconds: 2.5}
	if out.Count != 1 || len(out.Calls) != 1 || out.Calls[0] != want {
		t.Fatalf("GET /calls = %+v", out)
	}
	base = serveOpts(t, Options{Addr: "127.0.0.1:0"}, nil, noCalls)
	if st, body := do(t, "GET", base+"/calls"); st != 200 || !strings.Contains(body, `"calls": []`) {
		t.Fatalf("GET /calls with none: %d %s", st, body)
	}
}

func TestTokenRequiredOnEveryRouteButHealthChecks(t *testing.T) {
	const token = "s3cret-token"
	base := serveOpts(t, Options{Addr: "127.0.0.1:0", Token: token}, nil, noCalls)
	// Probes carry no credentials: the health checks answer without them.
	for _, path := range []string{"/healthz", "/readyz"} {
		if st, body := do(t, "GET", base+path); st != 200 {
			t.Errorf("GET %s without the token: %d %s, want 200", path, st, body)
		}
	}
	for _, path := range []string{"/healthz/x", "/calls", "/nowhere"} {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + token, "Bearer " + token + "x", "Bearer"} {
			req, _ := http.NewRequest("GET", base+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("GET %s with %q: %d, want 401 with a Bearer challenge", path, auth, resp.StatusCode)
			}
		}
		for _, auth := range []string{"Bearer " + token, "bearer " + token} {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("Authorization", auth)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := 200
			if path != "/calls" {
				want = 404
			}
			if resp.StatusCode != want {
				t.Errorf("GET %s with the token: %d, want %d", path, resp.StatusCode, want)
			}
		}
	}
}

func TestOpenRefusesExposedWithoutToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		if _, err := Open(Options{Addr: addr}); !errors.Is(err, ErrExposed) {
			t.Errorf("Open(%q) without a token: %v, want ErrExposed", addr, err)
		}
		for _, o := range []Options{{Addr: addr, Token: "t"}, {Addr: addr, AllowInsecure: true}} {
			s, err := Open(o)
			if err != nil {
				t.Errorf("Open(%+v): %v", o, err)
				continue
			}
			if s.Loopback() {
				t.Errorf("%s reported as loopback", s.Addr())
			}
			s.ln.Close()
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		s, err := Open(Options{Addr: addr})
		if err != nil {
			t.Errorf("Open(%q): %v", addr, err)
			continue
		}
		if !s.Loopback() {
			t.Errorf("%s not reported as loopback", s.Addr())
		}
		s.ln.Close()
	}
}

func TestBodyLimit(t *testing.T) {
	srv, err := Open(Options{Addr: "127.0.0.1:0", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("POST /echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	}))
	go func() { _ = srv.Serve() }()
	defer srv.Shutdown(context.Background())
	for size, want := range map[int]int{MaxBodyBytes: 200, MaxBodyBytes + 1: 413} {
		req, _ := http.NewRequest("POST", "http://"+srv.Addr().String()+"/echo", strings.NewReader(strings.Repeat("x", size)))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a %d-byte body: %d, want %d", size, resp.StatusCode, want)
		}
	}
}
