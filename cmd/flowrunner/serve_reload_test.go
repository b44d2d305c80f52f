package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// simClient talks to a sim-server process.
type simClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *simClient) do(method, path string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, nil)
	req.SetBasicAuth("asterisk", "s3cret")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// waitApp waits until the application is registered (want 200) or gone
// (want 404) in the simulator.
func (c *simClient) waitApp(app string, want int, log *process) {
	c.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if st, _ := c.do("GET", "/ari/applications/"+app); st == want {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("application %s never answered %d:\n%s", app, want, log.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// call places one call into app and waits until the simulator is idle.
func (c *simClient) call(app string) {
	c.t.Helper()
	if st, body := c.do("POST", "/sim/calls?app="+app); st != 200 {
		c.t.Fatalf("placing a call into %s: %d %s", app, st, body)
	}
	st, body := c.do("GET", "/sim/calls?wait=idle&timeout=30s")
	var state struct {
		Live     int `json:"live"`
		InStasis int `json:"in_stasis"`
	}
	if err := json.Unmarshal(body, &state); err != nil || st != 200 || state.Live != 0 {
		c.t.Fatalf("after a call into %s: %d %s", app, st, body)
	}
}

func writeFlow(t *testing.T, path, src string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestServeHotReload runs serve against sim-server and changes its flows
// directory. serve starts with a broken file beside a good one; an added flow gets its Stasis application and takes calls, a
// broken edit is rejected (log, admin endpoint, metric) while the previous
// version keeps answering, a removed flow's application is closed; with
// --watch=false, SIGHUP reloads.
func TestServeHotReload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	pwFile := filepath.Join(t.TempDir(), "ari-password")
	writeFlow(t, pwFile, "s3cret\n")
	hello := "name: hello-world\nsteps:\n  - answer: {}\n  - hangup: {}\n"
	second := "name: second\nsteps:\n  - answer: {}\n  - hangup: {}\n"
	broken := "name: second\nsteps:\n  - answer: {}\n  - goto: nowhere\n"
	writeFlow(t, filepath.Join(dir, "hello.yaml"), hello)
	// serve starts with the flows that load, and reports the others.
	writeFlow(t, filepath.Join(dir, "bad.yaml"), strings.ReplaceAll(broken, "second", "bad"))

	sim := startFlowrunner(t, "sim-server", "--listen", "127.0.0.1:0", "--user", "asterisk", "--password", "s3cret")
	base := sim.waitLine(regexp.MustCompile(`url=(http://\S+)/ari`))
	c := &simClient{t: t, base: base, http: &http.Client{Timeout: 40 * time.Second}}
	serveArgs := []string{"serve", "--flows", dir, "--ari-url", base + "/ari", "--ari-user", "asterisk",
		"--ari-password-file", pwFile, "--admin-listen", "127.0.0.1:0", "--drain-timeout", "5s"}
	serve := startFlowrunner(t, serveArgs...)
	serve.waitLine(regexp.MustCompile(`msg="flow file (rejected)[^"]*" error="` + regexp.QuoteMeta(filepath.Join(dir, "bad.yaml")) + `:4:`))
	adminURL := "http://" + serve.waitLine(regexp.MustCompile(`admin endpoint listening.* addr=(\S+)`))
	c.waitApp("hello-world", 200, serve)
	c.call("hello-world")

	// A new file: the flow is added and its application registered.
	writeFlow(t, filepath.Join(dir, "second.yaml"), second)
	serve.waitLine(regexp.MustCompile(`msg="flow (added)" flow=second .*trigger=watch`))
	c.waitApp("second", 200, serve)
	c.call("second")
	serve.waitLine(regexp.MustCompile(`msg="call (ended)" .*flow=second flow_version=` + version(second)))

	// A broken edit: rejected at file:line:col, version 1 keeps answering.
	writeFlow(t, filepath.Join(dir, "second.yaml"), broken)
	serve.waitLine(regexp.MustCompile(`msg="flow file (rejected)[^"]*" error="` + regexp.QuoteMeta(filepath.Join(dir, "second.yaml")) + `:4:`))
	c.call("second")
	serve.waitLine(regexp.MustCompile(`msg="call (ended)" .*flow=second flow_version=` + version(second)))
	admin := &simClient{t: t, base: adminURL, http: c.http}
	st, body := admin.do("POST", "/-/reload")
	if st != http.StatusUnprocessableEntity || !strings.Contains(string(body), filepath.Join(dir, "second.yaml")+":4:") {
		t.Fatalf("POST /-/reload with a broken file: %d %s", st, body)
	}
	st, body = admin.do("GET", "/flows")
	if st != 200 || !strings.Contains(string(body), `"version": "`+version(second)+`"`) || !strings.Contains(string(body), `"rejected": true`) {
		t.Fatalf("GET /flows: %d %s", st, body)
	}
	if st, body = admin.do("GET", "/metrics"); st != 200 || !strings.Contains(string(body), "\nflowrunner_reload_success 0\n") {
		t.Fatalf("GET /metrics: %d %s", st, body)
	}

	// Removed: the flow goes, and its application once it has no call.
	for _, f := range []string{"second.yaml", "bad.yaml"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	serve.waitLine(regexp.MustCompile(`msg="flow (removed)" flow=second`))
	serve.waitLine(regexp.MustCompile(`msg="flows (reloaded)" .* rejected_errors=0 `))
	c.waitApp("second", 404, serve)
	if st, body = admin.do("GET", "/metrics"); st != 200 || !strings.Contains(string(body), "\nflowrunner_reload_success 1\n") {
		t.Fatalf("GET /metrics after the removal: %d %s", st, body)
	}
	if code := serve.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serve.stderr.String())
	}

	// --watch=false: a change waits for SIGHUP.
	serve = startFlowrunner(t, append(serveArgs, "--watch=false")...)
	serve.waitLine(regexp.MustCompile(`msg=(serving)`))
	c.waitApp("hello-world", 200, serve)
	writeFlow(t, filepath.Join(dir, "second.yaml"), second)
	if err := serve.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	serve.waitLine(regexp.MustCompile(`msg="flow (added)" flow=second .*trigger=sighup`))
	c.waitApp("second", 200, serve)
	c.call("second")
	if code := serve.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serve.stderr.String())
	}
	if strings.Contains(serve.stderr.String(), "trigger=watch") {
		t.Errorf("a reload was triggered by the watcher with --watch=false:\n%s", serve.stderr.String())
	}
	if code := sim.stop(); code != 0 {
		t.Fatalf("sim-server exited %d", code)
	}
}

func version(src string) string { return engine.Version([]byte(src)) }

// TestServeRefusesWithoutFlows: serve does not start when no flow loads, and
// says why at file:line:col.
func TestServeRefusesWithoutFlows(t *testing.T) {
	dir := t.TempDir()
	writeFlow(t, filepath.Join(dir, "bad.yaml"), "name: bad\nsteps:\n  - answer: {}\n  - goto: nowhere\n")
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"serve", "--flows", dir, "--ari-user", "u", "--ari-password", "p", "--admin-listen", "", "--watch=false"}, &stdout, &stderr)
	if code != exitInvalid || !strings.Contains(stderr.String(), filepath.Join(dir, "bad.yaml")+":4:") || !strings.Contains(stderr.String(), "no flow loaded") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
