package engine_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/clock"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/engine/enginetest"
)

// harness is an engine on a virtual clock with a fake ARI; the test plays
// Asterisk by sending events and reading the actions the engine issues.
type harness struct {
	t      *testing.T
	eng    *engine.Engine
	ari    *enginetest.FakeARI
	clk    *clock.Virtual
	ends   chan engine.CallSummary
	mu     sync.Mutex
	traces []engine.TraceEvent
}

func newHarness(t *testing.T, src string, cfg engine.Config) *harness {
	t.Helper()
	flow, diags := engine.Load("test.yaml", []byte(src))
	if flow == nil {
		t.Fatalf("flow does not load:\n%v", diags)
	}
	reg, err := engine.NewRegistry(flow)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ends: make(chan engine.CallSummary, 16)}
	h.clk = clock.NewVirtual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	h.ari = enginetest.NewFakeARI(t, h.clk)
	cfg.ARI = h.ari
	cfg.Clock = h.clk
	if cfg.Logger == nil {
		cfg.Logger = discardLogger()
	}
	cfg.OnCallEnd = func(s engine.CallSummary) { h.ends <- s }
	trace := cfg.Trace
	cfg.Trace = func(ev engine.TraceEvent) {
		h.mu.Lock()
		h.traces = append(h.traces, ev)
		h.mu.Unlock()
		if trace != nil {
			trace(ev)
		}
	}
	h.eng = engine.New(cfg)
	h.eng.SetFlows(reg)
	t.Cleanup(func() {
		h.eng.Close()
		h.clk.Close()
	})
	return h
}

func (h *harness) send(ev *engine.Event) { h.eng.HandleEvent(ev) }

func (h *harness) start(ch, app string, args ...string) {
	h.send(&engine.Event{Type: engine.EventStasisStart, Application: app, ChannelID: ch, Args: args,
		Channel: engine.ChannelInfo{State: "Ring", CallerNumber: "5551234"}})
}

func (h *harness) finished(a enginetest.Action, state string) {
	h.send(&engine.Event{Type: engine.EventPlaybackFinished, ChannelID: a.Channel, PlaybackID: a.Playback, PlaybackState: state})
}

func (h *harness) stasisEnd(ch string) {
	h.send(&engine.Event{Type: engine.EventStasisEnd, ChannelID: ch})
}

func (h *harness) end() engine.CallSummary {
	h.t.Helper()
	var s engine.CallSummary
	var ok bool
	h.ari.Idle(func() {
		select {
		case s, ok = <-h.ends:
		case <-time.After(5 * time.Second):
		}
	})
	if !ok {
		h.t.Fatal("the call did not end")
	}
	return s
}

// logs returns the messages of log steps, in order.
func (h *harness) logs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.traces {
		if ev.Kind == engine.TraceLog {
			out = append(out, ev.Detail)
		}
	}
	return out
}

const helloWorld = `
name: hello-world
steps:
  - answer: {}
  - play: sound:hello-world
  - wait: 1s
  - hangup: {}
`

func TestHelloWorld(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.start("1.1", "hello-world")
	h.ari.Expect("answer 1.1")
	play := h.ari.Expect("play 1.1 [sound:hello-world]")
	if play.Playback == "" {
		t.Fatal("play has no playback id")
	}
	h.finished(play, "done")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	s := h.end()
	if s.Reason != engine.EndFlowHangup {
		t.Fatalf("reason = %q, want %q", s.Reason, engine.EndFlowHangup)
	}
	if got := s.Ended.Sub(s.Started); got != time.Second {
		t.Fatalf("virtual call duration = %v, want 1s (the wait step)", got)
	}
	if n := h.eng.ActiveCalls(); n != 0 {
		t.Fatalf("%d calls still active", n)
	}
}

