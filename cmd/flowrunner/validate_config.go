package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/schema"
)

// validateConfig is `flowrunner validate --config FILE [PATH...]`: the node
// config file as serve --config reads it (without reading its secrets),
// then the flows in paths, if any, as validate checks them. Output, summary
// and exit codes are validate's; the config file counts as one file.
func validateConfig(ctx context.Context, configFile string, paths []string,
	write func(io.Writer, schema.Diagnostics) error, strict bool, stdout, stderr io.Writer) int {
	if info, err := os.Stat(configFile); err != nil || info.IsDir() {
		msg := "is a directory"
		if err != nil {
			msg = err.Error()
		}
		fmt.Fprintf(stderr, "flowrunner validate: --config %s: %s\n", configFile, strings.TrimPrefix(msg, "stat "+configFile+": "))
		return exitUsage
	}
	_, configDiags := schema.ParseConfigFile(configFile)
	var files []string
	if len(paths) > 0 {
		var err error
		if files, err = engine.FlowFiles(paths...); err != nil {
			fmt.Fprintf(stderr, "flowrunner validate: %v\n", err)
			return exitUsage
		}
		if len(files) == 0 {
			fmt.Fprintf(stderr, "flowrunner validate: no flow files (*.yaml, *.yml) in %s\n", strings.Join(paths, ", "))
			return exitUsage
		}
	}
	results := append([]schema.Diagnostics{configDiags}, validateFiles(ctx, files)...)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "flowrunner validate: interrupted")
		return exitUsage
	}
	var all schema.Diagnostics
	var sum validateSummary
	for _, diags := range results {
		all = append(all, diags...)
		sum.add(diags, strict)
	}
	if err := write(stdout, all); err != nil {
		fmt.Fprintf(stderr, "flowrunner validate: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, sum.String())
	if sum.invalid > 0 {
		return exitInvalid
	}
	return exitOK
}
