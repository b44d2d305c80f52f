// Package schema owns the flow language: what a flow file may say, and every
// check that needs only the file itself. It is the only package that reads YAML.
//
// # Stages
//
// A flow file goes through three stages, each with its own type:
//
//  1. [Parse] reads YAML once into a node tree and decodes it into a
//     [Document] that keeps the line and column of every node.
//  2. [Validate] checks the Document: the JSON Schema, then the rules a schema
//     cannot state (ids, jumps, durations, media, reachability, loops).
//  3. engine.Compile (not here) compiles expressions and builds the state
//     machine. engine.Load runs the three in order; `flowrunner validate` and
//     `serve` both use it.
//
// # The schema
//
// [FlowSchemaJSON] is flow.schema.json (JSON Schema 2020-12), embedded. It is
// what editors use for completion and hover (`flowrunner schema` prints it),
// and what Validate checks files against, so the two cannot drift. The Go side
// of the language (the decoder's key tables, the action table with outcomes,
// [ReservedNames], [HangupReasons], [MediaSchemes]) is tested against it.
//
// # Diagnostics
//
// Every problem is a [Diagnostic] rendered as
//
//	file:line:col: flow "x" step "y": message
//
// All problems are reported at once, sorted by position. Parse and Validate
// never panic and never hang, whatever the input: files are capped at
// [MaxFileSize], and YAML anchors and aliases are rejected instead of expanded,
// so alias bombs cost nothing.
//
// # Concurrency
//
// Parse, ParseFile and Validate are safe for concurrent use. A Document is
// immutable once Validate has run and may then be shared.
package schema
