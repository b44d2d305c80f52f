package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/clock"
	"github.com/flowrunner/flowrunner/engine"
)

// Options configures a Sandbox. Flows is required.
type Options struct {
	Flows *engine.Registry
	// Apps are the Stasis applications the engine registers; default the
	// flow names.
	Apps []string
	// Logger receives the engine's and the adapter's logs; default discard.
	Logger *slog.Logger
	// Trace is called for every step, outcome and call end (engine.Config.Trace).
	Trace func(engine.TraceEvent)
	// Observe is called for every request, response and event the simulator
	// sees (arisim.Options.Observer).
	Observe func(arisim.Entry)
	// Sim tunes the simulator (media durations, missing sounds, faults); its
	// Clock, credentials and Observer are set by the sandbox.
	Sim arisim.Options
	// Engine tunes the engine; its ARI, Clock, Logger, Trace and OnCallEnd are
	// set by the sandbox.
	Engine engine.Config
	// Start is the virtual time at which the sandbox starts; default DefaultStart.
	Start time.Time
	// Timeout bounds, in wall time, how long Start waits for the connection
	// and Call waits for a call to end; default 30s. It guards against a hung
	// run; it is not a timing of the call.
	Timeout time.Duration
}

// DefaultStart is the virtual time a sandbox starts at unless told otherwise.
var DefaultStart = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Sandbox is a running simulator plus engine. Its methods are safe for
// concurrent use.
type Sandbox struct {
	Clock  *clock.Virtual
	Sim    *arisim.Server
	Engine *engine.Engine
	Client *ariclient.Client
	URL    string // the simulator's ARI base URL

	timeout time.Duration
	srv     *http.Server
	cancel  context.CancelFunc
	runDone chan struct{}

	mu    sync.Mutex
	ended map[string]engine.CallSummary // by channel id
	wake  chan struct{}                 // closed and replaced when a call ends
}

// The credentials of the sandbox's simulator, for requests made to it directly
// (URL): it checks them as Asterisk would.
const (
	User     = "flowrunner"
	Password = "sandbox"
)

// Start starts the simulator on a loopback port, connects the engine to it and
// returns once every application's WebSocket is up.
func Start(opts Options) (*Sandbox, error) {
	if opts.Flows == nil || opts.Flows.Len() == 0 {
		return nil, errors.New("sandbox: no flows")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	apps := opts.Apps
	if len(apps) == 0 {
		apps = opts.Flows.Names()
	}
	s := &Sandbox{
		Clock:   clock.NewVirtual(opts.Start),
		timeout: opts.Timeout,
		ended:   map[string]engine.CallSummary{},
		wake:    make(chan struct{}),
		runDone: make(chan struct{}),
	}
	simOpts := opts.Sim
	simOpts.Clock, simOpts.Username, simOpts.Password, simOpts.Observer = s.Clock, User, Password, opts.Observe
	s.Sim = arisim.New(simOpts)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Sim.Close()
		s.Clock.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s.URL = "http://" + ln.Addr().String() + "/ari"
	s.srv = &http.Server{Handler: s.Sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()

	s.Client, err = ariclient.New(ariclient.Options{
		URL: s.URL, Username: User, Password: Password, Apps: apps,
		Clock: s.Clock, Logger: opts.Logger,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
	})
	if err != nil {
		s.closeServer()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	cfg := opts.Engine
	cfg.ARI, cfg.Clock, cfg.Logger, cfg.Trace = s.Client, s.Clock, opts.Logger, opts.Trace
	cfg.OnCallEnd = s.callEnded
	s.Engine = engine.New(cfg)
	s.Engine.SetFlows(opts.Flows)

	sink := &connectWatch{EventSink: s.Engine, pending: map[string]bool{}, all: make(chan struct{})}
	for _, a := range apps {
		sink.pending[a] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.runDone)
		_ = s.Client.Run(ctx, sink)
	}()
	select {
	case <-sink.all:
		return s, nil
	case <-time.After(opts.Timeout):
		s.Close()
		return nil, fmt.Errorf("sandbox: the engine did not connect to the simulator within %v", opts.Timeout)
	}
}

// connectWatch passes everything to the engine and closes all once every app
// has connected.
type connectWatch struct {
	engine.EventSink
	mu      sync.Mutex
	pending map[string]bool
	all     chan struct{}
}

func (w *connectWatch) Connected(app string, live []string) {
	w.EventSink.Connected(app, live)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending[app] {
		delete(w.pending, app)
		if len(w.pending) == 0 {
			close(w.all)
		}
	}
}

func (s *Sandbox) callEnded(sum engine.CallSummary) {
	s.mu.Lock()
	s.ended[sum.CallID] = sum
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

// Call places one call and waits until the engine has ended it and the
// simulator's channel is gone. It returns the engine's summary of the call.
func (s *Sandbox) Call(spec arisim.CallSpec) (engine.CallSummary, error) {
	id, err := s.Sim.PlaceCall(spec)
	if err != nil {
		return engine.CallSummary{}, err
	}
	return s.Wait(id)
}

// Wait waits for the call on channel id to end on both sides: the engine has
// ended it, and the simulator's channel is gone.
func (s *Sandbox) Wait(id string) (engine.CallSummary, error) {
	deadline := time.NewTimer(s.timeout)
	defer deadline.Stop()
	var sum engine.CallSummary
	for {
		s.mu.Lock()
		got, ok := s.ended[id]
		delete(s.ended, id)
		wake := s.wake
		s.mu.Unlock()
		if ok {
			sum = got
			break
		}
		select {
		case <-wake:
		case <-deadline.C:
			return engine.CallSummary{}, fmt.Errorf("sandbox: the engine did not end call %s within %v of wall time", id, s.timeout)
		}
	}
	select {
	case <-s.Sim.Done(id):
		return sum, nil
	case <-deadline.C:
		return sum, fmt.Errorf("sandbox: call %s still live in the simulator after %v of wall time", id, s.timeout)
	}
}

// Close stops the engine, the adapter, the simulator and the clock.
func (s *Sandbox) Close() {
	s.cancel()
	<-s.runDone
	s.Engine.Close()
	s.Client.Close()
	s.closeServer()
}

func (s *Sandbox) closeServer() {
	s.Sim.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	s.Clock.Close()
}
