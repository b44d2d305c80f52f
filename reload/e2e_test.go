package reload_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/flowrunner/flowrunner/sandbox"
)

// served runs a Reloader on dir whose swaps go to the engine once there is one;
// it returns the reloader, the startup registry and a setter for the engine.
func served(t testing.TB, dir string) (*reload.Reloader, *engine.Registry, func(*engine.Engine), <-chan reload.Result) {
	t.Helper()
	var eng atomic.Pointer[engine.Engine]
	var first *engine.Registry
	r, err := reload.New(reload.Options{Dir: dir, Swap: func(reg *engine.Registry) {
		if e := eng.Load(); e != nil {
			e.SetFlows(reg)
			return
		}
		first = reg
	}})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan reload.Result, 1024)
	r.Subscribe(func(res reload.Result) {
		select {
		case results <- res:
		default: // a benchmark's thousands of reloads nobody waits on
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if _, err := r.Reload(ctx, reload.TriggerStartup); err != nil {
		t.Fatal(err)
	}
	<-results
	return r, first, eng.Store, results
}

// TestReloadPinsCallsToTheirVersion is the end-to-end scenario on the
// simulator, in one process, with the file watcher: a call in progress on
// version 1 completes on version 1 while new calls take version 2; a broken
// version 3 is rejected and version 2 keeps answering; restoring the file
// fixes it.
func TestReloadPinsCallsToTheirVersion(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hello.yaml")
	// Version 1 holds the caller for a minute; version 2 answers and hangs up.
	v1 := "name: hello\nsteps:\n  - answer: {}\n  - id: hold\n    wait: 60s\n  - hangup: {}\n"
	v2 := "name: hello\nsteps:\n  - answer: {}\n  - hangup: {}\n"
	v3 := "name: hello\nsteps:\n  - answer: {}\n  - goto: nowhere\n"
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(v1)
	r, reg, setEngine, results := served(t, dir)

	inWait := make(chan string, 4)
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Trace: func(ev engine.TraceEvent) {
		if ev.Kind == engine.TraceStep && strings.Contains(ev.Step, "hold") {
			inWait <- ev.CallID
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	setEngine(sb.Engine)
	w, err := r.NewWatcher(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go w.Run(wctx)

	// nextReload waits for the watcher's reload of the file's new content, or
	// with version "" for the rejection of the broken version.
	nextReload := func(version string) reload.Result {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case res := <-results:
				if len(res.Flows) == 1 && res.Errors == nil && res.Flows[0].Version == version {
					return res
				}
				if version == "" && len(res.Errors) == 1 && strings.HasPrefix(res.Errors[0].Error(), file+":4:") {
					return res // the broken version (not a half-written file)
				}
			case <-deadline:
				t.Fatalf("no reload to version %q; status %+v", version, r.Status())
			}
		}
	}
	call := func() engine.CallSummary {
		t.Helper()
		sum, err := sb.Call(arisim.CallSpec{App: "hello", Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Reason != engine.EndFlowHangup {
			t.Fatalf("call ended %q", sum.Reason)
		}
		return sum
	}

	// Call 1 starts on version 1 and waits; virtual time stands still while
	// the test holds the clock.
	sb.Clock.Hold()
	first, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hello", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	if id := <-inWait; id != first {
		t.Fatalf("call %s in the wait, want %s", id, first)
	}

	write(v2)
	nextReload(engine.Version([]byte(v2)))
	if sum := call(); sum.FlowVersion != engine.Version([]byte(v2)) || sum.Steps != 2 {
		t.Fatalf("a new call ran version %s (%d steps), want version 2 %s", sum.FlowVersion, sum.Steps, engine.Version([]byte(v2)))
	}
	v2Flow := sb.Engine.Flows().Lookup("hello")

	write(v3)
	res := nextReload("")
	if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0].Error(), file+":4:") || res.Swapped {
		t.Fatalf("broken version: errors %v, swapped %v", res.Errors, res.Swapped)
	}
	if sum := call(); sum.FlowVersion != engine.Version([]byte(v2)) {
		t.Fatalf("with version 3 rejected a call ran %s, want version 2", sum.FlowVersion)
	}

	write(v2) // restored
	res = nextReload(engine.Version([]byte(v2)))
	if !res.OK() || sb.Engine.Flows().Lookup("hello") != v2Flow {
		t.Fatalf("restoring: %+v; the compiled version 2 should be kept", res)
	}
	if sum := call(); sum.FlowVersion != engine.Version([]byte(v2)) {
		t.Fatalf("after the restore a call ran %s", sum.FlowVersion)
	}

	// Call 1 is still waiting, on version 1; let time run and it completes.
	if sb.Engine.ActiveCalls() != 1 {
		t.Fatalf("%d calls in progress, want call 1 only", sb.Engine.ActiveCalls())
	}
	sb.Clock.Release()
	sum, err := sb.Wait(first)
	if err != nil {
		t.Fatal(err)
	}
	if sum.FlowVersion != engine.Version([]byte(v1)) || sum.Reason != engine.EndFlowHangup || sum.Ended.Sub(sum.Started) != 60*time.Second {
		t.Fatalf("call 1: %+v, want version 1 %s to the end (60 s)", sum, engine.Version([]byte(v1)))
	}
}

// TestRemovedFlowFinishesItsCalls removes a flow's file while a call runs it:
// the call finishes on its flow, and new calls to the removed flow are
// unrouted (hung up here, per the engine's policy).
func TestRemovedFlowFinishesItsCalls(t *testing.T) {
	dir := t.TempDir()
	hold := "name: hold\nsteps:\n  - answer: {}\n  - id: hold\n    wait: 30s\n  - hangup: {}\n"
	other := "name: other\nsteps:\n  - answer: {}\n  - hangup: {}\n"
	for name, src := range map[string]string{"hold.yaml": hold, "other.yaml": other} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, reg, setEngine, _ := served(t, dir)
	inWait := make(chan string, 4)
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Engine: engine.Config{Unrouted: engine.UnroutedHangup},
		Trace: func(ev engine.TraceEvent) {
			if ev.Kind == engine.TraceStep && strings.Contains(ev.Step, "hold") {
				inWait <- ev.CallID
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	setEngine(sb.Engine)

	sb.Clock.Hold()
	running, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hold", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	<-inWait
	if err := os.Remove(filepath.Join(dir, "hold.yaml")); err != nil {
		t.Fatal(err)
	}
	res, err := r.Reload(context.Background(), "test")
	if err != nil || len(res.Changes) != 1 || res.Changes[0].Kind() != "removed" || len(res.Flows) != 1 {
		t.Fatalf("reload: %v %+v", err, res)
	}

	// A new call to the removed flow is not taken.
	late, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hold", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sb.Sim.Done(late):
	case <-time.After(10 * time.Second):
		t.Fatal("the call to the removed flow was not hung up")
	}
	if n := sb.Engine.Stats().CallsUnrouted.Load(); n != 1 {
		t.Fatalf("%d unrouted calls, want 1", n)
	}

	// The running call finishes on the removed flow.
	sb.Clock.Release()
	sum, err := sb.Wait(running)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Flow != "hold" || sum.FlowVersion != engine.Version([]byte(hold)) || sum.Reason != engine.EndFlowHangup || sum.Ended.Sub(sum.Started) != 30*time.Second {
		t.Fatalf("the running call: %+v", sum)
	}
}
