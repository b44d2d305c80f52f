package graph

import (
	"fmt"
	"strings"

	"github.com/flowrunner/flowrunner/engine"
)

// mermaid writes a Mermaid flowchart.
func mermaid(b *strings.Builder, g engine.Graph) {
	d := newDiagram(g)
	fmt.Fprintf(b, "---\ntitle: %s\n---\nflowchart TD\n", mermaidText(g.Flow))
	if g.Entry != "" {
		fmt.Fprintf(b, "  start([start]) --> %s\n", d.names[g.Entry])
	}
	for _, s := range d.sections() {
		indent := "  "
		if s.name != "" {
			fmt.Fprintf(b, "  subgraph %s [%s]\n", s.name, s.name)
			indent = "    "
		}
		for _, n := range s.nodes {
			open, closing := "[\"", "\"]"
			switch {
			case n.Action == "flow":
				open, closing = "[[\"", "\"]]"
			case terminal(n):
				open, closing = "([\"", "\"])"
			case n.Action == "switch":
				open, closing = "{\"", "\"}"
			}
			fmt.Fprintf(b, "%s%s%s%s%s\n", indent, d.names[n.ID], open, mermaidText(text(n)), closing)
		}
		if s.name != "" {
			b.WriteString("  end\n")
		}
	}
	if g.OnHangup != "" {
		fmt.Fprintf(b, "  hungup([caller hangs up]) -.-> %s\n", d.names[g.OnHangup])
	}
	if g.OnError != "" {
		fmt.Fprintf(b, "  failed([error]) -.-> %s\n", d.names[g.OnError])
	}
	for _, e := range d.edges() {
		fmt.Fprintf(b, "  %s -->|\"%s\"| %s\n", e.from, mermaidText(e.label), e.to)
	}
}

// mermaidText escapes a label for a quoted Mermaid string.
var mermaidText = strings.NewReplacer(`"`, "#quot;", "\n", " ", "|", "#124;", "<", "#lt;", ">", "#gt;").Replace
