package main

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSimulateHelloWorldGolden runs the README's first command and compares
// its output with a golden file, which the README must quote verbatim.
// Run with -update to rewrite the golden file after an intended change.
func TestSimulateHelloWorldGolden(t *testing.T) {
	code, stdout, stderr := runCmd(t, runSimulate, "../../examples/hello-world.yaml")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	got := strings.ReplaceAll(stdout, "../../examples/", "examples/")
	const golden = "testdata/simulate-hello-world.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(timeline(got), timeline(string(want))) {
		t.Fatalf("simulate output changed (rerun with -update if intended):\n--- got\n%s--- want\n%s", got, want)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		if !strings.Contains(string(readme), line+"\n") {
			t.Fatalf("README.md does not show the current output of `simulate examples/hello-world.yaml` (missing %q); paste testdata/simulate-hello-world.golden into it", line)
		}
	}
}

// timeline normalises simulate's output for comparison: lines that share a
// virtual time come from the simulator and the engine concurrently, so within
// one instant their order is not fixed; it is sorted.
func timeline(out string) []string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	stamp := func(l string) string { f := strings.Fields(l); return f[0] }
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && strings.HasSuffix(stamp(lines[i]), "s") && stamp(lines[j]) == stamp(lines[i]) {
			j++
		}
		slices.Sort(lines[i:j])
		i = j
	}
	return lines
}

func TestSimulateExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{}, exitUsage},
		{[]string{"--script", "dtmf=x@1s", "../../examples/hello-world.yaml"}, exitUsage},
		{[]string{"../../testdata/bad/dangling-goto.yaml"}, exitInvalid},
		{[]string{"../../examples/hello-world.yaml", "--hangup-at", "1s"}, exitOK},
	} {
		if code, _, stderr := runCmd(t, runSimulate, tc.args...); code != tc.code {
			t.Errorf("simulate %v: exit %d, want %d\n%s", tc.args, code, tc.code, stderr)
		}
	}
}
