package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowrunner/flowrunner/bench"
	"github.com/flowrunner/flowrunner/engine"
)

const benchSynopsis = `bench [flags]

Measures flowrunner under load: calls are placed into a flow (the built-in
hello-world by default) on the ARI simulator, which runs as a child process
so that this process's CPU time is flowrunner's alone. It prints calls
placed per second, the peak of concurrent calls, the latency from an ARI
event's arrival to the REST request it causes (p50/p99/max), heap per live
call, CPU per call and errors. With --baseline the same calls also run
through a minimal hand-written Go ARI app (bench/baseline) and the CPU ratio
is printed.

  flowrunner bench                                     # 10,000 hello-world calls at 1,000/s
  flowrunner bench --baseline                          # and the ratio to the baseline
  flowrunner bench --flow bench/flows/hold.yaml --calls 10000 --rate 2000 --hold 15s
  flowrunner bench --ari-url http://asterisk:8088/ari --ari-user u --ari-password p --calls 500 --rate 50

Against a real Asterisk (--ari-url), calls are originated from this process
to --originate-endpoint, a dialplan extension that answers and stays on the
line (see docs/performance.md). Exit status 1 if any call failed.`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", benchSynopsis, stderr)
	flowFile := fs.String("flow", "", "flow file the calls run (default: the built-in hello-world); flows it calls with call: are not loaded")
	calls := fs.Int("calls", 10000, "calls to place (0: until --duration)")
	rate := rateFlag(1000)
	fs.Var(&rate, "rate", "new calls per second: `R` or R/s, e.g. 1000/s (0: as fast as --concurrency allows)")
	concurrency := fs.Int("concurrency", 0, "most calls live at once (0: no cap)")
	duration := fs.Duration("duration", 0, "stop placing calls after this long (0: no limit)")
	hold := fs.Duration("hold", 0, "callers hang up this long after their call starts (for flows that wait; simulator only)")
	baseline := fs.Bool("baseline", false, "also run the calls through the hand-written baseline app and print the CPU ratio (hello-world only)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	sim := fs.String("sim", "child", "where the built-in simulator runs: child (a child process) or inprocess (CPU per call then includes it)")
	ariURL := fs.String("ari-url", "", "benchmark against this ARI instead of the simulator, e.g. http://127.0.0.1:8088/ari")
	ariUser := fs.String("ari-user", envDefault("FLOWRUNNER_ARI_USER", ""), "ARI user for --ari-url [FLOWRUNNER_ARI_USER]")
	ariPassword := fs.String("ari-password", envDefault("FLOWRUNNER_ARI_PASSWORD", ""), "ARI password for --ari-url [FLOWRUNNER_ARI_PASSWORD]")
	endpoint := fs.String("originate-endpoint", bench.DefaultOriginateEndpoint, "with --ari-url: where calls are originated")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process during the run to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	opts := bench.Options{Calls: *calls, Rate: float64(rate), Concurrency: *concurrency, Duration: *duration,
		Hold: *hold, Baseline: *baseline, ARIURL: *ariURL, ARIUser: *ariUser, ARIPassword: *ariPassword,
		OriginateEndpoint: *endpoint}
	switch *sim {
	case "child":
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(stderr, "bench: cannot find this executable to run the simulator:", err)
			return exitUsage
		}
		opts.Sim, opts.SimCommand, opts.SimEnv = bench.SimChild, []string{exe}, os.Environ()
	case "inprocess":
		opts.Sim = bench.SimInProcess
	default:
		fmt.Fprintf(stderr, "bench: bad --sim %q: use child or inprocess\n", *sim)
		return exitUsage
	}
	if *flowFile != "" {
		f, diags := engine.LoadFile(*flowFile)
		if f == nil {
			fmt.Fprint(stderr, diags.Error())
			return exitInvalid
		}
		opts.Flow = f
	}
	if !*quiet {
		opts.Progress = stderr
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "bench: --cpuprofile:", err)
			return exitUsage
		}
		defer stop()
	}
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return exitUsage
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printBenchReport(stdout, rep)
	}
	for _, r := range rep.Runs {
		if r.Errors > 0 || r.Failed > 0 {
			return exitInvalid
		}
	}
	return exitOK
}

func printBenchReport(w io.Writer, rep *bench.Report) {
	shape := fmt.Sprintf("%d calls", rep.Calls)
	if rep.Calls == 0 {
		shape = "calls for " + rep.Duration.String()
	}
	if rep.Rate > 0 {
		shape += fmt.Sprintf(" at %g/s", rep.Rate)
	}
	if rep.Concurrency > 0 {
		shape += fmt.Sprintf(", at most %d at once", rep.Concurrency)
	}
	if rep.Hold > 0 {
		shape += ", callers hang up after " + rep.Hold.String()
	}
	fmt.Fprintf(w, "flowrunner bench: flow %s, %s\ntarget: %s, %d cores\n\n", rep.Flow, shape, rep.Target, rep.Cores)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	row := func(label string, f func(r bench.AppReport) string) {
		cells := []string{label}
		for _, r := range rep.Runs {
			cells = append(cells, f(r))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	row("", func(r bench.AppReport) string { return r.App })
	row("calls placed / completed", func(r bench.AppReport) string { return fmt.Sprintf("%d / %d", r.Placed, r.Completed) })
	row("new calls per second", func(r bench.AppReport) string { return fmt.Sprintf("%.0f", r.NewCallsPerSecond) })
	row("peak concurrent calls", func(r bench.AppReport) string { return fmt.Sprint(r.PeakConcurrent) })
	row("event → request p50 / p99 / max", func(r bench.AppReport) string { return latencyCell(r.EventLatency) })
	row("any cause → request p50 / p99 / max", func(r bench.AppReport) string { return latencyCell(r.ActionLatency) })
	row("heap per live call", func(r bench.AppReport) string {
		return fmt.Sprintf("%.1f KiB (%d live)", float64(r.HeapPerLiveCall)/1024, r.LiveAtHeapSample)
	})
	row("CPU per call", func(r bench.AppReport) string { return micros(r.CPUPerCall) })
	row("simulator CPU per call", func(r bench.AppReport) string { return micros(r.SimCPUPerCall) })
	row("errors", func(r bench.AppReport) string { return fmt.Sprint(r.Errors + r.Failed) })
	tw.Flush()
	if rep.CPURatio > 0 {
		fmt.Fprintf(w, "\nCPU per call, flowrunner / baseline: %.2f\n", rep.CPURatio)
	}
	for _, r := range rep.Runs {
		for reason, n := range r.EndReasons {
			fmt.Fprintf(w, "%s: %d calls ended %s\n", r.App, n, reason)
		}
		if r.Warnings > 0 {
			fmt.Fprintf(w, "%s: %d warnings; the first: %s\n", r.App, r.Warnings, strings.Join(r.FirstWarnings, "; "))
		}
	}
}

func latencyCell(l *bench.Latency) string {
	if l == nil || l.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f / %.2f / %.2f ms", l.P50, l.P99, l.Max)
}

func micros(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%d µs", d.Microseconds())
}

// startCPUProfile profiles this process into file until the returned stop.
func startCPUProfile(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// rateFlag is a --rate value: calls per second, written 1000 or 1000/s.
type rateFlag float64

func (r *rateFlag) String() string { return strconv.FormatFloat(float64(*r), 'f', -1, 64) }

func (r *rateFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "/s"), 64)
	if err != nil {
		return fmt.Errorf("want calls per second, e.g. 1000 or 1000/s")
	}
	*r = rateFlag(v)
	return nil
}
