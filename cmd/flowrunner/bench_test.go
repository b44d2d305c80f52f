package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/bench"
)

// TestBenchWithChildSimulator runs bench as a user would: the simulator in a
// child process (this test binary, re-executed as flowrunner sim-server).
func TestBenchWithChildSimulator(t *testing.T) {
	t.Setenv("FLOWRUNNER_TEST_MAIN", "1") // inherited by the child: it runs as flowrunner
	code, stdout, stderr := runCmd(t, runBench, "--calls", "30", "--rate", "0", "--json", "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v in:\n%s", err, stdout)
	}
	if rep.Target != "simulator (child process)" || len(rep.Runs) != 1 {
		t.Fatalf("report %+v", rep)
	}
	r := rep.Runs[0]
	if r.Completed != 30 || r.Errors != 0 || r.CPUPerCall <= 0 || r.SimCPUPerCall <= 0 {
		t.Errorf("want 30 calls and the CPU of both processes: %+v", r)
	}
	if stderr != "" {
		t.Errorf("--quiet printed %q", stderr)
	}
}

func TestBenchTextReport(t *testing.T) {
	code, stdout, stderr := runCmd(t, runBench, "--sim", "inprocess", "--calls", "12", "--rate", "1000/s", "--concurrency", "4")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"flow hello-world, 12 calls at 1000/s, at most 4 at once", "simulator (in this process)",
		"calls placed / completed", "12 / 12", "peak concurrent calls", "event → request p50 / p99 / max", "heap per live call",
		"CPU per call", "errors"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "placed") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
}

func TestBenchBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--sim", "nowhere"}, exitUsage, `bad --sim "nowhere"`},
		{[]string{"--calls", "0"}, exitUsage, "set the number of calls or a duration"},
		{[]string{"--rate", "-5", "--sim", "inprocess"}, exitUsage, "must not be negative"},
		{[]string{"--rate", "fast"}, exitUsage, "want calls per second"},
		{[]string{"extra"}, exitUsage, "unexpected arguments"},
		{[]string{"--flow", "../../testdata/bad/unknown-key.yaml"}, exitInvalid, "unknown-key.yaml:"},
		{[]string{"--flow", "../../examples/ivr-menu.yaml", "--baseline", "--sim", "inprocess"}, exitUsage, "cannot be compared"},
	} {
		code, _, stderr := runCmd(t, runBench, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
