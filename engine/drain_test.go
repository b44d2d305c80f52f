package engine_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

func TestDrainLetsCallsFinishAndTurnsNewCallsAway(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.start("1.1", "hello-world")
	h.ari.Expect("answer 1.1")
	play := h.ari.Expect("play 1.1")

	done := make(chan int, 1)
	go func() { done <- h.eng.Drain(context.Background()) }()
	for !h.eng.Draining() {
		runtime.Gosched()
	}
	h.start("2.2", "hello-world")
	h.ari.Expect("continue 2.2") // new calls go back to the dialplan
	h.finished(play, "done")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	if remaining := <-done; remaining != 0 {
		t.Fatalf("Drain reported %d calls left, want 0", remaining)
	}
}

// TestDrainTimeoutHandsBackRemainingCalls: at the drain timeout the calls
// still running go back to the dialplan, or are hung up, per the unrouted
// policy; their on_hangup runs when they leave Stasis.
func TestDrainTimeoutHandsBackRemainingCalls(t *testing.T) {
	for _, tc := range []struct {
		policy engine.UnroutedPolicy
		want   string
	}{{engine.UnroutedContinue, "continue 1.1"}, {engine.UnroutedHangup, "hangup 1.1"}} {
		h := newHarness(t, "name: hold\nsteps:\n  - wait: 1h\non_hangup:\n  - log: left\n", engine.Config{Unrouted: tc.policy})
		h.start("1.1", "hold")
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the drain timeout has already passed
		done := make(chan int, 1)
		// Hold virtual time until Drain has acted: otherwise the call's
		// one-hour wait could end first while Drain's goroutine starts.
		h.clk.Hold()
		go func() { done <- h.eng.Drain(ctx) }()
		h.ari.Expect(tc.want)
		h.clk.Release()
		h.stasisEnd("1.1")
		if remaining := <-done; remaining != 1 {
			t.Fatalf("Drain reported %d calls left, want 1", remaining)
		}
		if got := h.logs(); len(got) != 1 || got[0] != "left" {
			t.Fatalf("on_hangup logs = %v", got)
		}
	}
}

// TestDrainDoesNotWaitLongForHandedBackCalls: when the calls handed back at
// the drain timeout never leave Stasis (Asterisk does not answer), Drain
// gives up after HandBackGrace, not the call's much longer EndGrace.
func TestDrainDoesNotWaitLongForHandedBackCalls(t *testing.T) {
	h := newHarness(t, "name: hold\nsteps:\n  - wait: 1h\n", engine.Config{EndGrace: time.Hour, HandBackGrace: 20 * time.Millisecond})
	h.start("1.1", "hold")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan int, 1)
	h.clk.Hold()
	go func() { done <- h.eng.Drain(ctx) }()
	h.ari.Expect("continue 1.1")
	h.clk.Release()
	select {
	case remaining := <-done:
		if remaining != 1 {
			t.Fatalf("Drain reported %d calls left, want 1", remaining)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Drain still waiting for a call that never leaves Stasis")
	}
	h.stasisEnd("1.1")
}