func TestCallerHangupDuringPlayRunsOnHangupOnce(t *testing.T) {
	h := newHarness(t, `
name: x
steps:
  - play: sound:demo-congrats
  - log: not reached
on_hangup:
  - log: "bye ${caller.number}"
  - play: sound:never-played
  - log: done
`, engine.Config{})
	h.start("1.1", "x")
	play := h.ari.Expect("play")
	h.send(&engine.Event{Type: engine.EventChannelHangupRequest, ChannelID: "1.1", Cause: 16})
	h.finished(play, "failed")
	h.stasisEnd("1.1")
	h.send(&engine.Event{Type: engine.EventChannelDestroyed, ChannelID: "1.1"})
	s := h.end()
	if s.Reason != engine.EndCallerHangup {
		t.Fatalf("reason = %q, want caller_hangup", s.Reason)
	}
	if got, want := strings.Join(h.logs(), "|"), "bye 5551234|done"; got != want {
		t.Fatalf("logs = %q, want %q", got, want)
	}
}

func TestPlayOutcomes(t *testing.T) {
	const flow = `
name: x
steps:
  - id: prompt
    play: {media: [sound:menu], interrupt: "12"}
    on:
      interrupted:
        - when: digits == "1"
          goto: one
        - goto: other
      failed: broken
  - log: done
  - hangup: {}
  - id: one
    log: one
  - hangup: {}
  - id: other
    log: "other ${digits}"
  - hangup: {}
  - id: broken
    log: broken
  - hangup: {}
`
	cases := []struct {
		name    string
		drive   func(h *harness, play enginetest.Action)
		wantLog string
	}{
		{"done", func(h *harness, p enginetest.Action) { h.finished(p, "done") }, "done"},
		{"failed", func(h *harness, p enginetest.Action) { h.finished(p, "failed") }, "broken"},
		{"interrupted by 1", func(h *harness, p enginetest.Action) { h.dtmf(p.Channel, "1"); h.ari.Expect("stop") }, "one"},
		{"interrupted by 2", func(h *harness, p enginetest.Action) { h.dtmf(p.Channel, "2"); h.ari.Expect("stop") }, "other 2"},
		{"key that does not interrupt", func(h *harness, p enginetest.Action) { h.dtmf(p.Channel, "9"); h.finished(p, "done") }, "done"},
		// No PlaybackFinished at all: the play timeout (60 s, virtual) fails it.
		{"finished never comes", func(h *harness, p enginetest.Action) { h.ari.Expect("stop") }, "broken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, flow, engine.Config{})
			h.start("1.1", "x")
			tc.drive(h, h.ari.Expect("play"))
			h.ari.Expect("hangup")
			h.stasisEnd("1.1")
			h.end()
			if got := strings.Join(h.logs(), "|"); got != tc.wantLog {
				t.Fatalf("logs = %q, want %q", got, tc.wantLog)
			}
		})
	}
}

func (h *harness) dtmf(ch, digit string) {
	h.send(&engine.Event{Type: engine.EventChannelDtmfReceived, ChannelID: ch, Digit: digit})
}

func TestVariablesAndBranches(t *testing.T) {
	h := newHarness(t, `
name: x
vars: {tries: 0, name: "sam"}
steps:
  - id: loop
    set: {tries: tries + 1, greeting: '"hi " + name'}
    next:
      - when: tries < 3
        goto: loop
  - log: "${greeting} after ${tries} tries, arg ${args[0]}"
`, engine.Config{})
	h.start("1.1", "x", "first")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	h.end()
	if got, want := strings.Join(h.logs(), "|"), "hi sam after 3 tries, arg first"; got != want {
		t.Fatalf("logs = %q, want %q", got, want)
	}
}

func TestActionErrorRunsOnError(t *testing.T) {
	h := newHarness(t, `
name: x
steps:
  - answer: {}
  - log: not reached
on_error:
  - log: recovering
  - hangup: {reason: congestion}
`, engine.Config{})
	h.ari.FailWith("answer", &engine.ActionError{Op: "answer", Status: 500, Message: "Internal Server Error"})
	h.start("1.1", "x")
	h.ari.Expect("answer")
	h.ari.Expect("hangup 1.1 congestion")
	h.stasisEnd("1.1")
	s := h.end()
	if got := strings.Join(h.logs(), "|"); got != "recovering" {
		t.Fatalf("logs = %q", got)
	}
	if s.Reason != engine.EndFlowHangup {
		t.Fatalf("reason = %q", s.Reason)
	}
}

