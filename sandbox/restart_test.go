package sandbox_test

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

// TestAsteriskRestarted: Asterisk goes away with every channel while calls
// run, and its events with it; when it is back the service reconnects, the
// resync finds none of the channels, and every call ends cleanly
// (channel_vanished, on_hangup run) with no goroutine left behind.
func TestAsteriskRestarted(t *testing.T) {
	base := runtime.NumGoroutine()
	var down atomic.Bool
	sb := startSandbox(t, sandbox.Options{Sim: arisim.Options{Faults: arisim.Faults{
		LoseEvent: func(string, string) bool { return down.Load() },
	}}}, holdFlow)
	sb.Clock.Hold() // no virtual time passes while the test arranges the restart
	var ids []string
	for range 3 {
		id, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hold", Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	waitFor(t, "three calls waiting", func() bool {
		calls := sb.Engine.Calls()
		for _, c := range calls {
			if c.StepType != "wait" {
				return false
			}
		}
		return len(calls) == 3
	})

	down.Store(true) // the restart: channels gone, their events never sent
	for _, id := range ids {
		if err := sb.Sim.CallerHangup(id); err != nil {
			t.Fatal(err)
		}
	}
	sb.Sim.DropWebSocket("hold")
	down.Store(false)
	// The reconnect waits in wall time; hold virtual time until the resync
	// has ended the calls, as a real restart takes seconds, not 20.
	waitFor(t, "the resync to end the calls", func() bool { return sb.Engine.ActiveCalls() == 0 })
	sb.Clock.Release()

	for _, id := range ids {
		sum, err := sb.Wait(id)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Reason != engine.EndChannelVanished {
			t.Errorf("call %s ended with %q, want channel_vanished", id, sum.Reason)
		}
	}
	waitFor(t, "the reconnect", func() bool { return sb.Client.Ready() == nil })
	// The service takes calls again after the restart.
	if sum, err := sb.Call(arisim.CallSpec{App: "hold", Inbound: true}); err != nil || sum.Reason != engine.EndFlowHangup {
		t.Fatalf("a call after the restart: %v, %v", sum.Reason, err)
	}
	checkGoroutines(t, sb, base)
}
