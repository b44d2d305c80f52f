package engine

import (
	"context"
	"hash/maphash"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// UnroutedPolicy says what to do with a call whose flow name matches no flow.
type UnroutedPolicy uint8

// Unrouted call policies.
const (
	// UnroutedContinue sends the call back to the dialplan at its next priority.
	UnroutedContinue UnroutedPolicy = iota
	// UnroutedHangup hangs the call up.
	UnroutedHangup
)

// Config configures an Engine. ARI is required; everything else has a default.
type Config struct {
	ARI    ARI
	Clock  clock.Clock  // default clock.Real{}
	Logger *slog.Logger // default slog.Default()

	Unrouted      UnroutedPolicy
	StepBudget    int           // steps per call before it is ended; default 1000
	ActionTimeout time.Duration // per REST action; default 10s
	// HangupBudget bounds how long on_hangup may run; default 30s.
	HangupBudget time.Duration
	// EndGrace bounds the wait for StasisEnd once a call has nothing left to
	// do, in case Asterisk never sends it; default 30s.
	EndGrace time.Duration
	// HandBackGrace bounds how long Drain waits, after handing back the
	// calls still running at its deadline, for them to leave Stasis; default
	// DefaultHandBackGrace (5s). On a live Asterisk that takes milliseconds;
	// when Asterisk does not answer, waiting longer only delays the stop.
	HandBackGrace time.Duration
	Shards        int // default 4×GOMAXPROCS
	// QueueLimit bounds each shard's queue of ARI events; default 65536.
	QueueLimit int

	// HTTP sends the requests of http steps; default an *http.Client with no
	// overall timeout (each attempt has the step's timeout).
	HTTP HTTPDoer
	// Secrets are what http steps see as secrets.NAME in url and headers;
	// serve fills it from FLOWRUNNER_SECRET_* environment variables.
	Secrets map[string]string

	// Trace, if set, is called for every step, outcome and call end, from the
	// goroutine running the call. It must not block.
	Trace func(TraceEvent)
	// TraceARI adds to Trace the ARI events each call receives and the REST
	// actions it issues, with their results.
	TraceARI bool
	// OnCallEnd, if set, is called once per call when it ends. It must not block.
	OnCallEnd func(CallSummary)
	// Observer, if set, receives measurements for metrics (see Observer).
	Observer Observer
}

// Engine runs calls: it receives ARI events (it is an EventSink), routes each to
// its call in O(1), and runs every call's flow as a state machine. It is safe for
// concurrent use.
type Engine struct {
	cfg   Config
	ari   ARI
	clock clock.Clock
	log   *slog.Logger
	now   func() time.Time

	flows atomic.Pointer[Registry]

	mu         sync.Mutex
	calls      map[string]*Call // by channel id, outbound legs included; guarded by mu
	active     int              // calls in progress (legs not counted); guarded by mu
	playbacks  map[string]*Call // by playback id; guarded by mu
	recordings map[string]*Call // by live recording name; guarded by mu
	drained    chan struct{}    // set by Drain, closed when no call is left; guarded by mu
	orig       originations     // outbound calls waiting for their StasisStart (originate.go)

	seed   maphash.Seed
	shards []*shard
	runner *runner // runs REST actions
	stop   chan struct{}
	wg     sync.WaitGroup

	stats Stats
}

// Stats are the engine's counters. Read them with Engine.Stats.
type Stats struct {
	EventsReceived       atomic.Uint64
	EventsUnknownChannel atomic.Uint64
	CallsStarted         atomic.Uint64
	CallsEnded           atomic.Uint64
	CallsUnrouted        atomic.Uint64
	CallsAdopted         atomic.Uint64 // calls started at a resync, their StasisStart lost
	ActionErrors         atomic.Uint64
	Panics               atomic.Uint64
}

// New creates an engine and starts its workers; stop them with Close.
func New(cfg Config) *Engine {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.StepBudget <= 0 {
		cfg.StepBudget = 1000
	}
	if cfg.ActionTimeout <= 0 {
		cfg.ActionTimeout = 10 * time.Second
	}
	if cfg.HangupBudget <= 0 {
		cfg.HangupBudget = 30 * time.Second
	}
	if cfg.EndGrace <= 0 {
		cfg.EndGrace = 30 * time.Second
	}
	if cfg.HandBackGrace <= 0 {
		cfg.HandBackGrace = DefaultHandBackGrace
	}
	if cfg.Shards <= 0 {
		cfg.Shards = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = 65536
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	if cfg.Secrets == nil {
		cfg.Secrets = map[string]string{}
	}
	e := &Engine{
		cfg:        cfg,
		ari:        cfg.ARI,
		clock:      cfg.Clock,
		log:        cfg.Logger,
		now:        cfg.Clock.Now,
		calls:      make(map[string]*Call),
		playbacks:  make(map[string]*Call),
		recordings: make(map[string]*Call),
		seed:       maphash.MakeSeed(),
		stop:       make(chan struct{}),
	}
	e.runner = newRunner(e.stop)
	e.flows.Store(&Registry{byName: map[string]*Flow{}})
	for range cfg.Shards {
		s := newShard(e, cfg.QueueLimit)
		e.shards = append(e.shards, s)
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			s.run(e.stop)
		}()
	}
	return e
}

// SetFlows swaps the set of flows new calls are routed to. Calls already
// running keep the flow version they started with.
func (e *Engine) SetFlows(r *Registry) { e.flows.Store(r) }

// Flows returns the current registry.
func (e *Engine) Flows() *Registry { return e.flows.Load() }

// Stats returns the engine's counters.
func (e *Engine) Stats() *Stats { return &e.stats }

// ActiveCalls returns the number of calls in progress.
func (e *Engine) ActiveCalls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active
}

