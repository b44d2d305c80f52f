package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
)

// SimMode says where the built-in simulator runs.
type SimMode int

const (
	// SimChild runs the simulator as a child process (Options.SimCommand),
	// so that this process's CPU time is the app's alone.
	SimChild SimMode = iota
	// SimInProcess runs it in this process: CPU per call then includes the
	// simulator's work.
	SimInProcess
)

// Options configure a benchmark run. Zero values take the defaults of
// `flowrunner bench`.
type Options struct {
	// Flow is the flow calls run; nil means the built-in hello-world.
	Flow *engine.Flow
	// Calls, Rate, Concurrency and Duration shape the load: Calls calls
	// (0: until Duration), Rate new calls per second (0: as fast as
	// Concurrency allows), at most Concurrency live at once (0: no cap),
	// placing for at most Duration (0: no limit).
	Calls       int
	Rate        float64
	Concurrency int
	Duration    time.Duration
	// Hold makes each caller hang up this long after its call starts (with
	// a flow that waits, to measure held calls); 0 leaves the ending to the
	// flow. Simulator only.
	Hold time.Duration
	// Baseline also runs the same calls through the hand-written ARI app of
	// bench/baseline (hello-world only) and reports the CPU ratio.
	Baseline bool

	// Sim and SimCommand select the built-in simulator: SimCommand is the
	// command that runs flowrunner (e.g. its own executable), to which
	// "sim-server" and flags are appended; SimEnv its environment.
	Sim        SimMode
	SimCommand []string
	SimEnv     []string
	// ARIURL, if set, targets a real Asterisk instead (ARIUser and
	// ARIPassword its credentials): calls are originated from this process
	// to OriginateEndpoint (default Local/s@flowrunner-bench).
	ARIURL, ARIUser, ARIPassword string
	OriginateEndpoint            string

	// Progress, if set, receives a line per second while a run goes on.
	Progress io.Writer
	// EndTimeout bounds the wait for calls to end once placing is over
	// (default Hold + 60s); calls still live then count as errors.
	EndTimeout time.Duration
}

// DefaultOriginateEndpoint is where calls are originated on a real Asterisk:
// a dialplan context that answers and stays on the line (see docs/performance.md).
const DefaultOriginateEndpoint = "Local/s@flowrunner-bench"

// Report is the result of Run.
type Report struct {
	Flow        string        `json:"flow"`
	Calls       int           `json:"calls"`
	Rate        float64       `json:"rate"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration_ns"`
	Hold        time.Duration `json:"hold_ns"`
	Target      string        `json:"target"` // "simulator (child process)", ..., or the ARI URL
	Cores       int           `json:"cores"`  // GOMAXPROCS
	Runs        []AppReport   `json:"runs"`   // flowrunner first, then the baseline
	// CPURatio is flowrunner's CPU per call over the baseline's (0 without
	// a baseline run).
	CPURatio float64 `json:"cpu_ratio,omitempty"`
}

// AppReport is what one app did under the load.
type AppReport struct {
	App       string `json:"app"`
	Placed    int    `json:"placed"`    // calls that entered the app
	Completed int    `json:"completed"` // calls the app saw end
	Failed    int    `json:"failed"`    // placements refused
	Errors    int    `json:"errors"`    // calls that ended badly (in error, on a panic, ...) or were left live at the end
	// NewCallsPerSecond is Placed over the time placing took.
	NewCallsPerSecond float64 `json:"new_calls_per_second"`
	PlacingSeconds    float64 `json:"placing_seconds"`
	WallSeconds       float64 `json:"wall_seconds"` // from the first call placed to the last one ended
	// PeakConcurrent is the most calls live at once.
	PeakConcurrent int `json:"peak_concurrent"`
	// EventLatency is from an ARI event's frame being read to the REST
	// request it causes; ActionLatency covers every request, whatever caused
	// it (an event, an earlier response, a timer). flowrunner only.
	EventLatency  *Latency `json:"event_to_request,omitempty"`
	ActionLatency *Latency `json:"cause_to_request,omitempty"`
	// HeapPerLiveCall is the live heap per call in progress, measured after
	// a collection when placing ended, with LiveAtHeapSample calls live.
	HeapPerLiveCall  int64 `json:"heap_per_live_call_bytes"`
	LiveAtHeapSample int   `json:"live_at_heap_sample"`
	// CPUPerCall is this process's CPU time per completed call (app, ARI
	// client, GC; and the simulator with SimInProcess). SimCPUPerCall is
	// the child simulator's.
	CPUPerCall    time.Duration `json:"cpu_per_call_ns"`
	SimCPUPerCall time.Duration `json:"sim_cpu_per_call_ns,omitempty"`
	// Warnings counts the app's warning and error log lines; FirstWarnings
	// are the first few.
	Warnings      int            `json:"warnings"`
	FirstWarnings []string       `json:"first_warnings,omitempty"`
	EndReasons    map[string]int `json:"bad_end_reasons,omitempty"`
}

