package reload

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// Options configures a Reloader. Dir and Swap are required.
type Options struct {
	// Dir is the flows directory, searched as engine.FlowFiles does.
	Dir string
	// Swap installs a new registry, typically engine.(*Engine).SetFlows plus
	// whatever follows the set of flows (the ARI applications). It is called
	// from the reload goroutine, only when the set of flows changed.
	Swap func(*engine.Registry)
	// Logger receives one line per reload, per flow change and per error;
	// nil discards them.
	Logger *slog.Logger
	// Workers bounds the files loaded in parallel; default half the CPUs
	// (at least one), leaving the rest to calls in progress.
	Workers int
	// Now is the clock for load times and durations; default time.Now.
	Now func() time.Time
}

// Reloader is the one owner of the flow set: every reload, whatever asked for
// it, runs on the goroutine of Run, one at a time. Its methods are safe for
// concurrent use.
type Reloader struct {
	opts Options
	log  *slog.Logger
	set  *set // owned by the Run goroutine
	reqs chan request

	status atomic.Pointer[Status]

	mu      sync.Mutex
	subs    map[int]func(Result) // guarded by mu
	nextSub int                  // guarded by mu
}

type request struct {
	trigger string
	reply   chan Result
}

// New returns a Reloader; nothing is loaded until Run runs and a reload is
// requested.
func New(opts Options) (*Reloader, error) {
	if opts.Dir == "" {
		return nil, errors.New("reload: Options.Dir is required")
	}
	if opts.Swap == nil {
		return nil, errors.New("reload: Options.Swap is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Reloader{
		opts: opts,
		log:  opts.Logger,
		set:  newSet(opts.Dir, opts.Workers, opts.Now),
		reqs: make(chan request),
		subs: map[int]func(Result){},
	}
	r.status.Store(&Status{Dir: opts.Dir})
	return r, nil
}

// Run serves reload requests until ctx is done. Run it once.
func (r *Reloader) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-r.reqs:
			req.reply <- r.reload(req.trigger)
		}
	}
}

// Reload asks Run for a reload and waits for it. The error is the Result's
// Err (every rejected file's diagnostics) or ctx's error. Requests are served
// in order; each one rescans the whole directory.
func (r *Reloader) Reload(ctx context.Context, trigger string) (Result, error) {
	req := request{trigger: trigger, reply: make(chan Result, 1)}
	select {
	case r.reqs <- req:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case res := <-req.reply:
		return res, res.Err()
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Subscribe calls fn with the Result of every reload from now on, on the
// reload goroutine, after the swap; fn must not block. cancel unsubscribes.
func (r *Reloader) Subscribe(fn func(Result)) (cancel func()) {
	r.mu.Lock()
	id := r.nextSub
	r.nextSub++
	r.subs[id] = fn
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.subs, id)
		r.mu.Unlock()
	}
}

// Status returns a snapshot of the flows serving, every file's state and the
// last reloads.
func (r *Reloader) Status() Status { return *r.status.Load() }

func (r *Reloader) reload(trigger string) Result {
	prev := r.status.Load()
	reg, res := r.set.reload(trigger)
	if prev.Last != nil {
		res.Seq = prev.Last.Seq + 1
	} else {
		res.Seq = 1
	}
	if reg != nil {
		r.opts.Swap(reg)
	}
	st := &Status{Dir: r.opts.Dir, Flows: res.Flows, Files: r.set.status(), Last: &res, LastError: prev.LastError}
	if !res.OK() {
		st.LastError = &res
	}
	r.status.Store(st)
	r.logResult(res)
	r.mu.Lock()
	subs := make([]func(Result), 0, len(r.subs))
	for _, fn := range r.subs {
		subs = append(subs, fn)
	}
	r.mu.Unlock()
	for _, fn := range subs {
		fn(res)
	}
	return res
}

func (r *Reloader) logResult(res Result) {
	for _, c := range res.Changes {
		r.log.Info("flow "+c.Kind(), "flow", c.Flow, "file", c.File, "from_version", c.From, "to_version", c.To, "trigger", res.Trigger)
	}
	for _, d := range res.Warnings {
		r.log.Warn("flow file loaded with a warning", "warning", d.Error())
	}
	for _, d := range res.Errors {
		r.log.Error("flow file rejected; its previous version, if any, keeps serving", "error", d.Error())
	}
	level := slog.LevelInfo
	if !res.Swapped && res.OK() && res.Trigger == TriggerWatch {
		level = slog.LevelDebug // an event that changed nothing (an editor's swap file)
	}
	if !res.OK() {
		level = slog.LevelWarn
	}
	r.log.Log(context.Background(), level, "flows reloaded",
		"trigger", res.Trigger, "seq", res.Seq, "flows", len(res.Flows), "changes", len(res.Changes),
		"files_loaded", res.Compiled, "rejected_errors", len(res.Errors), "swapped", res.Swapped,
		"duration", res.Duration)
}
