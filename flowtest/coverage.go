package flowtest

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/flowrunner/flowrunner/engine"
)

// Coverage is what a flow's cases exercised: steps entered, and the outcomes
// the flow routes (those with an `on:` entry) and menu keys it offers.
type Coverage struct {
	Flow     string
	File     string
	Steps    []Item // in graph order
	Outcomes []Item // "<step> <outcome>" or "<step> key <k>"
}

// Item is one step or outcome and whether a case exercised it.
type Item struct {
	Name string
	Hit  bool
}

// NewCoverage lists what can be covered in the suite's flow.
func (s *Suite) NewCoverage() *Coverage {
	c := &Coverage{Flow: s.Flow.Name, File: s.Flow.File}
	seen := map[string]bool{}
	for _, n := range s.Graph.Nodes {
		if n.Action == "flow" {
			continue
		}
		c.Steps = append(c.Steps, Item{Name: n.ID})
	}
	for _, e := range s.Graph.Edges {
		name := routedOutcome(s.Graph, e)
		if name == "" || seen[e.From+" "+name] {
			continue
		}
		seen[e.From+" "+name] = true
		c.Outcomes = append(c.Outcomes, Item{Name: e.From + " " + name})
	}
	return c
}

// routedOutcome is the outcome or menu key an edge stands for, or "".
func routedOutcome(g engine.Graph, e engine.GraphEdge) string {
	if strings.HasPrefix(e.Label, "key ") {
		return e.Label
	}
	word, _, _ := strings.Cut(e.Label, " ")
	for _, n := range g.Nodes {
		if n.ID == e.From && slices.Contains(n.Outcomes, word) {
			return word
		}
	}
	return ""
}

// Add marks what a case's call did.
func (c *Coverage) Add(g engine.Graph, a Actual) {
	for i := range c.Steps {
		if slices.Contains(a.Path, c.Steps[i].Name) {
			c.Steps[i].Hit = true
		}
	}
	for i := range c.Outcomes {
		step, what, _ := strings.Cut(c.Outcomes[i].Name, " ")
		if slices.Contains(a.Outcomes[step], what) {
			c.Outcomes[i].Hit = true
			continue
		}
		// Menu keys and record's hangup are not traced as outcomes: they
		// count when the path goes from the step to their target.
		if strings.HasPrefix(what, "key ") || what == "hangup" {
			c.Outcomes[i].Hit = c.Outcomes[i].Hit || taken(g, a.Path, step, what)
		}
	}
}

// taken reports whether the path goes from step to the target of its edge
// labelled label.
func taken(g engine.Graph, path []string, step, label string) bool {
	for _, e := range g.Edges {
		if e.From != step || e.Label != label {
			continue
		}
		for i := 0; i+1 < len(path); i++ {
			if path[i] == step && path[i+1] == e.To {
				return true
			}
		}
	}
	return false
}

// Write reports the coverage and lists what was not exercised.
func (c *Coverage) Write(w io.Writer) {
	steps, outs := count(c.Steps), count(c.Outcomes)
	fmt.Fprintf(w, "coverage: %s: steps %d/%d (%s), outcomes %d/%d (%s)\n", c.File,
		steps, len(c.Steps), percent(steps, len(c.Steps)), outs, len(c.Outcomes), percent(outs, len(c.Outcomes)))
	for _, it := range c.Steps {
		if !it.Hit {
			fmt.Fprintf(w, "  step never run: %s\n", it.Name)
		}
	}
	for _, it := range c.Outcomes {
		if !it.Hit {
			fmt.Fprintf(w, "  outcome never seen: %s\n", it.Name)
		}
	}
}

func count(items []Item) int {
	n := 0
	for _, it := range items {
		if it.Hit {
			n++
		}
	}
	return n
}

func percent(n, of int) string {
	if of == 0 {
		return "100%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}
