package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/flowrunner/flowrunner/schema"
	"sigs.k8s.io/yaml"
)

const schemaUsage = `Usage: flowrunner schema [--format json|yaml] [--config]

Prints the JSON Schema (2020-12) of flow files: the schema validate checks
files against. Editors use it for completion, hover and checks; with the
YAML language server, start a flow file with
  # yaml-language-server: $schema=<path to>/flow.schema.json

Flags:
  --format json|yaml
        json (the default) prints the schema as embedded; yaml prints the same
        schema as YAML.
  --config
        print the schema of node config files (serve --config) instead:
        config.schema.json.

Exit status:
  0  printed
  2  usage error
`

// runSchema is `flowrunner schema`.
func runSchema(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "json", "")
	config := fs.Bool("config", false, "")
	rest, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, schemaUsage)
		return exitOK
	case err != nil:
		return schemaUsageError(stderr, err.Error())
	case len(rest) > 0:
		return schemaUsageError(stderr, fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	out := schema.FlowSchemaJSON
	if *config {
		out = schema.ConfigSchemaJSON
	}
	switch *format {
	case "json":
	case "yaml":
		if out, err = yaml.JSONToYAML(out); err != nil {
			fmt.Fprintf(stderr, "flowrunner schema: %v\n", err)
			return exitUsage
		}
	default:
		return schemaUsageError(stderr, fmt.Sprintf("unknown format %q: use json or yaml", *format))
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "flowrunner schema: %v\n", err)
		return exitUsage
	}
	return exitOK
}

func schemaUsageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "flowrunner schema: %s\n\n%s", msg, schemaUsage)
	return exitUsage
}
