package bench

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
)

// These tests run real calls on the wall clock (a benchmark measures real
// time): each takes about the length of a hello-world call, 2.5 s.

func TestRunHelloWorldInProcess(t *testing.T) {
	var progress strings.Builder
	rep, err := Run(context.Background(), Options{Sim: SimInProcess, Calls: 40, Concurrency: 15, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 1 || rep.CPURatio != 0 || rep.Flow != "hello-world" {
		t.Fatalf("report %+v", rep)
	}
	r := rep.Runs[0]
	if r.App != "flowrunner" || r.Placed != 40 || r.Completed != 40 || r.Errors != 0 || r.Failed != 0 {
		t.Errorf("calls: %+v", r)
	}
	if r.PeakConcurrent != 15 {
		t.Errorf("peak concurrent %d, want 15 (the cap, reached at once)", r.PeakConcurrent)
	}
	// Each call: answer (after StasisStart), play (after the answer's
	// response), hangup (after the wait's timer).
	if r.EventLatency.Count != 40 || r.ActionLatency.Count != 120 {
		t.Errorf("latency counts: %d after events, %d in all; want 40 and 120", r.EventLatency.Count, r.ActionLatency.Count)
	}
	if r.EventLatency.P50 <= 0 || r.EventLatency.P99 < r.EventLatency.P50 || r.EventLatency.Max < r.EventLatency.P99 {
		t.Errorf("latency %+v", *r.EventLatency)
	}
	if r.CPUPerCall <= 0 || r.SimCPUPerCall != 0 {
		t.Errorf("CPU per call %v, simulator %v: want >0 and 0 (in process)", r.CPUPerCall, r.SimCPUPerCall)
	}
	// Placing ends with the 40th call, when up to 15 are live; with so few
	// calls the per-call heap is mostly fixed costs (connections, buffers),
	// so only its presence is checked.
	if r.LiveAtHeapSample < 1 || r.LiveAtHeapSample > 15 || r.HeapPerLiveCall <= 0 {
		t.Errorf("heap %d bytes per call with %d live", r.HeapPerLiveCall, r.LiveAtHeapSample)
	}
	if r.NewCallsPerSecond <= 0 || r.WallSeconds < 2 {
		t.Errorf("rate %.1f/s over %.1fs", r.NewCallsPerSecond, r.WallSeconds)
	}
	if !strings.Contains(progress.String(), "flowrunner") {
		t.Errorf("no progress lines: %q", progress.String())
	}
}

func TestRunCountsCallsThatEndInError(t *testing.T) {
	f, diags := engine.Load("boom.yaml", []byte("name: boom\nsteps:\n  - answer: {}\n  - set: {n: int(\"abc\")}\n  - hangup: {}\n"))
	if f == nil {
		t.Fatal(diags)
	}
	rep, err := Run(context.Background(), Options{Sim: SimInProcess, Flow: f, Calls: 5})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Completed != 5 || r.Errors != 5 || r.EndReasons[engine.EndError] != 5 || r.Warnings == 0 {
		t.Errorf("want 5 calls ended in error, logged: %+v", r)
	}
}

func TestRunHeldCalls(t *testing.T) {
	f, diags := engine.LoadFile("flows/hold.yaml")
	if f == nil {
		t.Fatal(diags)
	}
	rep, err := Run(context.Background(), Options{Sim: SimInProcess, Flow: f, Calls: 200, Hold: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Completed != 200 || r.Errors != 0 || r.PeakConcurrent != 200 || r.LiveAtHeapSample != 200 {
		t.Errorf("want 200 calls held at once and hung up by the callers: %+v", r)
	}
}

// TestRunOriginates covers --ari-url: calls originated from this process to
// an ARI server (the simulator standing in for Asterisk).
func TestRunOriginates(t *testing.T) {
	sim := arisim.New(arisim.Options{Username: "u", Password: "p", NoTranscript: true,
		Media: map[string]time.Duration{"sound:hello-world": 50 * time.Millisecond}})
	hs := httptest.NewServer(sim)
	defer hs.Close()
	defer sim.Close()
	rep, err := Run(context.Background(), Options{ARIURL: hs.URL + "/ari", ARIUser: "u", ARIPassword: "p",
		OriginateEndpoint: "Local/s@default", Calls: 20, Rate: 200, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if rep.Target != hs.URL+"/ari" || r.Placed != 20 || r.Completed != 20 || r.Errors != 0 || r.PeakConcurrent > 8 {
		t.Errorf("report %+v\nrun %+v", rep, r)
	}
	if sim.Live() != 0 {
		t.Errorf("%d calls left on the server", sim.Live())
	}
	// Placing for a duration rather than a number of calls.
	rep, err = Run(context.Background(), Options{ARIURL: hs.URL + "/ari", ARIUser: "u", ARIPassword: "p",
		OriginateEndpoint: "Local/s@default", Duration: 100 * time.Millisecond, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Runs[0]; r.Placed < 5 || r.Completed != r.Placed || r.Errors != 0 {
		t.Errorf("originating for 100ms at 100/s: %+v", r)
	}
}

func TestOptionsCheck(t *testing.T) {
	hold, _ := engine.LoadFile("flows/hold.yaml")
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Sim: SimInProcess}, "set the number of calls or a duration"},
		{Options{Sim: SimInProcess, Calls: -1}, "must not be negative"},
		{Options{Calls: 1}, "SimCommand is required"},
		{Options{Calls: 1, ARIURL: "http://x/ari", Hold: time.Second}, "hold needs the built-in simulator"},
		{Options{Calls: 1, Sim: SimInProcess, Baseline: true, Flow: hold}, `flow "hold" cannot be compared`},
	} {
		_, err := Run(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.opts, err, tc.want)
		}
	}
}

func TestBuiltInHelloWorldIsTheExample(t *testing.T) {
	if _, err := HelloWorld(); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../examples/hello-world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The files differ only in the relative path of the schema, on line 1.
	_, a, _ := strings.Cut(string(example), "\n")
	_, b, _ := strings.Cut(string(helloWorldYAML), "\n")
	if a != b {
		t.Errorf("bench/flows/hello-world.yaml differs from examples/hello-world.yaml below line 1")
	}
}

func TestRunWithBaseline(t *testing.T) {
	rep, err := Run(context.Background(), Options{Sim: SimInProcess, Calls: 20, Rate: 200, Baseline: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 2 || rep.Runs[1].App != "baseline" {
		t.Fatalf("runs %+v", rep.Runs)
	}
	b := rep.Runs[1]
	if b.Placed != 20 || b.Completed != 20 || b.Errors != 0 || b.CPUPerCall <= 0 || b.EventLatency != nil {
		t.Errorf("baseline run %+v", b)
	}
	if want := float64(rep.Runs[0].CPUPerCall) / float64(b.CPUPerCall); rep.CPURatio != want {
		t.Errorf("ratio %v, want %v", rep.CPURatio, want)
	}
}

func TestRunForADuration(t *testing.T) {
	rep, err := Run(context.Background(), Options{Sim: SimInProcess, Duration: 300 * time.Millisecond, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	// 100 calls/s for 300 ms: the first at once, then one every 10 ms.
	if r.Placed < 20 || r.Placed > 60 || r.Completed != r.Placed || r.Errors != 0 || r.PlacingSeconds < 0.29 {
		t.Errorf("want about 30 calls placed over 300ms, all completed: %+v", r)
	}
}
