package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestExamples runs `flowrunner test --coverage --junit F examples flows`,
// as the project's CI does: every case passes.
func TestTestExamples(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errs := runCmd(t, runTest, "--coverage", "--junit", junit, "../../examples", "../../flows")
	if code != exitOK || strings.Contains(out, "FAIL") {
		t.Fatalf("test = %d, stderr %q; stdout:\n%s", code, errs, out)
	}
	for _, want := range []string{
		"ok    ../../examples/ivr-menu.test.yaml: sales (",
		"coverage: ../../examples/ivr-menu.yaml: steps 10/10 (100.0%), outcomes 8/8 (100.0%)",
		"ok    ../../flows/hello-world.test.yaml: caller listens to the end (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, " passed, 0 failed, 0 invalid test files in ") {
		t.Errorf("stderr %q", errs)
	}
	x, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(x), `<testsuite name="../../examples/ivr-menu.test.yaml" tests="6" failures="0"`) {
		t.Errorf("junit: %v\n%s", err, x)
	}
}

func TestTestFailures(t *testing.T) {
	code, out, _ := runCmd(t, runTest, "--run", "wrong key", "../../flowtest/testdata/broken")
	if code != exitInvalid || !strings.Contains(out, "FAIL  ../../flowtest/testdata/broken/ivr-menu.test.yaml: wrong key expected") ||
		!strings.Contains(out, "ivr-menu.test.yaml:6:13: path differs (-want +got):\n") || strings.Contains(out, "right") {
		t.Errorf("test = %d:\n%s", code, out)
	}
	code, out, _ = runCmd(t, runTest, "../../examples/hello-world.yaml")
	if code != exitOK || !strings.Contains(out, "ok    ../../examples/hello-world.test.yaml: caller listens to the end") {
		t.Errorf("test of a flow file = %d:\n%s", code, out)
	}
	code, out, _ = runCmd(t, runTest, "../../flowtest/testdata/bad/schema.test.yaml")
	if code != exitInvalid || !strings.Contains(out, `schema.test.yaml:3:31: unknown key "pathh"`) {
		t.Errorf("test = %d:\n%s", code, out)
	}
}

func TestTestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, "no PATH given"},
		{[]string{"--run", "(", "x"}, "--run:"},
		{[]string{"missing-dir"}, "no such file"},
		{[]string{"../../schema"}, "no test files"},
		{[]string{"../../schema/flow.schema.json"}, "is not a test file (*.test.yaml), and has none beside it"},
	} {
		code, _, errs := runCmd(t, runTest, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.err) {
			t.Errorf("test %v = %d, %q; want 2 and %q", tc.args, code, errs, tc.err)
		}
	}
}
