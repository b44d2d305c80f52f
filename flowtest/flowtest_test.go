package flowtest_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/flowtest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name.golden, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./flowtest -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s; got:\n%s", path, got)
	}
}

// runDir loads and runs every test file of dir, and returns the report
// without wall times.
func runDir(t *testing.T, dir string) string {
	t.Helper()
	files, err := flowtest.TestFiles(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("test files in %s: %v, %v", dir, files, err)
	}
	var b bytes.Buffer
	for _, file := range files {
		suite, diags := flowtest.Load(file)
		if suite == nil {
			b.WriteString("invalid: " + file + "\n")
			for _, d := range diags {
				b.WriteString("  " + d.Error() + "\n")
			}
			continue
		}
		for _, tc := range suite.File.Cases {
			suite.Run(tc).Write(&b, file, false)
		}
	}
	return b.String()
}

// TestBrokenExpectations runs cases whose expectations are deliberately
// wrong: each failure is reported at the expectation's file:line:col with a
// diff (-want +got).
func TestBrokenExpectations(t *testing.T) {
	golden(t, "broken", runDir(t, "testdata/broken"))
}

// TestBadTestFiles checks that invalid test files (YAML, schema, a missing
// flow, step or prompt, a bad script, duplicate cases) fail at file:line:col.
func TestBadTestFiles(t *testing.T) {
	golden(t, "bad", runDir(t, "testdata/bad"))
}

// TestNeverEnding checks that a flow that never ends is stopped by its step
// budget in virtual time, and reported.
func TestNeverEnding(t *testing.T) {
	out := runDir(t, "testdata/loop")
	if !strings.HasPrefix(out, "ok  ") || strings.Contains(out, "FAIL") {
		t.Errorf("got:\n%s", out)
	}
}

// TestExamples runs the tests of every example and of flows/, twice: they
// pass, and the second run sees exactly what the first saw.
func TestExamples(t *testing.T) {
	files, err := flowtest.TestFiles("../examples", "../flows")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		suite, diags := flowtest.Load(file)
		if suite == nil {
			t.Errorf("%s: %v", file, diags)
			continue
		}
		cov := suite.NewCoverage()
		for _, tc := range suite.File.Cases {
			first := suite.Run(tc)
			if len(first.Failures) > 0 {
				var b bytes.Buffer
				first.Write(&b, file, false)
				t.Error(b.String())
			}
			if again := suite.Run(tc); !reflect.DeepEqual(first.Actual, again.Actual) {
				t.Errorf("%s: %s: two runs differ:\n%+v\n%+v", file, tc.Name.Value, first.Actual, again.Actual)
			}
			cov.Add(suite.Graph, first.Actual)
		}
		var b bytes.Buffer
		cov.Write(&b)
		if !strings.Contains(b.String(), "steps") {
			t.Errorf("coverage: %s", b.String())
		}
		full := !strings.Contains(b.String(), "never")
		if want := !strings.HasSuffix(file, "call-forward.test.yaml"); full != want {
			t.Errorf("%s", b.String())
		}
	}
}

func TestWriteJUnit(t *testing.T) {
	suite, diags := flowtest.Load("testdata/broken/ivr-menu.test.yaml")
	if suite == nil {
		t.Fatal(diags)
	}
	fr := flowtest.FileResult{File: "ivr-menu.test.yaml"}
	for _, tc := range suite.File.Cases {
		r := suite.Run(tc)
		r.Elapsed = 0
		fr.Results = append(fr.Results, r)
	}
	var b bytes.Buffer
	if err := flowtest.WriteJUnit(&b, []flowtest.FileResult{fr, {File: "bad.test.yaml", Problem: "bad.test.yaml:1:1: oops"}}); err != nil {
		t.Fatal(err)
	}
	golden(t, "junit", b.String())
}

// TestSubflows runs a flow whose call step runs a flow beside it.
func TestSubflows(t *testing.T) {
	out := runDir(t, "testdata/subflow")
	if strings.Count(out, "ok  ") != 2 || strings.Contains(out, "FAIL") {
		t.Errorf("got:\n%s", out)
	}
}
