package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// adminClient talks to serve's admin endpoint with a bearer token.
type adminClient struct {
	simClient
	token string
}

func (c *adminClient) get(path, token string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// waitStatus polls path until it answers want, within 30 s.
func (c *adminClient) waitStatus(path string, want int, log *process) []byte {
	c.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		st, body := c.get(path, c.token)
		if st == want {
			return body
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("GET %s never answered %d (last %d %s):\n%s", path, want, st, body, log.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeOpsEndpoints runs serve with an admin token file against
// sim-server: every route but the health checks wants the token; /healthz
// answers at once, without it; /readyz
// is 200 once the application's event stream is up and 503 with the reason
// once the simulator is gone; /calls lists a call held in a wait step, and
// /metrics counts it; POST /calls originates a call into a flow; --trace-dir
// gets a file per call.
func TestServeOpsEndpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	secrets := t.TempDir()
	pwFile := filepath.Join(secrets, "ari-password")
	writeFlow(t, pwFile, "s3cret\n")
	tokenFile := filepath.Join(secrets, "admin-token")
	writeFlow(t, tokenFile, "adm1n-t0ken\n")
	traceDir := filepath.Join(t.TempDir(), "traces")
	hold := "name: hold\nsteps:\n  - answer: {}\n  - id: hold\n    wait: 60s\n  - hangup: {}\n"
	writeFlow(t, filepath.Join(dir, "hold.yaml"), hold)

	sim := startFlowrunner(t, "sim-server", "--listen", "127.0.0.1:0", "--user", "asterisk", "--password", "s3cret")
	base := sim.waitLine(regexp.MustCompile(`url=(http://\S+)/ari`))
	c := &simClient{t: t, base: base, http: &http.Client{Timeout: 40 * time.Second}}
	serve := startFlowrunner(t, "serve", "--flows", dir, "--ari-url", base+"/ari", "--ari-user", "asterisk",
		"--ari-password-file", pwFile, "--admin-listen", "127.0.0.1:0", "--admin-token-file", tokenFile,
		"--drain-timeout", "2s", "--watch=false", "--trace-dir", traceDir)
	adm := &adminClient{simClient: simClient{t: t, base: "http://" + serve.waitLine(regexp.MustCompile(`admin endpoint listening.* addr=(\S+)`)), http: c.http}, token: "adm1n-t0ken"}

	for _, path := range []string{"/calls", "/flows", "/metrics"} {
		if st, _ := adm.get(path, ""); st != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d, want 401", path, st)
		}
		if st, _ := adm.get(path, "wrong"); st != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token: %d, want 401", path, st)
		}
	}
	if st, body := adm.get("/healthz", ""); st != 200 {
		t.Fatalf("GET /healthz without the token (a probe): %d %s", st, body)
	}
	adm.waitStatus("/readyz", 200, serve)
	if st, body := adm.get("/readyz", ""); st != 200 {
		t.Fatalf("GET /readyz without the token (a probe): %d %s", st, body)
	}

	st, body := c.do("POST", "/sim/calls?app=hold")
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &ch); err != nil || st != 200 || ch.ID == "" {
		t.Fatalf("placing a call: %d %s", st, body)
	}
	var calls struct {
		Count int `json:"count"`
		Calls []struct {
			ChannelID string `json:"channel_id"`
			Flow      string `json:"flow"`
			StepID    string `json:"step_id"`
			StepType  string `json:"step_type"`
		} `json:"calls"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		st, body = adm.get("/calls", adm.token)
		if err := json.Unmarshal(body, &calls); err != nil || st != 200 {
			t.Fatalf("GET /calls: %d %s", st, body)
		}
		if calls.Count == 1 && calls.Calls[0].StepType == "wait" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /calls never showed the call waiting: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := calls.Calls[0]; got.ChannelID != ch.ID || got.Flow != "hold" || got.StepID != "hold" {
		t.Fatalf("GET /calls: %s", body)
	}
	if st, body := c.do("DELETE", "/sim/calls/"+ch.ID); st/100 != 2 {
		t.Fatalf("hanging up: %d %s", st, body)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, body = adm.get("/calls", adm.token); strings.Contains(string(body), `"count": 0`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call never left /calls: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The call in the metrics.
	st, body = adm.get("/metrics", adm.token)
	for _, line := range []string{
		`flowrunner_calls_started_total{flow="hold"} 1`,
		`flowrunner_calls_ended_total{flow="hold",reason="caller_hangup"} 1`,
		`flowrunner_calls_active 0`,
		`flowrunner_steps_total{type="wait"} 1`,
		`flowrunner_step_duration_seconds_count{type="wait"} 1`,
		`flowrunner_events_total{type="StasisStart"} 1`,
		`flowrunner_ari_requests_total{op="answer",result="ok"} 1`,
		`flowrunner_ari_request_duration_seconds_count{op="answer"} 1`,
		`flowrunner_ari_app_connected{app="hold"} 1`,
		`flowrunner_ari_connects_total 1`,
		`flowrunner_flows_loaded 1`,
	} {
		if st != 200 || !strings.Contains(string(body), "\n"+line+"\n") {
			t.Errorf("GET /metrics: %d, no %s in:\n%s", st, line, body)
		}
	}

	// An outbound call through POST /calls: the callee rings 1 s, answers,
	// and the call runs the flow.
	req, _ := http.NewRequest("POST", adm.base+"/calls", strings.NewReader(`{"endpoint": "PJSIP/bob", "flow": "hold", "timeout": "10s"}`))
	req.Header.Set("Authorization", "Bearer "+adm.token)
	resp, err := adm.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var orig struct {
		ChannelID string `json:"channel_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&orig)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted || orig.ChannelID == "" {
		t.Fatalf("POST /calls: %d %+v %v", resp.StatusCode, orig, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, body = adm.get("/calls", adm.token)
		if strings.Contains(string(body), `"channel_id": "`+orig.ChannelID+`"`) && strings.Contains(string(body), `"step_id": "hold"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the originated call never reached its wait step: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, body := c.do("DELETE", "/sim/calls/"+orig.ChannelID); st/100 != 2 {
		t.Fatalf("hanging up the originated call: %d %s", st, body)
	}

	// Asterisk gone: not ready, and the reason names the application.
	if code := sim.stop(); code != 0 {
		t.Fatalf("sim-server exited %d", code)
	}
	body = adm.waitStatus("/readyz", http.StatusServiceUnavailable, serve)
	if !strings.Contains(string(body), `"reason": "ari: ARI event stream not connected for 1 of 1 applications: hold"`) {
		t.Fatalf("GET /readyz with the simulator gone: %s", body)
	}
	if st, _ := adm.get("/healthz", adm.token); st != 200 {
		t.Fatalf("GET /healthz with the simulator gone: %d", st)
	}
	if code := serve.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serve.stderr.String())
	}
	// --trace-dir: one file per call, the inbound one and the originated one.
	files, err := filepath.Glob(filepath.Join(traceDir, "*.json"))
	if err != nil || len(files) != 2 {
		t.Fatalf("trace files %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"reason": "caller_hangup"`) || !strings.Contains(string(b), `"kind": "action"`) ||
			!strings.Contains(string(b), `"detail": "ChannelHangupRequest cause 16"`) {
			t.Errorf("trace file %s:\n%s", f, b)
		}
	}
	if strings.Contains(serve.stderr.String(), "adm1n-t0ken") {
		t.Fatal("the admin token appears in serve's log")
	}
}

// TestServeRefusesExposedAdmin: a non-loopback admin address needs a token
// or --admin-allow-insecure.
func TestServeRefusesExposedAdmin(t *testing.T) {
	dir := t.TempDir()
	writeFlow(t, filepath.Join(dir, "hello.yaml"), "name: hello\nsteps:\n  - hangup: {}\n")
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"serve", "--flows", dir, "--ari-user", "u", "--ari-password", "p",
		"--admin-listen", "0.0.0.0:0", "--watch=false"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "--admin-listen 0.0.0.0:0: not a loopback address; set --admin-token") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	stderr.Reset()
	code = run(t.Context(), []string{"serve", "--flows", dir, "--ari-user", "u", "--ari-password", "p",
		"--admin-token", "t", "--admin-token-file", filepath.Join(dir, "hello.yaml"), "--watch=false"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "set --admin-token or --admin-token-file, not both") {
		t.Fatalf("both token flags: exit %d, stderr:\n%s", code, stderr.String())
	}
}
