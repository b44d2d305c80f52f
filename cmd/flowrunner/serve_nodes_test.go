package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

// simNode is one simulated Asterisk node: an arisim server on an httptest
// listener, in the test process.
type simNode struct {
	t   *testing.T
	sim *arisim.Server
	srv *httptest.Server
}

func startSimNode(t *testing.T, password string) *simNode {
	t.Helper()
	sim := arisim.New(arisim.Options{Username: "asterisk", Password: password,
		Media:   map[string]time.Duration{"sound:hello-world": 100 * time.Millisecond},
		Callees: map[string]arisim.Callee{"PJSIP/bob": {}}}) // answers at once
	n := &simNode{t: t, sim: sim, srv: httptest.NewServer(sim)}
	t.Cleanup(n.stop)
	return n
}

// stop closes the simulator's sockets, then its listener: the node is down.
func (n *simNode) stop() {
	n.sim.Close()
	n.srv.Close()
}

// call places an inbound call into app and returns its channel id.
func (n *simNode) call(app string) string {
	n.t.Helper()
	id, err := n.sim.PlaceCall(arisim.CallSpec{App: app, Inbound: true})
	if err != nil {
		n.t.Fatal(err)
	}
	return id
}

// waitGone waits until channel id has hung up.
func (n *simNode) waitGone(id string, log *process) {
	n.t.Helper()
	select {
	case <-n.sim.Done(id):
	case <-time.After(20 * time.Second):
		n.t.Fatalf("channel %s never ended:\n%s", id, log.stderr.String())
	}
}

// requests returns the REST requests the simulator received for channels,
// as "METHOD path", in order.
func (n *simNode) requests() []string {
	var out []string
	for _, e := range n.sim.Transcript() {
		if e.Kind == "request" && strings.HasPrefix(e.Path, "/ari/channels") {
			out = append(out, e.Method+" "+e.Path)
		}
	}
	return out
}

