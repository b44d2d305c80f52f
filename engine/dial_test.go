package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

const dialFlow = `
name: fwd
steps:
  - id: ring
    dial:
      endpoints: [PJSIP/alice, PJSIP/bob]
      strategy: %s
      timeout: 10s
      caller_id: "4000"
    on:
      answered: talked
      busy: busy
      noanswer: noanswer
      failed: failed
  - id: talked
    log: answered
    next: end
  - id: busy
    log: busy
    next: end
  - id: noanswer
    log: noanswer
    next: end
  - id: failed
    log: failed
  - id: end
    hangup: {}
on_hangup:
  - log: "bye"
`

func (h *harness) legEvent(typ engine.EventType, leg, status string, cause int) {
	h.send(&engine.Event{Type: typ, ChannelID: leg, DialStatus: status, Cause: cause})
}

func TestDial(t *testing.T) {
	const alice, bob = "1.1-dial1", "1.1-dial2"
	cases := []struct {
		name     string
		strategy string
		drive    func(h *harness)
		wantLog  string
		wantAt   time.Duration
	}{
		{"first answers, talks, hangs up", "simultaneous", func(h *harness) {
			h.ari.Expect("create " + alice + " PJSIP/alice")
			h.ari.Expect("dial " + alice)
			h.ari.Expect("create " + bob + " PJSIP/bob")
			h.ari.Expect("dial " + bob)
			h.legEvent(engine.EventDial, bob, "RINGING", 0)
			h.legEvent(engine.EventDial, alice, "ANSWER", 0)
			h.ari.Expect("ring 1.1 stop")
			h.ari.Expect("hangup " + bob) // the other leg is cancelled
			h.ari.Expect("bridge_create 1.1-bridge")
			h.ari.Expect("bridge_add 1.1-bridge 1.1," + alice)
			h.legEvent(engine.EventChannelHangupRequest, bob, "", 16)
			h.legEvent(engine.EventChannelHangupRequest, alice, "", 16) // alice hangs up
			h.ari.Expect("bridge_delete 1.1-bridge")
		}, "answered|bye", 0},
		{"busy", "simultaneous", func(h *harness) {
			for range 4 {
				h.ari.Next() // create and dial both
			}
			h.legEvent(engine.EventDial, alice, "BUSY", 0)
			h.legEvent(engine.EventChannelDestroyed, alice, "", 17)
			h.legEvent(engine.EventChannelDestroyed, bob, "", 17)
			h.ari.Expect("ring 1.1 stop")
		}, "busy|bye", 0},
		{"nobody answers", "simultaneous", func(h *harness) {
			for range 4 {
				h.ari.Next()
			}
			h.ari.Expect("hangup " + alice) // at the timeout
			h.ari.Expect("hangup " + bob)
			h.ari.Expect("ring 1.1 stop")
		}, "noanswer|bye", 10 * time.Second},
		{"sequential: alice rings out, bob answers", "sequential", func(h *harness) {
			h.ari.Expect("create " + alice + " PJSIP/alice")
			h.ari.Expect("dial " + alice)
			h.ari.Expect("hangup " + alice) // 10 s later
			h.ari.Expect("create " + bob + " PJSIP/bob")
			h.ari.Expect("dial " + bob)
			h.legEvent(engine.EventDial, bob, "ANSWER", 0)
			h.ari.Expect("ring 1.1 stop")
			h.ari.Expect("bridge_create 1.1-bridge")
			h.ari.Expect("bridge_add 1.1-bridge 1.1," + bob)
			h.legEvent(engine.EventStasisEnd, bob, "", 0)
			h.ari.Expect("bridge_delete 1.1-bridge")
		}, "answered|bye", 10 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, strings.Replace(dialFlow, "%s", tc.strategy, 1), engine.Config{})
			h.start("1.1", "fwd")
			h.ari.Expect("ring 1.1 start")
			tc.drive(h)
			h.ari.Expect("hangup 1.1")
			h.stasisEnd("1.1")
			s := h.end()
			if got := strings.Join(h.logs(), "|"); got != tc.wantLog {
				t.Fatalf("logs = %q, want %q", got, tc.wantLog)
			}
			if got := s.Ended.Sub(s.Started); got != tc.wantAt {
				t.Fatalf("ended after %v, want %v", got, tc.wantAt)
			}
		})
	}
}

func TestDialCallerHangsUpWhileRinging(t *testing.T) {
	h := newHarness(t, strings.Replace(dialFlow, "%s", "simultaneous", 1), engine.Config{})
	h.start("1.1", "fwd")
	h.ari.Expect("ring 1.1 start")
	for range 4 {
		h.ari.Next()
	}
	h.stasisEnd("1.1")
	// Both legs are hung up although the caller's channel is gone.
	got := map[string]bool{}
	got[h.ari.Next().String()] = true
	got[h.ari.Next().String()] = true
	if !got["hangup 1.1-dial1"] || !got["hangup 1.1-dial2"] {
		t.Fatalf("legs not hung up: %v", got)
	}
	if s := h.end(); s.Reason != engine.EndCallerHangup {
		t.Fatalf("reason %q", s.Reason)
	}
	if n := h.eng.ActiveCalls(); n != 0 {
		t.Fatalf("%d calls (or legs) still registered", n)
	}
}
