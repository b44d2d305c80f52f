package engine_test

import (
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

func TestCallsSnapshot(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	if got := h.eng.Calls(); len(got) != 0 {
		t.Fatalf("Calls before any call = %+v", got)
	}
	h.start("1.1", "hello-world")
	h.ari.Expect("answer 1.1")
	play := h.ari.Expect("play 1.1 [sound:hello-world]")
	calls := h.eng.Calls()
	if len(calls) != 1 {
		t.Fatalf("Calls = %+v, want one call", calls)
	}
	c := calls[0]
	flow := h.eng.Flows().Lookup("hello-world")
	if c.ChannelID != "1.1" || c.App != "hello-world" || c.Flow != "hello-world" || c.FlowVersion != flow.Version ||
		c.StepType != "play" || c.Step == "" || c.StepID != "" || !c.Started.Equal(h.clk.Now()) {
		t.Fatalf("Calls()[0] = %+v (flow version %s, now %v)", c, flow.Version, h.clk.Now())
	}
	h.finished(play, "done")
	h.ari.Expect("hangup 1.1")
	if got := h.eng.Calls(); len(got) != 1 || got[0].StepType != "hangup" {
		t.Fatalf("Calls after the play = %+v, want the hangup step", got)
	}
	h.stasisEnd("1.1")
	h.end()
	if got := h.eng.Calls(); len(got) != 0 {
		t.Fatalf("Calls after the end = %+v", got)
	}
}

// TestCallsSnapshotConcurrent reads the snapshot while calls run, for the
// race detector.
func TestCallsSnapshotConcurrent(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				for _, c := range h.eng.Calls() {
					_ = c.Step
				}
			}
		}
	}()
	for _, id := range []string{"2.1", "2.2", "2.3"} {
		h.start(id, "hello-world")
		h.ari.Expect("answer " + id)
		play := h.ari.Expect("play " + id + " [sound:hello-world]")
		h.finished(play, "done")
		h.ari.Expect("hangup " + id)
		h.stasisEnd(id)
		h.end()
	}
	close(stop)
	<-done
}