// Close stops the workers. Calls still in progress are abandoned; callers that
// want them to finish wait for ActiveCalls to reach zero first.
func (e *Engine) Close() {
	select {
	case <-e.stop:
		return
	default:
	}
	close(e.stop)
	e.wg.Wait()
}

func (e *Engine) shardFor(channelID string) *shard {
	return e.shards[maphash.String(e.seed, channelID)%uint64(len(e.shards))]
}

// post queues work for a call, holding the clock until it is processed.
func (e *Engine) post(it item, wait bool) {
	e.clock.Hold()
	it.call.shard.push(it, wait)
}

// HandleEvent routes one ARI event to its call. Events for channels and
// playbacks the engine does not know (such as the other half of a Local
// channel) are counted and dropped.
func (e *Engine) HandleEvent(ev *Event) {
	e.stats.EventsReceived.Add(1)
	e.observer().EventReceived(ev.Type)
	if ev.Type == EventStasisStart {
		e.startCall(ev)
		return
	}
	e.mu.Lock()
	var c *Call
	switch ev.Type {
	case EventPlaybackStarted, EventPlaybackContinuing, EventPlaybackFinished:
		c = e.playbacks[ev.PlaybackID]
	case EventRecordingStarted, EventRecordingFinished, EventRecordingFailed:
		c = e.recordings[ev.RecordingName]
	default:
		c = e.calls[ev.ChannelID]
	}
	e.mu.Unlock()
	if c == nil {
		e.stats.EventsUnknownChannel.Add(1)
		return
	}
	e.post(item{call: c, kind: itemEvent, ev: ev}, true)
}

// Connected reconciles the calls of app with the channels Asterisk still has
// after a (re)connect: calls whose channel is gone end as if the caller hung up.
func (e *Engine) Connected(app string, liveChannels []string) {
	live := make(map[string]struct{}, len(liveChannels))
	for _, id := range liveChannels {
		live[id] = struct{}{}
	}
	var gone []*Call
	var unknown []string
	e.mu.Lock()
	for id, c := range e.calls {
		if _, ok := live[id]; !ok && c.app == app && c.id == id {
			gone = append(gone, c)
		}
	}
	for _, id := range liveChannels {
		if e.calls[id] == nil {
			unknown = append(unknown, id)
		}
	}
	e.mu.Unlock()
	e.log.Info("ari connected", "app", app, "live_channels", len(liveChannels), "calls_vanished", len(gone))
	for _, c := range gone {
		e.post(item{call: c, kind: itemVanish}, false)
	}
	if len(unknown) > 0 {
		e.adopt(app, unknown)
	}
}

// Disconnected logs the loss of app's event stream; calls keep their state
// until the reconnect's resync.
func (e *Engine) Disconnected(app string, err error) {
	e.log.Warn("ari disconnected", "app", app, "err", err)
}

