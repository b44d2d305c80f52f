package engine_test

import (
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// TestHangupRetried: a hangup Asterisk fails with a 5xx is retried, so the
// caller does not stay in Stasis; the call itself ends at once.
func TestHangupRetried(t *testing.T) {
	h := newHarness(t, "name: bye\nsteps:\n  - hangup: {}\n", engine.Config{})
	h.ari.FailWith("hangup", &engine.ActionError{Op: "hangup", Status: 503, Message: "Service Unavailable"})
	h.start("1.1", "bye")
	h.ari.Expect("hangup 1.1")
	t0 := h.clk.Now()
	h.ari.Expect("hangup 1.1") // first retry, still failing
	h.ari.FailWith("hangup", nil)
	h.ari.Expect("hangup 1.1") // second retry succeeds
	if d := h.clk.Now().Sub(t0); d != 1500*time.Millisecond {
		t.Errorf("retries came after %v, want the backoff (0.5 s then 1 s)", d)
	}
	h.stasisEnd("1.1")
	if s := h.end(); s.Reason != engine.EndFlowHangup {
		t.Fatalf("reason %q", s.Reason)
	}
}

// TestHangupNotRetriedOn4xx: a hangup refused with a 4xx is not retried.
func TestHangupNotRetriedOn4xx(t *testing.T) {
	h := newHarness(t, "name: bye\nsteps:\n  - hangup: {}\n", engine.Config{})
	h.ari.FailWith("hangup", &engine.ActionError{Op: "hangup", Status: 400, Message: "Invalid reason"})
	h.start("1.1", "bye")
	h.ari.Expect("hangup 1.1")
	h.end()
	h.ari.FailWith("hangup", nil)
	h.ari.Idle(func() {
		if timers, _ := h.clk.Pending(); timers != 0 {
			t.Errorf("%d timers pending after a refused hangup", timers)
		}
	})
}
