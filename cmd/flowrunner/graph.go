package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/graph"
)

const graphUsage = `Usage: flowrunner graph [--format mermaid|dot] FLOW

Prints a diagram of a flow file: steps as nodes (grouped into steps,
on_hangup and on_error), edges labelled with the outcome, menu key, switch
case or condition that takes them ("then" is the fall-through to the next
step, "call" a sub-flow call). The output is deterministic.

Flags:
  --format mermaid|dot
        mermaid (the default): a Mermaid flowchart, e.g. for a Markdown
        code block rendered by GitHub.
        dot: a Graphviz digraph (dot -Tsvg).

Exit status:
  0  the diagram was printed
  1  the flow is invalid (its problems go to stderr)
  2  usage error or unreadable file
`

// runGraph is `flowrunner graph`.
func runGraph(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "mermaid", "")
	paths, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, graphUsage)
		return exitOK
	case err != nil:
		return graphUsageError(stderr, err.Error())
	case len(paths) != 1:
		return graphUsageError(stderr, "want exactly one FLOW file")
	case *format != "mermaid" && *format != "dot":
		return graphUsageError(stderr, fmt.Sprintf("unknown format %q: use mermaid or dot", *format))
	}
	flow, diags := engine.LoadFile(paths[0])
	if flow == nil {
		for _, d := range diags.Errors() {
			fmt.Fprintln(stderr, d.Error())
		}
		if len(diags.Errors()) == 1 && diags[0].Pos.Line == 0 {
			return exitUsage // unreadable
		}
		return exitInvalid
	}
	if err := graph.Write(stdout, flow.Graph(), *format); err != nil {
		fmt.Fprintf(stderr, "flowrunner graph: %v\n", err)
		return exitUsage
	}
	return exitOK
}

func graphUsageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "flowrunner graph: %s\n\n%s", msg, graphUsage)
	return exitUsage
}