func (e *Engine) startCall(ev *Event) {
	e.mu.Lock()
	owner := e.calls[ev.ChannelID]
	draining := e.drainingLocked()
	e.mu.Unlock()
	if owner != nil && owner.id != ev.ChannelID {
		e.post(item{call: owner, kind: itemEvent, ev: ev}, true) // an outbound leg entering Stasis
		return
	}
	flow, name := e.route(ev)
	if draining {
		e.stats.CallsUnrouted.Add(1)
		e.unrouted(ev, name+" (draining: not taking new calls)")
		return
	}
	if flow == nil {
		e.stats.CallsUnrouted.Add(1)
		e.unrouted(ev, name)
		return
	}
	c := newCall(e, ev, flow)
	e.mu.Lock()
	if owner, dup := e.calls[ev.ChannelID]; dup {
		e.mu.Unlock()
		if owner.id != ev.ChannelID {
			e.post(item{call: owner, kind: itemEvent, ev: ev}, true) // an outbound leg entering Stasis
			return
		}
		e.log.Warn("StasisStart for a channel already in a call", "channel_id", ev.ChannelID)
		return
	}
	e.calls[ev.ChannelID] = c
	e.active++
	e.mu.Unlock()
	e.stats.CallsStarted.Add(1)
	e.observer().CallStarted(flow.Name)
	e.post(item{call: c, kind: itemStart, ev: ev}, true)
}

// route picks the flow for a new call: the first Stasis() argument if it names
// a flow, otherwise the application name.
func (e *Engine) route(ev *Event) (*Flow, string) {
	r := e.flows.Load()
	if len(ev.Args) > 0 {
		if f := r.Lookup(ev.Args[0]); f != nil {
			return f, ev.Args[0]
		}
	}
	name := ev.Application
	if len(ev.Args) > 0 && ev.Args[0] != "" {
		name = ev.Args[0] + `" or "` + ev.Application
	}
	return r.Lookup(ev.Application), name
}

// unrouted sends a call with no flow back to the dialplan or hangs it up, so
// it never stays in Stasis.
func (e *Engine) unrouted(ev *Event, name string) {
	policy := "continue"
	if e.cfg.Unrouted == UnroutedHangup {
		policy = "hangup"
	}
	e.log.Warn("no flow for call", "flow", name, "channel_id", ev.ChannelID, "policy", policy)
	e.handBack(ev.ChannelID)
}

// handBack sends a channel back to the dialplan at its next priority, or hangs
// it up, per Config.Unrouted.
func (e *Engine) handBack(id string) {
	if e.cfg.Unrouted == UnroutedHangup {
		e.detached(hangupOp(id, ""))
		return
	}
	e.detached(&op{name: "continue", channel: id, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.Continue(ctx, id, DialplanTarget{})
	}})
}

func (e *Engine) registerPlayback(id string, c *Call) {
	e.mu.Lock()
	e.playbacks[id] = c
	e.mu.Unlock()
}

func (e *Engine) unregisterPlayback(id string) {
	e.mu.Lock()
	delete(e.playbacks, id)
	e.mu.Unlock()
}

func (e *Engine) unregisterCall(c *Call) {
	e.mu.Lock()
	if e.calls[c.id] == c {
		delete(e.calls, c.id)
		e.active--
	}
	if c.playbackID != "" {
		delete(e.playbacks, c.playbackID)
	}
	if c.recording != "" {
		delete(e.recordings, c.recording)
	}
	if e.drained != nil && e.active == 0 {
		select {
		case <-e.drained:
		default:
			close(e.drained)
		}
	}
	e.mu.Unlock()
}

func (e *Engine) registerRecording(name string, c *Call) {
	e.mu.Lock()
	e.recordings[name] = c
	e.mu.Unlock()
}

func (e *Engine) unregisterRecording(name string) {
	e.mu.Lock()
	delete(e.recordings, name)
	e.mu.Unlock()
}

// registerLeg routes the events of an outbound channel to the call dialling it.
func (e *Engine) registerLeg(id string, c *Call) {
	e.mu.Lock()
	e.calls[id] = c
	e.mu.Unlock()
}

func (e *Engine) unregisterLeg(id string, c *Call) {
	e.mu.Lock()
	if e.calls[id] == c {
		delete(e.calls, id)
	}
	e.mu.Unlock()
}
