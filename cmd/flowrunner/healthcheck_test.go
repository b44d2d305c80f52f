package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/healthz":
			w.Write([]byte(`{"status": "ok"}`))
		case r.URL.Path == "/readyz" && ready.Load():
			w.Write([]byte(`{"status": "ready"}`))
		case r.URL.Path == "/readyz":
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status": "not ready", "reason": "ari: hello-world down"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	listen := strings.TrimPrefix(srv.URL, "http://")
	t.Setenv("FLOWRUNNER_ADMIN_LISTEN", listen)

	if code, out, errs := runCmd(t, runHealthcheck); code != exitOK || !strings.Contains(out, "/readyz") {
		t.Errorf("ready: exit %d, %q %q", code, out, errs)
	}
	ready.Store(false)
	if code, _, errs := runCmd(t, runHealthcheck); code != exitInvalid || !strings.Contains(errs, "503") || !strings.Contains(errs, "hello-world down") {
		t.Errorf("not ready: exit %d, %q", code, errs)
	}
	if code, out, _ := runCmd(t, runHealthcheck, "--live"); code != exitOK || !strings.Contains(out, "/healthz") {
		t.Errorf("--live: exit %d, %q", code, out)
	}
	if code, _, _ := runCmd(t, runHealthcheck, "--url", srv.URL+"/nowhere"); code != exitInvalid {
		t.Errorf("--url to a 404: exit %d", code)
	}
	srv.Close()
	if code, _, errs := runCmd(t, runHealthcheck); code != exitInvalid || !strings.Contains(errs, "not answering") {
		t.Errorf("server gone: exit %d, %q", code, errs)
	}
	if code, _, _ := runCmd(t, runHealthcheck, "extra"); code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
}

func TestLoopbackFor(t *testing.T) {
	for in, want := range map[string]string{
		":9090": "127.0.0.1:9090", "0.0.0.0:9090": "127.0.0.1:9090", "[::]:9090": "127.0.0.1:9090",
		"127.0.0.1:9090": "127.0.0.1:9090", "10.0.0.5:9090": "10.0.0.5:9090", "localhost:1": "localhost:1",
	} {
		if got := loopbackFor(in); got != want {
			t.Errorf("loopbackFor(%q) = %q, want %q", in, got, want)
		}
	}
}
