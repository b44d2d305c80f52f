package graph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flowrunner/flowrunner/engine"
)

// dot writes a Graphviz digraph.
func dot(b *strings.Builder, g engine.Graph) {
	d := newDiagram(g)
	fmt.Fprintf(b, "digraph %s {\n", strconv.Quote(g.Flow))
	b.WriteString("  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	if g.Entry != "" {
		fmt.Fprintf(b, "  start [shape=oval, label=\"start\"];\n  start -> %s;\n", d.names[g.Entry])
	}
	for _, s := range d.sections() {
		indent := "  "
		if s.name != "" {
			fmt.Fprintf(b, "  subgraph cluster_%s {\n    label=%s;\n", s.name, strconv.Quote(s.name))
			indent = "    "
		}
		for _, n := range s.nodes {
			attrs := ""
			switch {
			case n.Action == "flow":
				attrs = ", shape=component"
			case terminal(n):
				attrs = ", shape=box, style=rounded"
			case n.Action == "switch":
				attrs = ", shape=diamond"
			}
			fmt.Fprintf(b, "%s%s [label=%s%s];\n", indent, d.names[n.ID], strconv.Quote(text(n)), attrs)
		}
		if s.name != "" {
			b.WriteString("  }\n")
		}
	}
	if g.OnHangup != "" {
		fmt.Fprintf(b, "  hungup [shape=oval, label=\"caller hangs up\"];\n  hungup -> %s [style=dashed];\n", d.names[g.OnHangup])
	}
	if g.OnError != "" {
		fmt.Fprintf(b, "  failed [shape=oval, label=\"error\"];\n  failed -> %s [style=dashed];\n", d.names[g.OnError])
	}
	for _, e := range d.edges() {
		fmt.Fprintf(b, "  %s -> %s [label=%s];\n", e.from, e.to, strconv.Quote(e.label))
	}
	b.WriteString("}\n")
}