// Run runs the load against flowrunner and, with Options.Baseline, against
// the baseline app, each with a fresh simulator.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	flow := opts.Flow
	if flow == nil {
		var err error
		if flow, err = HelloWorld(); err != nil {
			return nil, err
		}
	}
	rep := &Report{Flow: flow.Name, Calls: opts.Calls, Rate: opts.Rate, Concurrency: opts.Concurrency,
		Duration: opts.Duration, Hold: opts.Hold, Target: opts.targetName(), Cores: runtime.GOMAXPROCS(0)}
	log := &warnLog{}
	fr := newFlowrunnerApp(flow, log)
	r, err := runApp(ctx, opts, fr, log, flow.Name)
	if err != nil {
		return nil, err
	}
	r.EventLatency, r.ActionLatency = ptr(fr.eventLatency.summary()), ptr(fr.allLatency.summary())
	if len(fr.reasons) > 0 {
		r.EndReasons = fr.reasons
	}
	rep.Runs = append(rep.Runs, r)
	if opts.Baseline {
		blog := &warnLog{}
		b, err := runApp(ctx, opts, newBaselineApp(flow.Name, blog), blog, flow.Name)
		if err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, b)
		if b.CPUPerCall > 0 {
			rep.CPURatio = float64(r.CPUPerCall) / float64(b.CPUPerCall)
		}
	}
	return rep, nil
}

func ptr[T any](v T) *T { return &v }

func (o *Options) check() error {
	var errs []error
	if o.Calls < 0 || o.Rate < 0 || o.Concurrency < 0 || o.Duration < 0 || o.Hold < 0 {
		errs = append(errs, errors.New("calls, rate, concurrency, duration and hold must not be negative"))
	}
	if o.Calls == 0 && o.Duration == 0 {
		errs = append(errs, errors.New("set the number of calls or a duration"))
	}
	if o.ARIURL != "" && o.Hold > 0 {
		errs = append(errs, errors.New("hold needs the built-in simulator: on Asterisk the dialplan decides when callers hang up"))
	}
	if o.ARIURL == "" && o.Sim == SimChild && len(o.SimCommand) == 0 {
		errs = append(errs, errors.New("SimCommand is required to run the simulator as a child process"))
	}
	if o.Baseline && o.Flow != nil && o.Flow.Name != "hello-world" {
		errs = append(errs, fmt.Errorf("the baseline app makes hello-world calls; flow %q cannot be compared with it", o.Flow.Name))
	}
	if o.OriginateEndpoint == "" {
		o.OriginateEndpoint = DefaultOriginateEndpoint
	}
	if o.EndTimeout <= 0 {
		o.EndTimeout = o.Hold + 60*time.Second
	}
	return errors.Join(errs...)
}

func (o *Options) targetName() string {
	switch {
	case o.ARIURL != "":
		return o.ARIURL
	case o.Sim == SimInProcess:
		return "simulator (in this process)"
	}
	return "simulator (child process)"
}

func (o *Options) startTarget() (*target, error) {
	switch {
	case o.ARIURL != "":
		return &target{URL: o.ARIURL, Username: o.ARIUser, Password: o.ARIPassword,
			stop: func() (time.Duration, error) { return 0, nil }}, nil
	case o.Sim == SimInProcess:
		return startInProcessSim()
	}
	return startChildSim(o.SimCommand, o.SimEnv)
}

// runApp runs the load against one app, with its own target.
func runApp(ctx context.Context, opts Options, a app, log *warnLog, appName string) (rep AppReport, err error) {
	rep.App = a.Name()
	t, err := opts.startTarget()
	if err != nil {
		return rep, err
	}
	defer func() {
		simCPU, serr := t.stop()
		if err == nil && serr != nil {
			err = fmt.Errorf("stopping the simulator: %w", serr)
		}
		if rep.Completed > 0 {
			rep.SimCPUPerCall = simCPU / time.Duration(rep.Completed)
		}
	}()
	if err := a.Start(t); err != nil {
		return rep, err
	}
	defer a.Stop()

	shape := loadShape{calls: opts.Calls, rate: opts.Rate, concurrency: opts.Concurrency,
		duration: opts.Duration, hold: opts.Hold}
	var l loader = &simLoader{t: t, shape: shape}
	if !t.sim {
		l = &originateLoader{t: t, shape: shape, endpoint: opts.OriginateEndpoint,
			ended: func() int { n, _ := a.Counts(); return n }}
	}
	heap0 := liveHeap()
	cpu0, start := processCPU(), time.Now()
	if err := l.start(ctx, appName); err != nil {
		return rep, err
	}
	defer l.stop(context.Background())
	p := &progress{w: opts.Progress, app: a, start: start}

	st, err := p.until(ctx, l, func(st arisim.LoadStats) bool { return !st.Placing }, 0)
	if err != nil {
		return rep, err
	}
	rep.Placed, rep.Failed, rep.PlacingSeconds = st.Placed, st.Failed, st.PlacingSeconds
	if st.PlacingSeconds > 0 {
		rep.NewCallsPerSecond = float64(st.Placed) / st.PlacingSeconds
	}
	// The heap sample: every call still live has reached the app.
	p.settle(ctx, l)
	rep.LiveAtHeapSample = a.Live()
	if rep.LiveAtHeapSample > 0 {
		rep.HeapPerLiveCall = (liveHeap() - heap0) / int64(rep.LiveAtHeapSample)
	}
	st, err = p.until(ctx, l, func(st arisim.LoadStats) bool { return st.Done }, opts.EndTimeout)
	if err != nil {
		return rep, err
	}
	p.drainApp(opts.EndTimeout)
	rep.WallSeconds = time.Since(start).Seconds()
	cpu := processCPU() - cpu0
	ended, errs := a.Counts()
	rep.Completed = ended
	rep.Errors = errs + max(0, st.Placed-ended)
	rep.PeakConcurrent = st.PeakLive // exact, from the simulator
	if !t.sim {
		rep.PeakConcurrent = p.peak // sampled
	}
	if ended > 0 {
		rep.CPUPerCall = cpu / time.Duration(ended)
	}
	rep.Warnings, rep.FirstWarnings = log.snapshot()
	return rep, nil
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
