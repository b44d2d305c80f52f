package graph

import (
	"fmt"
	"io"
	"strings"

	"github.com/flowrunner/flowrunner/engine"
)

// Formats are the diagram formats Write accepts.
var Formats = []string{"mermaid", "dot"}

// Write renders g in format ("mermaid" or "dot") to w.
func Write(w io.Writer, g engine.Graph, format string) error {
	var b strings.Builder
	switch format {
	case "mermaid":
		mermaid(&b, g)
	case "dot":
		dot(&b, g)
	default:
		return fmt.Errorf("unknown format %q (want mermaid or dot)", format)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// diagram holds what both renderers need: short node names and sections.
type diagram struct {
	g     engine.Graph
	names map[string]string // node ID → n0, n1, …
}

func newDiagram(g engine.Graph) diagram {
	d := diagram{g: g, names: make(map[string]string, len(g.Nodes))}
	for i, n := range g.Nodes {
		d.names[n.ID] = fmt.Sprintf("n%d", i)
	}
	return d
}

// sections lists the node groups in order: steps, on_hangup, on_error, and
// called flows (section "").
func (d diagram) sections() []section {
	var out []section
	for _, n := range d.g.Nodes {
		if len(out) == 0 || out[len(out)-1].name != n.Section {
			out = append(out, section{name: n.Section})
		}
		out[len(out)-1].nodes = append(out[len(out)-1].nodes, n)
	}
	return out
}

type section struct {
	name  string
	nodes []engine.GraphNode
}

// text is a node's label: "main: menu", "#1: answer" or "call flow x".
func text(n engine.GraphNode) string {
	if n.Action == "flow" {
		return "flow " + n.Label
	}
	return n.ID + ": " + n.Action
}

// terminal reports whether a step ends the call or leaves the flow.
func terminal(n engine.GraphNode) bool {
	switch n.Action {
	case "hangup", "transfer", "return":
		return true
	}
	return false
}

// edge is one arrow: the graph's edges between the same two nodes merged,
// their labels joined in order.
type edge struct {
	from, to, label string
}

// edges merges g's edges by (from, to), in order of first appearance.
func (d diagram) edges() []edge {
	var out []edge
	at := map[[2]string]int{}
	for _, e := range d.g.Edges {
		k := [2]string{e.From, e.To}
		if i, ok := at[k]; ok {
			out[i].label += ", " + e.Label
			continue
		}
		at[k] = len(out)
		out = append(out, edge{d.names[e.From], d.names[e.To], e.Label})
	}
	return out
}
