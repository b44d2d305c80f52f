// End-to-end tests of the whole product: every example and every served flow
// validates, compiles and runs a scripted call through the real engine and ARI
// adapter against the ARI simulator, over real HTTP and WebSocket.
package flowrunner_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

// scenario is one scripted call through an example.
type scenario struct {
	name    string
	script  string            // the caller (arisim.ParseScript)
	callees map[string]string // endpoint → arisim.ParseCallee text
	http    string            // JSON body the mocked CRM answers with (200)
	want    string            // expected end reason; default flow_hangup
	logs    []string          // lines the flow must log, in order
}

// scenarios scripts the calls for flows that need more than a silent caller.
// Files not listed get one silent caller; a listed file that does not exist fails.
var scenarios = map[string][]scenario{
	"examples/dtmf-interrupt.yaml": {{script: "dtmf=1@p1+500ms"}},
	"examples/ivr-menu.yaml": {
		{name: "support then billing", script: "dtmf=2@p1+1s,1@p2+1s"},
		{name: "silence exhausts the menu"},
		{name: "hours then back to main", script: "dtmf=3@p1+1s,1@p3+1s"},
	},
	"examples/account-lookup.yaml": {
		{name: "found", script: "dtmf=123456#@p1+1s", http: `{"found":true,"balance":42,"name":"Ann"}`,
			logs: []string{"account 123456 (Ann): balance 42"}},
		{name: "unknown account", script: "dtmf=123456#@p1+1s", http: `{"found":false}`},
		{name: "no input three times"},
	},
	"examples/call-forward.yaml": {
		{name: "agent answers", logs: []string{"message: ''"}},
		{name: "agent does not answer: voicemail", callees: map[string]string{"PJSIP/agent": "noanswer"},
			script: "dtmf=#@30s", logs: []string{"message: 'message-"}},
		{name: "agent busy, caller hangs up while recording", callees: map[string]string{"PJSIP/agent": "busy"},
			script: "hangup=10s", want: engine.EndCallerHangup, logs: []string{"message: 'message-"}},
	},
}

func TestExamplesAndFlowsRunEndToEnd(t *testing.T) {
	files, err := engine.FlowFiles("examples", "flows")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, "examples/hello-world.yaml") || !slices.Contains(files, "flows/hello-world.yaml") {
		t.Fatalf("hello-world missing from examples/ or flows/: %v", files)
	}
	for name := range scenarios {
		if !slices.Contains(files, name) {
			t.Errorf("scenarios names %s, which does not exist", name)
		}
	}
	for _, file := range files {
		flow, diags := engine.LoadFile(file)
		if flow == nil || len(diags) > 0 {
			t.Errorf("%s does not load cleanly:\n%v", file, diags)
			continue
		}
		list := scenarios[file]
		if len(list) == 0 {
			list = []scenario{{name: "silent caller"}}
		}
		for _, sc := range list {
			t.Run(file+"/"+sc.name, func(t *testing.T) { runScenario(t, flow, sc) })
		}
	}
}

func runScenario(t *testing.T, flow *engine.Flow, sc scenario) {
	reg, _ := engine.NewRegistry(flow)
	callees := map[string]arisim.Callee{}
	for ep, text := range sc.callees {
		c, err := arisim.ParseCallee(text)
		if err != nil {
			t.Fatal(err)
		}
		callees[ep] = c
	}
	var mu sync.Mutex
	var logs []string
	opts := sandbox.Options{
		Flows: reg,
		Sim:   arisim.Options{Callees: callees},
		Engine: engine.Config{
			HTTP:    crmMock{body: sc.http},
			Secrets: map[string]string{"CRM_URL": "https://crm.test", "CRM_TOKEN": "t0ken"},
		},
		Trace: func(ev engine.TraceEvent) {
			if ev.Kind == engine.TraceLog {
				mu.Lock()
				logs = append(logs, ev.Detail)
				mu.Unlock()
			}
		},
	}
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	script, err := arisim.ParseScript(sc.script)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sb.Call(arisim.CallSpec{App: flow.Name, Inbound: true, CallerNumber: "5551234", Script: script})
	if err != nil {
		t.Fatal(err)
	}
	want := sc.want
	if want == "" {
		want = engine.EndFlowHangup
	}
	if sum.Reason != want {
		t.Fatalf("call ended with %q, want %q", sum.Reason, want)
	}
	if n := sb.Sim.InStasis(); n != 0 {
		t.Fatalf("%d channels left in Stasis", n)
	}
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(logs, "\n")
	for _, l := range sc.logs {
		if !strings.Contains(all, l) {
			t.Fatalf("no log line contains %q; logs:\n%s", l, all)
		}
	}
}

