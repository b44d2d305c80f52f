package calltrace_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/calltrace"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

type traceFile struct {
	CallID      string `json:"call_id"`
	Flow        string `json:"flow"`
	FlowVersion string `json:"flow_version"`
	Reason      string `json:"reason"`
	DurationMS  int64  `json:"duration_ms"`
	Steps       int    `json:"steps"`
	Entries     []struct {
		TMS        int64  `json:"t_ms"`
		Kind       string `json:"kind"`
		Step       string `json:"step"`
		Detail     string `json:"detail"`
		DurationMS *int64 `json:"duration_ms"`
	} `json:"entries"`
}

// TestTraceFileOfACall runs hello-world on the simulator and reads the
// call's trace file: steps, events, actions with their results, timings.
func TestTraceFileOfACall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "traces")
	w, err := calltrace.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	flow, diags := engine.Load("hello.yaml", []byte("name: hello-world\nsteps:\n  - answer: {}\n  - play: sound:hello-world\n  - wait: 1s\n  - hangup: {}\n"))
	if flow == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(flow)
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Trace: w.Trace, Engine: engine.Config{TraceARI: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sum, err := sb.Call(arisim.CallSpec{App: "hello-world", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	w.End(sum) // the sandbox keeps OnCallEnd for itself
	w.Close()
	if w.Written() != 1 || w.Dropped() != 0 {
		t.Fatalf("written %d, dropped %d", w.Written(), w.Dropped())
	}
	b, err := os.ReadFile(filepath.Join(dir, calltrace.FileName(sum.Started, sum.CallID)))
	if err != nil {
		t.Fatal(err)
	}
	var tf traceFile
	if err := json.Unmarshal(b, &tf); err != nil {
		t.Fatal(err)
	}
	if tf.CallID != sum.CallID || tf.Flow != "hello-world" || tf.FlowVersion != flow.Version ||
		tf.Reason != engine.EndFlowHangup || tf.DurationMS != 2403 || tf.Steps != 4 {
		t.Fatalf("trace header: %s", b)
	}
	var kinds []string
	var playFinished, playResult bool
	for _, e := range tf.Entries {
		kinds = append(kinds, e.Kind+":"+e.Detail)
		if e.Kind == "event" && e.Detail == "PlaybackFinished sound:hello-world done" && e.TMS == 1403 {
			playFinished = true
		}
		if e.Kind == "result" && e.Step == "play" && e.Detail == "ok" && e.DurationMS != nil && *e.DurationMS >= 0 {
			playResult = true
		}
	}
	got := strings.Join(kinds, "\n")
	for _, want := range []string{"start:", "step:answer", "action:answer", "result:ok", "step:play", "action:play",
		"event:PlaybackStarted sound:hello-world playing", "step:wait", "step:hangup", "action:hangup",
		"event:StasisEnd", "end:flow_hangup"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q among the entries:\n%s", want, got)
		}
	}
	if !playFinished || !playResult {
		t.Errorf("PlaybackFinished at 1403 ms: %v; play result with a duration: %v\n%s", playFinished, playResult, b)
	}
}

func TestTraceWriterClosed(t *testing.T) {
	w, err := calltrace.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	w.Close()
	now := time.Now()
	w.Trace(engine.TraceEvent{Time: now, CallID: "1.1", Flow: "f", Kind: engine.TraceStart})
	w.End(engine.CallSummary{CallID: "1.1", Started: now, Ended: now})
	if w.Written() != 0 || w.Dropped() != 1 {
		t.Fatalf("written %d, dropped %d", w.Written(), w.Dropped())
	}
}
