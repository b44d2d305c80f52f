package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/schema"
)

const validateUsage = `Usage: flowrunner validate [--format text|json|github] [--strict] [--config FILE] PATH...

Checks flow files exactly as serve loads them: YAML, the flow schema, the
flow rules (ids, jumps, durations, media, reachability, loops) and every
expression. A PATH is a flow file or a directory, searched
recursively for *.yaml and *.yml (skipping flow tests, *.test.yaml, and
hidden entries).

Problems go to stdout, one per line, as
  file:line:col: flow "x" step "y": message
and a summary line goes to stderr.

Flags:
  --format text|json|github
        text (the default): one problem per line, as above.
        json: an array of {file, line, col, flow, step, severity, message}.
        github: GitHub Actions commands (::error file=F,line=L,col=C::message)
        that annotate a pull request.
  --strict
        treat warnings (unreachable steps, loops that never wait) as errors.
  --config FILE
        also check a node config file (serve --config): its schema, unique
        names, url+app pairs; PATHs may then be left out. Secrets are not read.

Exit status:
  0  every file is valid (warnings allowed without --strict)
  1  a file is invalid, or has warnings under --strict
  2  usage error, a PATH that cannot be read, or interrupted
`

// runValidate is `flowrunner validate`.
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if os.Getenv("GOGC") == "" {
		// A batch that allocates much and keeps little: collecting less
		// often makes it about a quarter faster for a few tens of MiB.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "")
	strict := fs.Bool("strict", false, "")
	configFile := fs.String("config", "", "")
	paths, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, validateUsage)
		return exitOK
	case err != nil:
		return validateUsageError(stderr, err.Error())
	case len(paths) == 0 && *configFile == "":
		return validateUsageError(stderr, "no PATH given")
	}
	write, ok := validateFormats[*format]
	if !ok {
		return validateUsageError(stderr, fmt.Sprintf("unknown format %q: use text, json or github", *format))
	}
	var results []schema.Diagnostics
	if *configFile != "" {
		diags, ok := validateConfigFile(*configFile, stderr) // validate_config.go
		if !ok {
			return exitUsage
		}
		results = append(results, diags)
	}
	var files []string
	if len(paths) > 0 {
		if files, err = engine.FlowFiles(paths...); err != nil {
			fmt.Fprintf(stderr, "flowrunner validate: %v\n", err)
			return exitUsage
		}
		if len(files) == 0 {
			fmt.Fprintf(stderr, "flowrunner validate: no flow files (*.yaml, *.yml) in %s\n", strings.Join(paths, ", "))
			return exitUsage
		}
	}
	results = append(results, validateFiles(ctx, files)...)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "flowrunner validate: interrupted")
		return exitUsage
	}
	var all schema.Diagnostics
	var sum validateSummary
	for _, diags := range results {
		all = append(all, diags...)
		sum.add(diags, *strict)
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

func validateUsageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "flowrunner validate: %s\n\n%s", msg, validateUsage)
	return exitUsage
}

// validateFiles loads every file on all CPUs; results are in file order.
func validateFiles(ctx context.Context, files []string) []schema.Diagnostics {
	results := make([]schema.Diagnostics, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				_, diags := engine.LoadFile(files[i])
				for j := range diags {
					if diags[j].File == "" {
						diags[j].File = files[i]
					}
				}
				diags.Sort()
				results[i] = diags
			}
		})
	}
	wg.Wait()
	return results
}

// validateSummary counts files and problems for the summary line.
type validateSummary struct {
	files, invalid, errors, warnings int
}

func (s *validateSummary) add(diags schema.Diagnostics, strict bool) {
	s.files++
	errs := len(diags.Errors())
	warns := len(diags) - errs
	s.errors += errs
	s.warnings += warns
	if errs > 0 || (strict && warns > 0) {
		s.invalid++
	}
}

// String reads like "3 files: 2 valid, 1 invalid (4 errors, 1 warning)".
func (s validateSummary) String() string {
	out := fmt.Sprintf("%s: %d valid, %d invalid", countNoun(s.files, "file"), s.files-s.invalid, s.invalid)
	if s.errors+s.warnings > 0 {
		out += fmt.Sprintf(" (%s, %s)", countNoun(s.errors, "error"), countNoun(s.warnings, "warning"))
	}
	return out
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

var validateFormats = map[string]func(io.Writer, schema.Diagnostics) error{
	"text":   writeValidateText,
	"json":   writeValidateJSON,
	"github": writeValidateGitHub,
}

func writeValidateText(w io.Writer, diags schema.Diagnostics) error {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Error())
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// validateJSON is one problem in --format json.
type validateJSON struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Flow     string `json:"flow"`
	Step     string `json:"step"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func writeValidateJSON(w io.Writer, diags schema.Diagnostics) error {
	out := make([]validateJSON, len(diags))
	for i, d := range diags {
		out[i] = validateJSON{
			File: d.File, Line: d.Pos.Line, Col: d.Pos.Col, Flow: d.Flow, Step: d.Step,
			Severity: d.Severity.String(), Message: d.Msg,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeValidateGitHub writes GitHub Actions workflow commands, which become
// annotations on the lines of a pull request.
func writeValidateGitHub(w io.Writer, diags schema.Diagnostics) error {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "::%s file=%s", d.Severity, ghProperty(d.File))
		if d.Pos.IsValid() {
			fmt.Fprintf(&b, ",line=%d,col=%d", d.Pos.Line, d.Pos.Col)
		}
		var where []string
		if d.Flow != "" {
			where = append(where, fmt.Sprintf("flow %q", d.Flow))
		}
		if d.Step != "" {
			where = append(where, "step "+d.Step)
		}
		msg := d.Msg
		if len(where) > 0 {
			msg = strings.Join(where, " ") + ": " + msg
		}
		b.WriteString("::")
		b.WriteString(ghData(msg))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func ghData(s string) string     { return ghDataEscaper.Replace(s) }
func ghProperty(s string) string { return ghPropertyEscaper.Replace(s) }