func TestActionErrorWithoutOnErrorHangsUp(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.ari.FailWith("play", errors.New("connection refused"))
	h.start("1.1", "hello-world")
	h.ari.Expect("answer")
	h.ari.Expect("play")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	if s := h.end(); s.Reason != engine.EndError {
		t.Fatalf("reason = %q, want error", s.Reason)
	}
}

func TestChannelGoneMidStep(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.ari.FailWith("play", &engine.ActionError{Op: "play", Status: 404, Message: "Channel not found"})
	h.start("1.1", "hello-world")
	h.ari.Expect("answer")
	h.ari.Expect("play")
	// 404: the channel is gone; no hangup is sent and the call ends at once.
	if s := h.end(); s.Reason != engine.EndCallerHangup {
		t.Fatalf("reason = %q, want caller_hangup", s.Reason)
	}
}

func TestRunawayFlows(t *testing.T) {
	cases := []struct {
		name, flow, reason string
	}{
		{"step budget", `
name: x
steps:
  - id: a
    set: {n: 1}
  - goto: a
`, engine.EndStepBudget},
		{"max duration", `
name: x
max_duration: 10s
steps:
  - wait: 1h
`, engine.EndMaxDuration},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.flow, engine.Config{StepBudget: 50})
			h.start("1.1", "x")
			h.ari.Expect("hangup 1.1")
			h.stasisEnd("1.1")
			s := h.end()
			if s.Reason != tc.reason {
				t.Fatalf("reason = %q, want %q", s.Reason, tc.reason)
			}
		})
	}
}

func TestUnroutedCall(t *testing.T) {
	for _, tc := range []struct {
		policy engine.UnroutedPolicy
		want   string
	}{{engine.UnroutedContinue, "continue 9.9"}, {engine.UnroutedHangup, "hangup 9.9"}} {
		h := newHarness(t, helloWorld, engine.Config{Unrouted: tc.policy})
		h.start("9.9", "other-app", "no-such-flow")
		h.ari.Expect(tc.want)
		if n := h.eng.Stats().CallsUnrouted.Load(); n != 1 {
			t.Fatalf("unrouted count = %d", n)
		}
	}
}

func TestRoutingByFirstArgument(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.start("1.1", "flowrunner", "hello-world")
	h.ari.Expect("answer 1.1")
}

func TestPanicEndsOnlyThatCall(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{Trace: func(ev engine.TraceEvent) {
		if ev.CallID == "1.1" && ev.Kind == engine.TraceStep && ev.Detail == "play" {
			panic("boom")
		}
	}})
	h.start("1.1", "hello-world")
	h.ari.Expect("answer 1.1")
	h.ari.Expect("hangup 1.1")
	if s := h.end(); s.Reason != engine.EndPanic {
		t.Fatalf("reason = %q, want panic", s.Reason)
	}
	if h.eng.Stats().Panics.Load() != 1 {
		t.Fatal("panic not counted")
	}
	// Another call still works.
	h.start("2.2", "hello-world")
	h.ari.Expect("answer 2.2")
}

func TestResyncEndsVanishedCalls(t *testing.T) {
	h := newHarness(t, `
name: x
steps:
  - wait: 1h
on_hangup:
  - log: cleaned up
`, engine.Config{})
	h.start("1.1", "x")
	h.start("2.2", "x")
	// HandleEvent registers a call before it returns, so both exist now.
	h.eng.Connected("x", []string{"2.2"})
	s := h.end()
	if s.CallID != "1.1" || s.Reason != engine.EndChannelVanished {
		t.Fatalf("ended %s with %q, want 1.1 channel_vanished", s.CallID, s.Reason)
	}
	if h.eng.ActiveCalls() != 1 {
		t.Fatal("surviving call was ended")
	}
}

func TestUnknownChannelEventsAreCounted(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.send(&engine.Event{Type: engine.EventChannelStateChange, ChannelID: "1.2"})
	h.send(&engine.Event{Type: engine.EventPlaybackFinished, PlaybackID: "nope"})
	if n := h.eng.Stats().EventsUnknownChannel.Load(); n != 2 {
		t.Fatalf("unknown-channel events = %d, want 2", n)
	}
}
