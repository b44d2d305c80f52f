package sandbox_test

import (
	"sync/atomic"
	"testing"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

// TestLostStasisStartIsAdoptedAtResync: the event stream drops just as a
// call's StasisStart is sent. After the reconnect, the resync finds the
// channel in Stasis and the call runs its flow to the end instead of leaving
// the caller in silence.
func TestLostStasisStartIsAdoptedAtResync(t *testing.T) {
	flow, diags := engine.Load("hello.yaml", []byte("name: hello-world\nsteps:\n  - answer: {}\n  - play: sound:hello-world\n  - hangup: {}\n"))
	if flow == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(flow)
	var lost atomic.Bool
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Sim: arisim.Options{Faults: arisim.Faults{
		LoseEvent: func(app, eventType string) bool {
			return eventType == "StasisStart" && lost.CompareAndSwap(false, true)
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	id, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hello-world", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	if !lost.Load() {
		t.Fatal("the StasisStart was not lost")
	}
	sb.Sim.DropWebSocket("hello-world")
	sum, err := sb.Wait(id)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Reason != engine.EndFlowHangup || sb.Engine.Stats().CallsAdopted.Load() != 1 {
		t.Fatalf("reason %q, adopted %d", sum.Reason, sb.Engine.Stats().CallsAdopted.Load())
	}
}