// crmMock answers every http step with body (200), or 404 when body is empty.
type crmMock struct{ body string }

func (m crmMock) Do(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "Bearer t0ken" || !strings.HasPrefix(r.URL.String(), "https://crm.test/") {
		return &http.Response{StatusCode: 401, Body: io.NopCloser(strings.NewReader(""))}, nil
	}
	status := 200
	if m.body == "" {
		status = 404
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(m.body))}, nil
}

// TestHelloWorldEventStreamMatchesAsterisk runs the scenario captured in
// hello-world-local.jsonl (an originated Local/s@flowtest channel; the app
// answers, plays sound:hello-world and hangs up after PlaybackFinished) with
// the real engine, and compares the event stream with the capture: same types
// in the same order, from the same Local channel halves, with the same JSON
// keys at every level. Ids and times aside.
func TestHelloWorldEventStreamMatchesAsterisk(t *testing.T) {
	want := readTraceEvents(t, "arisim/testdata/traces/hello-world-local.jsonl")
	flow, diags := engine.Load("hello-world.yaml", []byte(`
name: hello-world
steps:
  - answer: {}
  - play: sound:hello-world
  - hangup: {}
`))
	if flow == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(flow)
	var mu sync.Mutex
	var got []json.RawMessage
	record := false
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Observe: func(e arisim.Entry) {
		mu.Lock()
		defer mu.Unlock()
		if record && e.Kind == "event" {
			got = append(got, append(json.RawMessage(nil), e.Event...))
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	mu.Lock()
	record = true
	mu.Unlock()
	// Originate exactly as the captured client did.
	req, _ := http.NewRequest("POST", sb.URL+"/channels?endpoint=Local/s@flowtest&app=hello-world", nil)
	req.SetBasicAuth(sandbox.User, sandbox.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ch struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&ch)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("originate: %d %v", resp.StatusCode, err)
	}
	if _, err := sb.Wait(ch.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The capture stops at StasisEnd; compare up to there.
	end := slices.IndexFunc(got, func(e json.RawMessage) bool { return eventType(e) == "StasisEnd" })
	if end < 0 {
		t.Fatalf("no StasisEnd in the simulator's stream:\n%s", signatures(got))
	}
	got = got[:end+1]
	if gs, ws := signatures(got), signatures(want); gs != ws {
		t.Fatalf("event stream differs from Asterisk's\n--- simulator with engine:\n%s--- captured:\n%s", gs, ws)
	}
	for i := range want {
		if gk, wk := keyPaths(got[i]), keyPaths(want[i]); !slices.Equal(gk, wk) {
			t.Errorf("event %d (%s): keys differ\n got: %v\nwant: %v", i, eventType(want[i]), gk, wk)
		}
	}
}

func readTraceEvents(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		out = append(out, json.RawMessage(line))
	}
	return out
}

func eventType(e json.RawMessage) string {
	var v struct{ Type string }
	_ = json.Unmarshal(e, &v)
	return v.Type
}

// signatures renders each event as its type plus the Local channel half
// (;1/;2) it concerns, one per line.
func signatures(events []json.RawMessage) string {
	var b strings.Builder
	for i, e := range events {
		var v struct {
			Type    string
			Channel *struct{ Name string }
			Peer    *struct{ Name string }
		}
		_ = json.Unmarshal(e, &v)
		half := ""
		for _, c := range []*struct{ Name string }{v.Channel, v.Peer} {
			if c != nil {
				if i := strings.LastIndexByte(c.Name, ';'); i >= 0 {
					half = c.Name[i:]
				}
			}
		}
		fmt.Fprintf(&b, "%2d %s %s\n", i, v.Type, half)
	}
	return b.String()
}

// keyPaths lists every key path of a JSON object, sorted (e.g. "channel.caller.name").
func keyPaths(raw json.RawMessage) []string {
	var v any
	_ = json.Unmarshal(raw, &v)
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			out = append(out, prefix+k)
			walk(prefix+k+".", child)
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}
