package engine_test

import (
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

const lookupSubflow = `
name: lookup
vars: {number: "", depth: 0}
steps:
  - log: "looking up ${number}"
  - switch:
      - when: number == "5551234"
        goto: known
  - return: {name: "'stranger'", known: false}
  - id: known
    return: {name: "'Ann'", known: true}
`

// newSubflowHarness loads several flows into one engine.
func newSubflowHarness(t *testing.T, main string, others ...string) *harness {
	t.Helper()
	h := newHarness(t, main, engine.Config{})
	flows := []*engine.Flow{}
	for _, src := range append([]string{main}, others...) {
		f, diags := engine.Load("test.yaml", []byte(src))
		if f == nil {
			t.Fatalf("flow does not load:\n%v", diags)
		}
		flows = append(flows, f)
	}
	reg, err := engine.NewRegistry(flows...)
	if err != nil {
		t.Fatal(err)
	}
	if d := engine.CheckCalls(reg); len(d) > 0 {
		t.Fatal(d)
	}
	h.eng.SetFlows(reg)
	return h
}

func TestSubflowCallAndReturn(t *testing.T) {
	h := newSubflowHarness(t, `
name: main
vars: {who: "", vip: false}
steps:
  - call:
      flow: lookup
      with: {number: caller.number}
      into: {who: name, vip: known}
  - log: "hello ${who}, vip=${vip}"
`, lookupSubflow)
	h.start("1.1", "main")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	h.end()
	if got, want := strings.Join(h.logs(), "|"), "looking up 5551234|hello Ann, vip=true"; got != want {
		t.Fatalf("logs = %q, want %q", got, want)
	}
}

func TestSubflowRecursionLimit(t *testing.T) {
	h := newSubflowHarness(t, `
name: main
steps:
  - call: {flow: again}
on_error:
  - log: "gave up"
`, `
name: again
vars: {n: 0}
steps:
  - call: {flow: again2}
`, `
name: again2
steps:
  - call: {flow: again}
`)
	h.start("1.1", "main")
	h.ari.Expect("hangup 1.1")
	h.stasisEnd("1.1")
	s := h.end()
	if got := strings.Join(h.logs(), "|"); got != "gave up" {
		t.Fatalf("logs = %q, want the caller's on_error to run", got)
	}
	if s.Reason != engine.EndFlowHangup {
		t.Fatalf("reason %q", s.Reason)
	}
}

func TestSubflowHangupRunsTopOnHangup(t *testing.T) {
	h := newSubflowHarness(t, `
name: main
vars: {where: "main"}
steps:
  - call: {flow: holder}
on_hangup:
  - log: "bye from ${where}"
`, `
name: holder
vars: {where: "holder"}
steps:
  - wait: 1h
on_hangup:
  - log: "not this one"
`)
	h.start("1.1", "main")
	h.stasisEnd("1.1")
	h.end()
	if got := strings.Join(h.logs(), "|"); got != "bye from main" {
		t.Fatalf("logs = %q", got)
	}
}

func TestCheckCallsFindsUnknownParameters(t *testing.T) {
	main, _ := engine.Load("main.yaml", []byte("name: main\nsteps:\n  - call: {flow: lookup, with: {numbr: caller.number}}\n"))
	sub, _ := engine.Load("lookup.yaml", []byte(lookupSubflow))
	reg, _ := engine.NewRegistry(main, sub)
	d := engine.CheckCalls(reg)
	if len(d) != 1 || !strings.Contains(d[0].Msg, `flow "lookup" has no variable "numbr"`) {
		t.Fatalf("diagnostics = %v", d)
	}
}

func TestCheckCallsFindsMissingFlows(t *testing.T) {
	f, diags := engine.Load("main.yaml", []byte("name: main\nsteps:\n  - call: {flow: nowhere}\n"))
	if f == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(f)
	d := engine.CheckCalls(reg)
	if len(d) != 1 || !strings.Contains(d[0].Error(), `main.yaml:3:18: flow "main" step #1 (call): call: no flow named "nowhere" is loaded`) {
		t.Fatalf("diagnostics = %v", d)
	}
}
