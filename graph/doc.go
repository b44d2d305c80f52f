// Package graph renders a compiled flow's [engine.Graph] as a diagram:
// Mermaid (for Markdown, e.g. GitHub READMEs) or Graphviz DOT.
//
// # Output
//
// Steps are nodes grouped by section (steps, on_hangup, on_error), labelled
// with their id (or position) and action; edges carry the outcome, menu key,
// switch case or condition that takes them. A start node points at the first
// step, and dashed edges from "caller hangs up" and "error" point at
// on_hangup and on_error. Output is deterministic: the same flow renders to
// the same bytes, so diagrams can be golden files.
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package graph
