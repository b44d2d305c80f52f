package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

// TestGraphTransitions checks the edges of each kind of transition: goto,
// switch cases, menu keys, outcomes with and without conditions, next:, the
// fall-through, sub-flow calls and the handler sections.
func TestGraphTransitions(t *testing.T) {
	src := `name: g
steps:
  - answer: {}
  - id: pick
    switch: [{when: caller.number == "1", goto: menu}]
  - call: {flow: other}
    next: [{when: digits == "9", goto: bye}]
  - id: menu
    menu:
      prompt: sound:x
      options: {"2": bye, "1": pick}
    on: {exhausted: bye}
  - goto: bye
  - id: bye
    transfer: {}
on_hangup:
  - log: gone
on_error:
  - hangup: {}
`
	flow, diags := engine.Load("g.yaml", []byte(src))
	if flow == nil {
		t.Fatal(diags)
	}
	g := flow.Graph()
	var got []string
	for _, e := range g.Edges {
		got = append(got, fmt.Sprintf("%s -> %s: %s", e.From, e.To, e.Label))
	}
	want := []string{
		"#1 -> pick: then",
		`pick -> menu: case when: caller.number == "1"`,
		"pick -> #3: then",
		`#3 -> bye: next when: digits == "9"`,
		"#3 -> menu: then",
		"#3 -> flow:other: call",
		"menu -> pick: key 1",
		"menu -> bye: key 2",
		"menu -> bye: exhausted",
		"#5 -> bye: goto",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g.Entry != "#1" || g.OnHangup != "on_hangup#1" || g.OnError != "on_error#1" {
		t.Errorf("entries %q %q %q", g.Entry, g.OnHangup, g.OnError)
	}
	last := g.Nodes[len(g.Nodes)-1]
	if last.ID != "flow:other" || last.Action != "flow" {
		t.Errorf("last node %+v, want the called flow", last)
	}
	if n := g.Nodes[3]; n.ID != "menu" || strings.Join(n.Outcomes, ",") != "exhausted" || n.Section != "steps" {
		t.Errorf("menu node %+v", n)
	}
}

func TestWithVars(t *testing.T) {
	flow, diags := engine.Load("v.yaml", []byte("name: v\nvars: {tries: 0, who: x}\nsteps:\n  - set: {n: 1}\n"))
	if flow == nil {
		t.Fatal(diags)
	}
	if got := strings.Join(flow.Vars(), ","); got != "n,tries,who" {
		t.Errorf("Vars() = %s", got)
	}
	if _, err := flow.WithVars(map[string]any{"tries": int64(2), "who": "y"}); err != nil {
		t.Error(err)
	}
	if _, err := flow.WithVars(map[string]any{"tries": "two"}); err == nil || err.Error() != "variable tries is an int, not string" {
		t.Errorf("err = %v", err)
	}
	if _, err := flow.WithVars(map[string]any{"nope": 1}); err == nil {
		t.Error("want an error for an unknown variable")
	}
}
