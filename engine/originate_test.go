package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

const survey = `
name: survey
vars: { name: "nobody", n: 0, ratio: 0.5 }
steps:
  - answer: {}
  - log: "hello ${name} ${n} ${ratio}"
  - hangup: {}
`

func TestOriginateSeedsVars(t *testing.T) {
	h := newHarness(t, survey, engine.Config{})
	ctx := context.Background()
	id, err := h.eng.Originate(ctx, engine.OriginateSpec{Flow: "survey", Endpoint: "PJSIP/alice",
		CallerID: "5551000", Timeout: 2500 * time.Millisecond, Vars: map[string]any{"name": "Ann", "n": 3.0, "ratio": 2}})
	if err != nil {
		t.Fatal(err)
	}
	a := h.ari.Expect("originate " + id + " PJSIP/alice survey [survey]")
	if a.Orig.CallerID != "5551000" || a.Orig.Timeout != 2500*time.Millisecond || a.Orig.Formats != "" {
		t.Fatalf("originate request %+v", a.Orig)
	}
	// Answered: the channel enters the application with the flow as argument.
	h.send(&engine.Event{Type: engine.EventStasisStart, Application: "survey", ChannelID: id, Args: []string{"survey"},
		Channel: engine.ChannelInfo{State: "Up"}})
	h.ari.Expect("answer " + id)
	h.ari.Expect("hangup " + id)
	h.stasisEnd(id)
	h.end()
	if got := h.logs(); !slices.Equal(got, []string{"hello Ann 3 2"}) {
		t.Fatalf("logs %q", got)
	}

	// The variables are the originated call's only: a second StasisStart on
	// another channel starts from the flow's values.
	h.start("9.9", "survey")
	h.ari.Expect("answer 9.9")
	h.ari.Expect("hangup 9.9")
	h.stasisEnd("9.9")
	h.end()
	if got := h.logs(); len(got) != 2 || got[1] != "hello nobody 0 0.5" {
		t.Fatalf("logs %q", got)
	}
}

func TestOriginateLocalFormats(t *testing.T) {
	h := newHarness(t, survey, engine.Config{})
	id, err := h.eng.Originate(context.Background(), engine.OriginateSpec{Flow: "survey", App: "outbound", Endpoint: "Local/100@dialout"})
	if err != nil {
		t.Fatal(err)
	}
	a := h.ari.Expect("originate " + id + " Local/100@dialout outbound [survey]")
	if a.Orig.Formats != "ulaw" {
		t.Fatalf("formats %q, want ulaw", a.Orig.Formats)
	}
}

func TestOriginateRejects(t *testing.T) {
	h := newHarness(t, survey, engine.Config{})
	ctx := context.Background()
	for _, tc := range []struct {
		spec engine.OriginateSpec
		is   error
		msg  string
	}{
		{engine.OriginateSpec{Flow: "nope", Endpoint: "PJSIP/a"}, engine.ErrUnknownFlow, `no such flow "nope"`},
		{engine.OriginateSpec{Flow: "survey", Endpoint: ""}, nil, "bad endpoint"},
		{engine.OriginateSpec{Flow: "survey", Endpoint: "PJSIP/a", Vars: map[string]any{"other": 1, "name": 7, "n": 1.5}},
			engine.ErrBadVars, `flow "survey" has no variable "other"; variable "n": want an integer, got a number; variable "name": want a string, got an integer`},
	} {
		_, err := h.eng.Originate(ctx, tc.spec)
		if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Originate(%+v) = %v, want %q", tc.spec, err, tc.msg)
		}
	}
	h.ari.FailWith("originate", &engine.ActionError{Op: "originate", Status: 400, Message: "Allocation failed"})
	if _, err := h.eng.Originate(ctx, engine.OriginateSpec{Flow: "survey", Endpoint: "PJSIP/a"}); err == nil {
		t.Fatal("Originate succeeded with Asterisk refusing it")
	}
	h.ari.Expect("originate")
	h.eng.Drain(ctx)
	if _, err := h.eng.Originate(ctx, engine.OriginateSpec{Flow: "survey", Endpoint: "PJSIP/a"}); !errors.Is(err, engine.ErrDraining) {
		t.Fatalf("Originate while draining = %v", err)
	}
}
