package engine

import (
	"slices"
	"strconv"

	"github.com/flowrunner/flowrunner/schema"
)

// Graph is a read-only description of a compiled flow's steps and
// transitions, for diagrams and coverage. Its order is deterministic: nodes in
// document order (steps, on_hangup, on_error, then called flows by name),
// edges by source node, then menu keys, switch cases, outcomes, next:, the
// fall-through and the sub-flow call.
type Graph struct {
	Flow     string
	Entry    string // the first node of steps, or ""
	OnHangup string // the first node of on_hangup, or ""
	OnError  string // the first node of on_error, or ""
	Nodes    []GraphNode
	Edges    []GraphEdge
}

// GraphNode is one step, or a flow called by a call step (Action "flow",
// Section "").
type GraphNode struct {
	ID       string // the step's id, or "#3" / "on_hangup#1" by position; "flow:<name>" for a called flow
	Label    string // the step's label in traces, e.g. `"main"` or `#1 (answer)`
	Action   string // the action's name in the flow file, e.g. "menu"
	Section  string // steps, on_hangup or on_error
	Line     int    // the step's line in the flow file
	Outcomes []string
}

// GraphEdge is one transition. Label is an outcome name, "next", "then" (the
// fall-through to the following step), "key 1" (a menu option), "case" (a
// switch case), "call" (to a called flow), "return"; conditional branches
// append " when: <expr>".
type GraphEdge struct {
	From, To string
	Label    string
}

// Graph describes f's steps and transitions.
func (f *Flow) Graph() Graph {
	g := Graph{Flow: f.Name}
	ids := nodeIDs(f.states)
	at := func(i int) string {
		if i < 0 || i >= len(ids) {
			return ""
		}
		return ids[i]
	}
	g.Entry, g.OnHangup, g.OnError = at(f.entry), at(f.onHangup), at(f.onError)
	var called []string
	for _, s := range f.states {
		outcomes := schema.Outcomes(s.action)
		g.Nodes = append(g.Nodes, GraphNode{
			ID: ids[s.index], Label: s.label, Action: s.action,
			Section: string(s.section), Line: s.pos.Line, Outcomes: outcomes,
		})
		add := func(to int, label string) {
			if t := at(to); t != "" {
				g.Edges = append(g.Edges, GraphEdge{From: ids[s.index], To: t, Label: label})
			}
		}
		branches := func(prefix string, bs []branch) {
			for _, b := range bs {
				label := prefix
				if b.when != nil {
					label += " when: " + b.when.Source().String()
				}
				add(b.target, label)
			}
		}
		if s.gather != nil && s.gather.menu {
			keys := make([]string, 0, len(s.gather.options))
			for k := range s.gather.options {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				add(s.gather.options[k], "key "+k)
			}
		}
		switch s.kind {
		case kindGoto:
			add(s.target, "goto")
			continue
		case kindSwitch:
			branches("case", s.cases)
			if unconditional(s.cases) {
				continue
			}
		case kindHangup, kindTransfer, kindReturn:
			continue // the flow never goes on from these
		}
		// Without outcomes the step goes on by next: or the fall-through;
		// with them, only an outcome without an unconditional branch does.
		fallsOn := len(outcomes) == 0
		for _, name := range outcomes {
			o, _ := parseOutcome(name)
			branches(name, s.on[o])
			if !unconditional(s.on[o]) {
				fallsOn = true
			}
		}
		if fallsOn {
			branches("next", s.next)
			if !unconditional(s.next) {
				add(s.follow, "then")
			}
		}
		if s.kind == kindCall {
			name := "flow:" + s.call.flow
			g.Edges = append(g.Edges, GraphEdge{From: ids[s.index], To: name, Label: "call"})
			if !slices.Contains(called, s.call.flow) {
				called = append(called, s.call.flow)
			}
		}
	}
	slices.Sort(called)
	for _, name := range called {
		g.Nodes = append(g.Nodes, GraphNode{ID: "flow:" + name, Label: name, Action: "flow"})
	}
	return g
}

// unconditional reports whether a branch list always takes one of its
// branches.
func unconditional(bs []branch) bool {
	for _, b := range bs {
		if b.when == nil {
			return true
		}
	}
	return false
}

// nodeIDs names each state: its id, or its section and 1-based position in
// it, e.g. "#3" or "on_hangup#1".
func nodeIDs(states []*state) []string {
	ids := make([]string, len(states))
	n := 0
	for i, s := range states {
		if i == 0 || states[i-1].section != s.section {
			n = 0
		}
		n++
		switch {
		case s.id != "":
			ids[i] = s.id
		case s.section == schema.SectionSteps || s.section == "":
			ids[i] = "#" + strconv.Itoa(n)
		default:
			ids[i] = string(s.section) + "#" + strconv.Itoa(n)
		}
	}
	return ids
}
