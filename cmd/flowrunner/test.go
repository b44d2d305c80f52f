package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/flowtest"
)

const testUsage = `Usage: flowrunner test [--run REGEX] [--junit FILE] [--coverage] PATH...

Runs flow tests offline: each case of each *.test.yaml file places one
scripted call on the built-in ARI simulator, on a virtual clock, and checks
the steps entered, prompts played, ARI actions, log lines, how the call
ended and its duration. A PATH is a test file, a flow file (main.yaml runs
main.test.yaml), or a directory, searched recursively for *.test.yaml and
*.test.yml.

Each case prints "ok" or "FAIL"; a failure is followed by every expectation
that did not hold, at its file:line:col, with a diff (-want +got).

Flags:
  --run REGEX
        run only the cases whose "file: name" matches REGEX.
  --junit FILE
        also write the results as JUnit XML to FILE.
  --coverage
        report, per flow, the steps and the routed outcomes and menu keys
        the cases exercised, and list the ones they did not.

Exit status:
  0  every case passed
  1  a case failed, or a test file is invalid
  2  usage error, a PATH that cannot be read, or no test files
`

// runTest is `flowrunner test`.
func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runRE := fs.String("run", "", "")
	junit := fs.String("junit", "", "")
	coverage := fs.Bool("coverage", false, "")
	paths, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, testUsage)
		return exitOK
	case err != nil:
		return testUsageError(stderr, err.Error())
	case len(paths) == 0:
		return testUsageError(stderr, "no PATH given")
	}
	filter, err := regexp.Compile(*runRE)
	if err != nil {
		return testUsageError(stderr, fmt.Sprintf("--run: %v", err))
	}
	files, err := flowtest.TestFiles(paths...)
	if err != nil {
		fmt.Fprintf(stderr, "flowrunner test: %v\n", err)
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "flowrunner test: no test files (*.test.yaml) in %s\n", strings.Join(paths, ", "))
		return exitUsage
	}
	start := time.Now()
	var results []flowtest.FileResult
	var covs []*flowtest.Coverage
	passed, failed, invalid := 0, 0, 0
	for _, file := range files {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "flowrunner test: interrupted")
			return exitUsage
		}
		fr := flowtest.FileResult{File: file}
		suite, diags := flowtest.Load(file)
		if suite == nil {
			invalid++
			fr.Problem = diags.Error()
			fmt.Fprintf(stdout, "FAIL  %s: invalid test file\n", file)
			for _, d := range diags {
				fmt.Fprintf(stdout, "      %s\n", flowtest.Indent(d.Error()))
			}
			results = append(results, fr)
			continue
		}
		cov := suite.NewCoverage()
		for _, tc := range suite.File.Cases {
			if !filter.MatchString(file + ": " + tc.Name.Value) {
				continue
			}
			r := suite.Run(tc)
			fr.Results = append(fr.Results, r)
			cov.Add(suite.Graph, r.Actual)
			r.Write(stdout, file, true)
			if len(r.Failures) == 0 {
				passed++
			} else {
				failed++
			}
		}
		results = append(results, fr)
		covs = append(covs, cov)
	}
	if *coverage {
		for _, c := range covs {
			c.Write(stdout)
		}
	}
	if *junit != "" {
		f, err := os.Create(*junit)
		if err == nil {
			err = flowtest.WriteJUnit(f, results)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "flowrunner test: --junit: %v\n", err)
			return exitUsage
		}
	}
	fmt.Fprintf(stderr, "%d passed, %d failed, %d invalid test files in %s\n",
		passed, failed, invalid, time.Since(start).Round(time.Millisecond))
	if failed > 0 || invalid > 0 {
		return exitInvalid
	}
	return exitOK
}

func testUsageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "flowrunner test: %s\n\n%s", msg, testUsage)
	return exitUsage
}
