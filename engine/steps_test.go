package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

func TestChannelVariablesSwitchSayUnset(t *testing.T) {
	const flow = `
name: vip
vars: {n: 5}
steps:
  - get_var: {CALLERID(name): who, CUSTOMER_TIER: tier}
  - set_var: {ACCOUNT: "acct-${n}"}
  - set: {n: n + 1}
  - switch:
      - when: tier == "gold"
        goto: gold
  - log: "standard ${who}"
  - hangup: {}
  - id: gold
    say: {number: "${n}", language: fr}
  - unset: [n]
  - log: "gold ${who} n=${n}"
`
	for _, tc := range []struct {
		tier, wantLog string
		wantSay       bool
	}{
		{"gold", "gold Ann n=5", true},
		{"", "standard Ann", false},
	} {
		t.Run("tier="+tc.tier, func(t *testing.T) {
			h := newHarness(t, flow, engine.Config{})
			h.ari.SetChannelVar("CALLERID(name)", "Ann")
			if tc.tier != "" {
				h.ari.SetChannelVar("CUSTOMER_TIER", tc.tier)
			}
			h.start("1.1", "vip")
			h.ari.Expect("get_var 1.1 CALLERID(name)")
			h.ari.Expect("get_var 1.1 CUSTOMER_TIER")
			h.ari.Expect("set_var 1.1 ACCOUNT=acct-5")
			if tc.wantSay {
				say := h.ari.Expect("play 1.1 [number:6]")
				if say.Language != "fr" {
					t.Fatalf("say language = %q, want fr", say.Language)
				}
				h.finished(say, "done")
			}
			h.ari.Expect("hangup 1.1")
			h.stasisEnd("1.1")
			h.end()
			if got := strings.Join(h.logs(), "|"); got != tc.wantLog {
				t.Fatalf("logs = %q, want %q", got, tc.wantLog)
			}
		})
	}
}

func TestTransferEndsTheFlowAndRunsOnHangup(t *testing.T) {
	h := newHarness(t, `
name: x
steps:
  - transfer: {context: support, extension: "100", priority: 1}
on_hangup:
  - log: "left for the dialplan"
`, engine.Config{})
	h.start("1.1", "x")
	a := h.ari.Expect("continue 1.1 support 100")
	if a.Target.Priority != 1 {
		t.Fatalf("priority = %d", a.Target.Priority)
	}
	h.stasisEnd("1.1")
	s := h.end()
	if s.Reason != engine.EndTransferred {
		t.Fatalf("reason = %q, want transferred", s.Reason)
	}
	if got := strings.Join(h.logs(), "|"); got != "left for the dialplan" {
		t.Fatalf("logs = %q", got)
	}
}

func TestMOHAndRing(t *testing.T) {
	h := newHarness(t, `
name: x
steps:
  - ring: start
  - wait: 2s
  - ring: stop
  - answer: {}
  - moh: {class: jazz}
  - wait: 10s
  - moh: stop
`, engine.Config{})
	h.start("1.1", "x")
	for _, want := range []string{"ring 1.1 start", "ring 1.1 stop", "answer 1.1", "moh 1.1 start jazz", "moh 1.1 stop", "hangup 1.1"} {
		h.ari.Expect(want)
	}
	h.stasisEnd("1.1")
	if s := h.end(); s.Ended.Sub(s.Started) != 12*time.Second {
		t.Fatalf("call lasted %v, want 12s", s.Ended.Sub(s.Started))
	}
}

func TestSendDTMF(t *testing.T) {
	h := newHarness(t, `
name: x
vars: {pin: "1234"}
steps:
  - answer: {}
  - send_dtmf: {digits: "${pin}#", between: 200ms, duration: 150ms}
  - send_dtmf: "*9"
`, engine.Config{})
	h.start("1.1", "x")
	h.ari.Expect("answer 1.1")
	a := h.ari.Expect("send_dtmf 1.1 1234#")
	if a.DTMF.Between != 200*time.Millisecond || a.DTMF.Duration != 150*time.Millisecond {
		t.Fatalf("dtmf timing %+v", a.DTMF)
	}
	h.ari.Expect("send_dtmf 1.1 *9")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	h.end()
}
