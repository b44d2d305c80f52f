package schema

import (
	"fmt"
	"slices"
	"strings"
)

// graph is the flow's steps and where each can go next, for the reachability
// and loop warnings.
type graph struct {
	steps []*Step // every step, section by section
	succ  [][]int // indexes into steps
	entry []int   // the first step of each section
}

func newGraph(doc *Document, ids map[string]*Step) *graph {
	g := &graph{}
	index := map[*Step]int{}
	for _, list := range doc.Sections() {
		if len(list.Steps) > 0 {
			g.entry = append(g.entry, len(g.steps))
		}
		for _, st := range list.Steps {
			index[st] = len(g.steps)
			g.steps = append(g.steps, st)
		}
	}
	g.succ = make([][]int, len(g.steps))
	for i, st := range g.steps {
		to := func(id string) {
			if t, ok := ids[id]; ok {
				g.succ[i] = append(g.succ[i], index[t])
			}
		}
		spec, _ := action(st.Action)
		for _, id := range jumps(st) {
			to(id)
		}
		if !spec.ends { // after goto, hangup or transfer, next is never used
			for _, b := range st.Next {
				to(b.Goto)
			}
		}
		for _, o := range st.On {
			if !slices.Contains(spec.outcomes, o.Name) {
				continue // an error already; it goes nowhere
			}
			for _, b := range o.Branches {
				to(b.Goto)
			}
		}
		if fallsThrough(st, ids) && i+1 < len(g.steps) && g.steps[i+1].Section == st.Section {
			g.succ[i] = append(g.succ[i], i+1)
		}
	}
	return g
}

// jumps returns the targets a step's action itself jumps to: goto's, a
// menu's options, a switch's cases.
func jumps(st *Step) []string {
	var out []string
	switch {
	case st.Goto != nil:
		out = append(out, st.Goto.Target)
	case st.Menu != nil:
		for _, o := range st.Menu.Options {
			out = append(out, o.Target)
		}
	case st.Switch != nil:
		for _, b := range st.Switch.Cases {
			out = append(out, b.Goto)
		}
	}
	return out
}

// fallsThrough reports whether a step can continue with the step below it: it
// does not always jump (goto, an unconditional next or switch case, every
// outcome handled unconditionally) and does not end the flow (hangup, transfer).
func fallsThrough(st *Step, ids map[string]*Step) bool {
	spec, _ := action(st.Action)
	if spec.ends || alwaysJumps(st.Next, ids) || st.Switch != nil && alwaysJumps(st.Switch.Cases, ids) {
		return false
	}
	if len(spec.outcomes) == 0 {
		return true
	}
	for _, name := range spec.outcomes {
		if st.Record != nil && name == "hangup" {
			continue // goes on in on_hangup, never below
		}
		i := slices.IndexFunc(st.On, func(o Outcome) bool { return o.Name == name })
		if i < 0 || !alwaysJumps(st.On[i].Branches, ids) {
			return true
		}
	}
	return false
}

// alwaysJumps reports whether a branch list always jumps: it has a branch
// without a condition to an existing step. (A jump to a missing step is an
// error already; counting it would add unreachable-step warnings below it.)
func alwaysJumps(bs []Branch, ids map[string]*Step) bool {
	return slices.ContainsFunc(bs, func(b Branch) bool { return b.When == nil && ids[b.Goto] != nil })
}

func (g *graph) check(v *validator) {
	g.checkReachable(v)
	g.checkLoops(v)
}

// checkReachable warns once per run of consecutive steps nothing reaches.
func (g *graph) checkReachable(v *validator) {
	seen := make([]bool, len(g.steps))
	stack := slices.Clone(g.entry)
	for _, e := range g.entry {
		seen[e] = true
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range g.succ[i] {
			if !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	for i := 0; i < len(g.steps); i++ {
		if seen[i] {
			continue
		}
		run := 1
		for i+run < len(g.steps) && !seen[i+run] && g.steps[i+run].Section == g.steps[i].Section {
			run++
		}
		st := g.steps[i]
		more := ""
		switch {
		case run == 2:
			more = " (nor is the step after it)"
		case run > 2:
			more = fmt.Sprintf(" (nor are the %d steps after it)", run-1)
		}
		v.warnf(st, st.Pos, "unreachable step%s: no goto, next or on leads here, and the step above never continues to it", more)
		i += run - 1
	}
}

// checkLoops warns about each cycle of steps (a strongly connected component)
// in which no step takes time: a call in it spins until the per-call step
// budget ends it.
func (g *graph) checkLoops(v *validator) {
	for _, comp := range g.components() {
		if len(comp) == 1 && !slices.Contains(g.succ[comp[0]], comp[0]) {
			continue // not a loop
		}
		if slices.ContainsFunc(comp, func(i int) bool {
			spec, _ := action(g.steps[i].Action)
			return spec.waits
		}) {
			continue
		}
		slices.Sort(comp)
		labels := make([]string, 0, len(comp))
		for _, i := range comp[:min(len(comp), 5)] {
			labels = append(labels, g.steps[i].Label())
		}
		if len(comp) > 5 {
			labels = append(labels, "...")
		}
		st := g.steps[comp[0]]
		v.warnf(st, st.Pos, "loop with no step that waits (%s); the step budget will end it", strings.Join(labels, " → "))
	}
}

// components returns the strongly connected components of the graph
// (Tarjan's algorithm, iterative so deep graphs cannot exhaust the stack).
func (g *graph) components() [][]int {
	n := len(g.steps)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	type frame struct{ v, edge int }
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		calls := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			if f.edge < len(g.succ[f.v]) {
				w := g.succ[f.v][f.edge]
				f.edge++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				out = append(out, comp)
			}
		}
	}
	return out
}
