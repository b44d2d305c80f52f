package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/engine/enginetest"
)

const gatherFlow = `
name: g
steps:
  - id: ask
    gather:
      prompt: sound:enter-account
      min_digits: 3
      max_digits: 6
      timeout: 5s
      inter_digit_timeout: 3s
      pattern: '^[0-9]+$'
      into: account
    on:
      match: ok
      noinput: silent
      nomatch: wrong
  - id: ok
    log: "match ${account}"
    next: end
  - id: silent
    log: "noinput"
    next: end
  - id: wrong
    log: "nomatch '${digits}'"
  - id: end
    hangup: {}
`

// TestGatherTiming drives gather with keys and silences and checks the
// outcome and the virtual time at which it came (VoiceXML 2.0 Appendix D).
func TestGatherTiming(t *testing.T) {
	cases := []struct {
		name    string
		drive   func(h *harness, prompt enginetest.Action)
		wantLog string
		wantAt  time.Duration // virtual time of the hangup, from the call's start
	}{
		{"barge-in then terminator", func(h *harness, p enginetest.Action) {
			h.dtmf("1.1", "1")
			h.ari.Expect("stop " + p.Playback)
			h.dtmf("1.1", "2")
			h.dtmf("1.1", "3")
			h.dtmf("1.1", "#")
		}, "match 123", 0},
		{"no input after the prompt", func(h *harness, p enginetest.Action) {
			h.finished(p, "done")
		}, "noinput", 5 * time.Second},
		{"too few digits, then silence", func(h *harness, p enginetest.Action) {
			h.finished(p, "done")
			h.dtmf("1.1", "4")
			h.dtmf("1.1", "2")
		}, "nomatch '42'", 3 * time.Second},
		{"max digits ends input at once", func(h *harness, p enginetest.Action) {
			h.finished(p, "done")
			for _, d := range "123456" {
				h.dtmf("1.1", string(d))
			}
		}, "match 123456", 0},
		{"pattern rejects", func(h *harness, p enginetest.Action) {
			h.finished(p, "done")
			for _, d := range "12*" {
				h.dtmf("1.1", string(d))
			}
			h.dtmf("1.1", "#")
		}, "nomatch '12*'", 0},
		{"terminator alone", func(h *harness, p enginetest.Action) {
			h.finished(p, "done")
			h.dtmf("1.1", "#")
		}, "nomatch ''", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, gatherFlow, engine.Config{})
			h.start("1.1", "g")
			prompt := h.ari.Expect("play 1.1 [sound:enter-account]")
			tc.drive(h, prompt)
			h.ari.Expect("hangup 1.1")
			h.stasisEnd("1.1")
			s := h.end()
			if got := strings.Join(h.logs(), "|"); got != tc.wantLog {
				t.Fatalf("logs = %q, want %q", got, tc.wantLog)
			}
			if got := s.Ended.Sub(s.Started); got != tc.wantAt {
				t.Fatalf("ended after %v of virtual time, want %v", got, tc.wantAt)
			}
		})
	}
}

const menuFlow = `
name: m
steps:
  - id: main
    menu:
      prompt: [sound:press-1, sound:or-2]
      options: {"1": sales, "2": support}
      attempts: 2
      timeout: 4s
      noinput_prompt: sound:are-you-there
      nomatch_prompt: sound:invalid
    on:
      exhausted: bye
  - id: sales
    log: sales
    next: bye
  - id: support
    log: "support ${digits}"
  - id: bye
    hangup: {}
`

func TestMenu(t *testing.T) {
	t.Run("option", func(t *testing.T) {
		h := newHarness(t, menuFlow, engine.Config{})
		h.start("1.1", "m")
		p := h.ari.Expect("play 1.1 [sound:press-1 sound:or-2]")
		h.dtmf("1.1", "2")
		h.ari.Expect("stop " + p.Playback)
		h.ari.Expect("hangup 1.1")
		h.stasisEnd("1.1")
		h.end()
		if got := strings.Join(h.logs(), "|"); got != "support 2" {
			t.Fatalf("logs = %q", got)
		}
	})
	t.Run("wrong key then silence exhausts", func(t *testing.T) {
		h := newHarness(t, menuFlow, engine.Config{})
		h.start("1.1", "m")
		p := h.ari.Expect("play 1.1 [sound:press-1 sound:or-2]")
		h.finished(p, "done")
		h.dtmf("1.1", "9")
		// The retry plays the no-match prompt, then the menu again.
		p = h.ari.Expect("play 1.1 [sound:invalid sound:press-1 sound:or-2]")
		h.finished(p, "done")
		h.ari.Expect("hangup 1.1") // after 4 s of silence on the last attempt
		h.stasisEnd("1.1")
		s := h.end()
		if got := strings.Join(h.logs(), "|"); got != "" {
			t.Fatalf("logs = %q, want none", got)
		}
		if got := s.Ended.Sub(s.Started); got != 4*time.Second {
			t.Fatalf("ended after %v, want 4s", got)
		}
	})
	t.Run("silence replays with the no-input prompt", func(t *testing.T) {
		h := newHarness(t, menuFlow, engine.Config{})
		h.start("1.1", "m")
		p := h.ari.Expect("play 1.1 [sound:press-1 sound:or-2]")
		h.finished(p, "done")
		p = h.ari.Expect("play 1.1 [sound:are-you-there sound:press-1 sound:or-2]")
		h.dtmf("1.1", "1")
		h.ari.Expect("stop " + p.Playback)
		h.ari.Expect("hangup 1.1")
		h.stasisEnd("1.1")
		h.end()
		if got := strings.Join(h.logs(), "|"); got != "sales" {
			t.Fatalf("logs = %q", got)
		}
	})
}
