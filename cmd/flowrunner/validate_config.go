package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowrunner/flowrunner/schema"
)

// validateConfigFile parses a node config file as serve --config reads it,
// without reading its secrets, for `flowrunner validate --config FILE
// [PATH...]`: the file counts as one file in validate's summary. ok is false
// when the file cannot be read at all (a usage error, reported on stderr).
func validateConfigFile(configFile string, stderr io.Writer) (diags schema.Diagnostics, ok bool) {
	if info, err := os.Stat(configFile); err != nil || info.IsDir() {
		msg := "is a directory"
		if err != nil {
			msg = err.Error()
		}
		fmt.Fprintf(stderr, "flowrunner validate: --config %s: %s\n", configFile, strings.TrimPrefix(msg, "stat "+configFile+": "))
		return nil, false
	}
	_, diags = schema.ParseConfigFile(configFile)
	return diags, true
}
