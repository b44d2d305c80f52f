package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

// TestOriginateOverAdmin originates a call through POST /calls into a flow
// on the simulator: the callee rings 1 s and answers, the call runs the flow
// with the variables given, and the request to Asterisk is the documented one.
func TestOriginateOverAdmin(t *testing.T) {
	flow, diags := engine.Load("survey.yaml", []byte(`
name: survey
vars: { name: "nobody", n: 0 }
steps:
  - answer: {}
  - log: "hello ${name} ${n}"
  - hangup: {}
`))
	if flow == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(flow)
	var mu sync.Mutex
	var logs []string
	var originates []string
	sb, err := sandbox.Start(sandbox.Options{Flows: reg,
		Trace: func(ev engine.TraceEvent) {
			if ev.Kind == engine.TraceLog {
				mu.Lock()
				logs = append(logs, ev.Detail)
				mu.Unlock()
			}
		},
		Observe: func(e arisim.Entry) {
			if e.Kind == "request" && e.Method == "POST" && e.Path == "/ari/channels" {
				mu.Lock()
				originates = append(originates, e.Query)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	srv := httptest.NewServer(admin.OriginateHandler(sb.Engine.Originate))
	defer srv.Close()
	post := func(body string) (int, map[string]string) {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]string
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		return resp.StatusCode, out
	}

	st, out := post(`{"endpoint": "PJSIP/alice", "flow": "survey", "variables": {"name": "Ann", "n": 3}, "caller_id": "5551000", "timeout": "20s"}`)
	if st != http.StatusAccepted || out["channel_id"] == "" {
		t.Fatalf("POST /calls: %d %v", st, out)
	}
	sum, err := sb.Wait(out["channel_id"])
	if err != nil {
		t.Fatal(err)
	}
	if sum.Reason != engine.EndFlowHangup || sum.Flow != "survey" {
		t.Fatalf("summary %+v", sum)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) != 1 || logs[0] != "hello Ann 3" {
		t.Fatalf("logs %q", logs)
	}
	if len(originates) != 1 {
		t.Fatalf("originate requests %q", originates)
	}
	for _, want := range []string{"endpoint=PJSIP%2Falice", "app=survey", "appArgs=survey", "channelId=" + out["channel_id"], "callerId=5551000", "timeout=20"} {
		if !strings.Contains(originates[0], want) {
			t.Errorf("originate request %s lacks %s", originates[0], want)
		}
	}
}

func TestOriginateHandlerErrors(t *testing.T) {
	flow, _ := engine.Load("survey.yaml", []byte("name: survey\nvars: {n: 0}\nsteps:\n  - hangup: {}\n"))
	reg, _ := engine.NewRegistry(flow)
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	srv := httptest.NewServer(admin.OriginateHandler(sb.Engine.Originate))
	defer srv.Close()
	for _, tc := range []struct {
		body string
		want int
		msg  string
	}{
		{`{"endpoint": "PJSIP/a", "flow": "nope"}`, 404, `no such flow "nope"`},
		{`{"endpoint": "PJSIP/a", "flow": "survey", "variables": {"n": "x"}}`, 400, `variable "n": want an integer, got a string`},
		{`{"endpoint": "PJSIP/a", "flow": "survey", "variables": {"m": 1}}`, 400, `has no variable "m"`},
		{`{"endpoint": "PJSIP/a", "flow": "survey", "timeout": "soon"}`, 400, `bad timeout "soon"`},
		{`{"endpoint": "PJSIP/a", "flow": "survey", "extra": 1}`, 400, `unknown field "extra"`},
		{`{"flow": "survey"}`, 400, `"flow" and "endpoint" are required`},
		{`{"endpoint": "PJSIP/a", "flow": "survey", "variables": {"n": "` + strings.Repeat("x", admin.MaxOriginateBody) + `"}}`, 413, "too large"},
	} {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Error string `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.want || !strings.Contains(out.Error, tc.msg) {
			t.Errorf("POST %.60s: %d %q, want %d %q", tc.body, resp.StatusCode, out.Error, tc.want, tc.msg)
		}
	}
	if n := sb.Engine.ActiveCalls(); n != 0 {
		t.Errorf("%d calls active", n)
	}
}
