package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/prometheus/client_golang/prometheus"
)

// TestReadyzNodes: with several Asterisk nodes, every node's check is
// listed with its node, and the reason names the node that is down.
func TestReadyzNodes(t *testing.T) {
	down := errors.New("ARI event stream not connected for 1 of 1 applications: hello-world")
	checks := []Check{
		{Name: "ari", Node: "a", Fn: func() error { return nil }},
		{Name: "ari", Node: "b", Fn: func() error { return down }},
		{Name: "flows", Fn: func() error { return nil }},
	}
	base := serveOpts(t, Options{Addr: "127.0.0.1:0"}, checks, noCalls)
	st, body := do(t, "GET", base+"/readyz")
	var out readyOut
	if err := json.Unmarshal([]byte(body), &out); err != nil || st != 503 {
		t.Fatalf("GET /readyz: %d %s", st, body)
	}
	if out.Reason != `ari: node "b": `+down.Error() {
		t.Errorf("reason %q", out.Reason)
	}
	want := []checkOut{{Name: "ari", Node: "a", OK: true}, {Name: "ari", Node: "b", Error: down.Error()}, {Name: "flows", OK: true}}
	if len(out.Checks) != 3 || out.Checks[0] != want[0] || out.Checks[1] != want[1] || out.Checks[2] != want[2] {
		t.Errorf("checks %+v", out.Checks)
	}
	if strings.Contains(body, `"node": ""`) {
		t.Errorf("a check without a node shows one: %s", body)
	}
}

// TestCallsNodes: the calls of every node, by start time, with their node.
func TestCallsNodes(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	calls := func(id string, started time.Time) func() []engine.CallInfo {
		return func() []engine.CallInfo {
			return []engine.CallInfo{{ChannelID: id, App: "hello-world", Flow: "hello-world", Started: started}}
		}
	}
	h := NodesCallsHandler(func() time.Time { return t0.Add(10 * time.Second) },
		NodeCalls{Node: "a", Calls: calls("1.1", t0.Add(2*time.Second))},
		NodeCalls{Node: "b", Calls: calls("1.1", t0.Add(time.Second))},
		NodeCalls{Node: "c", Calls: func() []engine.CallInfo { return nil }})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/calls", nil))
	var out callsOut
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("GET /calls: %d %s", rec.Code, rec.Body)
	}
	if out.Count != 2 || out.Calls[0].Node != "b" || out.Calls[1].Node != "a" || out.Calls[0].DurationSeconds != 9 {
		t.Fatalf("GET /calls: %s", rec.Body)
	}
	// One unnamed node: no "node" field, as before nodes existed.
	rec = httptest.NewRecorder()
	CallsHandler(calls("1.1", t0), time.Now).ServeHTTP(rec, httptest.NewRequest("GET", "/calls", nil))
	if strings.Contains(rec.Body.String(), `"node"`) {
		t.Errorf("one unnamed node: %s", rec.Body)
	}
}

// TestOriginateNodes: "node" picks the node placing the call; it is
// required with several nodes.
func TestOriginateNodes(t *testing.T) {
	placed := map[string]int{}
	on := func(node string) Originator {
		return func(_ context.Context, spec engine.OriginateSpec) (string, error) {
			placed[node]++
			return node + "-chan", nil
		}
	}
	post := func(h http.Handler, body string) (int, map[string]string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/calls", strings.NewReader(body)))
		var out map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	two := NodesOriginateHandler(NodeOriginator{Node: "a", Originate: on("a")}, NodeOriginator{Node: "b", Originate: on("b")})
	if st, out := post(two, `{"endpoint": "PJSIP/bob", "flow": "f", "node": "b"}`); st != 202 || out["channel_id"] != "b-chan" || out["node"] != "b" {
		t.Errorf("node b: %d %v", st, out)
	}
	if st, out := post(two, `{"endpoint": "PJSIP/bob", "flow": "f"}`); st != 400 || out["error"] != `"node" is required: this flowrunner serves several Asterisk nodes ("a", "b")` {
		t.Errorf("no node: %d %v", st, out)
	}
	if st, out := post(two, `{"endpoint": "PJSIP/bob", "flow": "f", "node": "c"}`); st != 404 || !strings.Contains(out["error"], `unknown node "c"`) {
		t.Errorf("unknown node: %d %v", st, out)
	}
	if placed["a"] != 0 || placed["b"] != 1 {
		t.Errorf("placed %v", placed)
	}
	one := NodesOriginateHandler(NodeOriginator{Node: "a", Originate: on("a")})
	if st, out := post(one, `{"endpoint": "PJSIP/bob", "flow": "f"}`); st != 202 || out["node"] != "a" {
		t.Errorf("one named node, none given: %d %v", st, out)
	}
	unnamed := OriginateHandler(on(""))
	if st, out := post(unnamed, `{"endpoint": "PJSIP/bob", "flow": "f"}`); st != 202 || out["node"] != "" || len(out) != 2 {
		t.Errorf("unnamed: %d %v", st, out)
	}
	if st, out := post(unnamed, `{"endpoint": "PJSIP/bob", "flow": "f", "node": "a"}`); st != 400 || !strings.Contains(out["error"], `leave "node" out`) {
		t.Errorf("unnamed, node given: %d %v", st, out)
	}
}

// TestMetricsPerNode: each node's call, ARI and state metrics register side
// by side in one registry, each series with its node label.
func TestMetricsPerNode(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewReloadMetrics(reg)
	for _, node := range []string{"a", "b"} {
		r := prometheus.WrapRegistererWith(prometheus.Labels{"node": node}, reg)
		m := NewCallMetrics(r)
		NewARIMetrics(r).ObserveRequest("answer", time.Millisecond, nil)
		RegisterEngineStats(r, &fakeEngine{})
		RegisterARIState(r, fakeARIState{})
		if node == "b" {
			m.CallStarted("hello-world")
		}
	}
	text := gather(t, reg)
	for _, line := range []string{
		`flowrunner_calls_started_total{flow="hello-world",node="b"} 1`,
		`flowrunner_calls_active{node="a"} 3`,
		`flowrunner_ari_app_connected{app="support",node="b"} 0`,
		`flowrunner_ari_requests_total{node="a",op="answer",result="ok"} 1`,
		`flowrunner_events_dropped_total{node="b",reason="malformed"} 1`,
		`flowrunner_events_dropped_total{node="a",reason="unknown_channel"} 0`,
		"flowrunner_flows_loaded 0",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("missing %s in:\n%s", line, text)
		}
	}
	if strings.Contains(text, `flowrunner_calls_started_total{flow="hello-world",node="a"}`) {
		t.Error("node a counts node b's call")
	}
}