// TestServeSeveralNodes runs serve --config with two nodes, a and b, each an
// ARI simulator: a call is handled through the node it arrived on and no
// other; GET /calls lists both nodes' calls; POST /calls needs a node and
// places the call there; /metrics labels every node's series; with node a
// gone, /readyz is 503 naming it while node b still completes calls.
func TestServeSeveralNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	a, b := startSimNode(t, "pw-a"), startSimNode(t, "pw-b")
	flows, cfgDir := t.TempDir(), t.TempDir()
	writeFlow(t, filepath.Join(flows, "hello-world.yaml"), "name: hello-world\nsteps:\n  - answer: {}\n  - play: sound:hello-world\n  - hangup: {}\n")
	writeFlow(t, filepath.Join(flows, "hold.yaml"), "name: hold\nsteps:\n  - answer: {}\n  - id: hold\n    wait: 60s\n  - hangup: {}\n")
	writeFlow(t, filepath.Join(cfgDir, "a-password"), "pw-a\n")
	cfg := filepath.Join(cfgDir, "nodes.yaml")
	writeFlow(t, cfg, fmt.Sprintf(`nodes:
  - name: a
    url: %s/ari
    username: asterisk
    password_file: a-password   # relative to this file
  - name: b
    url: %s/ari
    username: asterisk
    password_env: NODE_B_ARI_PASSWORD
`, a.srv.URL, b.srv.URL))
	t.Setenv("NODE_B_ARI_PASSWORD", "pw-b") // inherited by serve

	serve := startFlowrunner(t, "serve", "--config", cfg, "--flows", flows, "--admin-listen", "127.0.0.1:0",
		"--watch=false", "--drain-timeout", "5s")
	adm := &adminClient{simClient: simClient{t: t, http: &http.Client{Timeout: 20 * time.Second},
		base: "http://" + serve.waitLine(regexp.MustCompile(`admin endpoint listening.* addr=(\S+)`))}}
	body := adm.waitStatus("/readyz", 200, serve)
	for _, want := range []string{`"name": "ari",
      "node": "a",
      "ok": true`, `"name": "ari",
      "node": "b",
      "ok": true`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /readyz lacks %s:\n%s", want, body)
		}
	}

	// A call on a is handled through a only, and one on b through b only
	// (both simulators may well give their channels the same id).
	id := a.call("hello-world")
	a.waitGone(id, serve)
	wantA := []string{"POST /ari/channels/" + id + "/answer", "POST /ari/channels/" + id + "/play/", "DELETE /ari/channels/" + id}
	checkRequests(t, "node a", a.requests(), wantA, serve)
	if got := b.requests(); len(got) != 0 {
		t.Fatalf("node b received requests for node a's call: %v", got)
	}
	id = b.call("hello-world")
	b.waitGone(id, serve)
	checkRequests(t, "node b", b.requests(), []string{"POST /ari/channels/" + id + "/answer", "POST /ari/channels/" + id + "/play/", "DELETE /ari/channels/" + id}, serve)
	if got := a.requests(); len(got) != len(wantA) {
		t.Fatalf("node a received requests for node b's call: %v", got)
	}

	// GET /calls: a call held on each node, each with its node.
	holdA, holdB := a.call("hold"), b.call("hold")
	var calls struct {
		Count int `json:"count"`
		Calls []struct {
			Node      string `json:"node"`
			ChannelID string `json:"channel_id"`
			StepID    string `json:"step_id"`
		} `json:"calls"`
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, body = adm.get("/calls", "")
		if err := json.Unmarshal(body, &calls); err != nil {
			t.Fatalf("GET /calls: %s", body)
		}
		nodes := map[string]string{}
		for _, c := range calls.Calls {
			if c.StepID == "hold" {
				nodes[c.Node] = c.ChannelID
			}
		}
		if calls.Count == 2 && nodes["a"] == holdA && nodes["b"] == holdB {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /calls never listed both held calls with their nodes: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, n := range []struct {
		sim *simNode
		id  string
	}{{a, holdA}, {b, holdB}} {
		if err := n.sim.sim.CallerHangup(n.id); err != nil {
			t.Fatal(err)
		}
		n.sim.waitGone(n.id, serve)
	}

	// POST /calls: the node is required with two, and places the call there.
	seenA := len(a.requests())
	st, body := adm.post("/calls", `{"endpoint": "PJSIP/bob", "flow": "hello-world"}`)
	if st != http.StatusBadRequest || !strings.Contains(string(body), `\"node\" is required`) {
		t.Fatalf("POST /calls without a node: %d %s", st, body)
	}
	st, body = adm.post("/calls", `{"endpoint": "PJSIP/bob", "flow": "hello-world", "node": "b"}`)
	var orig struct {
		ChannelID string `json:"channel_id"`
		Node      string `json:"node"`
	}
	if err := json.Unmarshal(body, &orig); err != nil || st != http.StatusAccepted || orig.Node != "b" {
		t.Fatalf("POST /calls on node b: %d %s", st, body)
	}
	b.waitGone(orig.ChannelID, serve)
	if got := b.requests(); !contains(got, "POST /ari/channels") || !contains(got, "DELETE /ari/channels/"+orig.ChannelID) {
		t.Fatalf("node b never originated and hung up the call: %v", got)
	}
	if got := a.requests(); len(got) != seenA {
		t.Fatalf("node a received requests for node b's calls: %v", got)
	}

	// Node a goes down: not ready, naming it; node b still completes calls.
	a.stop()
	body = adm.waitStatus("/readyz", http.StatusServiceUnavailable, serve)
	if !strings.Contains(string(body), `"reason": "ari: node \"a\": ARI event stream not connected for 2 of 2 applications: hello-world, hold"`) {
		t.Fatalf("GET /readyz with node a down: %s", body)
	}
	id = b.call("hello-world")
	b.waitGone(id, serve)
	if got := b.requests(); !contains(got, "DELETE /ari/channels/"+id) || strings.Count(strings.Join(got, "\n"), "/answer") != 4 {
		t.Fatalf("node b with node a down: %v", got)
	}

	// The calls' ends are counted once the engine has seen their StasisEnd:
	// wait for the metrics to settle.
	want := []string{
		`flowrunner_calls_started_total{flow="hello-world",node="a"} 1`,
		`flowrunner_calls_started_total{flow="hello-world",node="b"} 3`,
		`flowrunner_calls_started_total{flow="hold",node="a"} 1`,
		`flowrunner_calls_ended_total{flow="hello-world",node="b",reason="flow_hangup"} 3`,
		`flowrunner_calls_active{node="a"} 0`,
		`flowrunner_ari_app_connected{app="hello-world",node="a"} 0`,
		`flowrunner_ari_app_connected{app="hello-world",node="b"} 1`,
		`flowrunner_ari_requests_total{node="b",op="originate",result="ok"} 1`,
		`flowrunner_flows_loaded 2`,
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, body = adm.get("/metrics", "")
		var missing []string
		for _, line := range want {
			if !strings.Contains(string(body), "\n"+line+"\n") {
				missing = append(missing, line)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics lacks %s:\n%s", strings.Join(missing, "\n"), body)
		}
		time.Sleep(10 * time.Millisecond)
	}

	if code := serve.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serve.stderr.String())
	}
	log := serve.stderr.String()
	for _, secret := range []string{"pw-a", "pw-b"} {
		if strings.Contains(log, secret) {
			t.Fatalf("a node's ARI password appears in serve's log:\n%s", log)
		}
	}
	if !regexp.MustCompile(`(?m)level=WARN msg="ARI event stream unavailable; reconnecting" node=a `).MatchString(log) {
		t.Errorf("no reconnect warning of node a in the log:\n%s", log)
	}
}

