package main

import (
	"os"
	"strings"
	"testing"
)

func TestGraphCommand(t *testing.T) {
	code, out, errs := runCmd(t, runGraph, "../../examples/ivr-menu.yaml")
	want, err := os.ReadFile("../../graph/testdata/golden/examples-ivr-menu.mmd")
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK || out != string(want) || errs != "" {
		t.Errorf("graph = %d, stderr %q; stdout:\n%s", code, errs, out)
	}
	code, out, _ = runCmd(t, runGraph, "--format", "dot", "../../examples/ivr-menu.yaml")
	if code != exitOK || !strings.HasPrefix(out, `digraph "ivr-menu" {`) {
		t.Errorf("graph --format dot = %d:\n%s", code, out)
	}
}

func TestGraphErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.yaml": "name: bad\nsteps:\n  - goto: nowhere\n"})
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{nil, exitUsage, "want exactly one FLOW file"},
		{[]string{"--format", "svg", "x.yaml"}, exitUsage, `unknown format "svg"`},
		{[]string{dir + "/missing.yaml"}, exitUsage, "cannot read"},
		{[]string{dir + "/bad.yaml"}, exitInvalid, `bad.yaml:3:11: flow "bad" step #1 (goto): goto "nowhere"`},
	} {
		code, _, errs := runCmd(t, runGraph, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.err) {
			t.Errorf("graph %v = %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.err)
		}
	}
}