func checkRequests(t *testing.T, node string, got, want []string, log *process) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: requests %v, want %v\n%s", node, got, want, log.stderr.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("%s: requests %v, want %v\n%s", node, got, want, log.stderr.String())
		}
	}
}

func contains(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func (c *adminClient) post(path, body string) (int, []byte) {
	c.t.Helper()
	resp, err := c.http.Post(c.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestServeConfigErrors: --config with node flags, a bad file, or a secret
// that cannot be read stops serve at once with exit 2, saying where.
func TestServeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeFlow(t, filepath.Join(dir, "hello.yaml"), "name: hello\nsteps:\n  - hangup: {}\n")
	good := filepath.Join(dir, "nodes.yaml")
	writeFlow(t, good, "nodes:\n  - name: a\n    url: http://127.0.0.1:1/ari\n    username: u\n    password_env: FLOWRUNNER_TEST_UNSET_PW\n")
	bad := filepath.Join(dir, "bad.yaml")
	writeFlow(t, bad, "nodes:\n  - name: a\n    url: http://127.0.0.1:1/ari\n    username: u\n    password_file: missing-pw\n  - name: a\n    url: http://127.0.0.1:2/ari\n    username: u\n")
	missing := filepath.Join(dir, "missing.yaml")
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"flags", []string{"--config", good, "--ari-url", "http://x/ari", "--apps", "a"}, nil,
			[]string{"serve: --config " + good + " lists the Asterisk nodes with their urls, credentials and apps; remove --ari-url, --apps"}},
		{"env", []string{"--config", good}, map[string]string{"FLOWRUNNER_ARI_PASSWORD_FILE": "/x"},
			[]string{"remove FLOWRUNNER_ARI_PASSWORD_FILE"}},
		{"bad file", []string{"--config", bad}, nil, []string{
			bad + `:6:5: node "a": no password; set password_file`,
			bad + `:6:11: node "a": duplicate node name (first at line 2)`,
			"serve: --config " + bad + ": fix the errors above"}},
		{"secrets", []string{"--config", good}, nil, []string{
			good + `:5:19: node "a": password_env: the environment variable FLOWRUNNER_TEST_UNSET_PW is not set, or empty`}},
		{"missing", []string{"--config", missing}, nil, []string{missing + ": cannot read node config file: no such file or directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr strings.Builder
			code := run(t.Context(), append([]string{"serve", "--flows", dir, "--admin-listen", "", "--watch=false"}, tc.args...), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
	// A password file that cannot be read, named by the file's position.
	writeFlow(t, bad, "nodes:\n  - name: a\n    url: http://127.0.0.1:1/ari\n    username: u\n    password_file: missing-pw\n")
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"serve", "--flows", dir, "--config", bad, "--admin-listen", ""}, &stdout, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), bad+`:5:20: node "a": password_file: open `+filepath.Join(dir, "missing-pw")+": no such file or directory") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
