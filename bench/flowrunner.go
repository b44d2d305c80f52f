package bench

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/engine"
)

// app is an ARI application under test.
type app interface {
	// Name is how the report calls it.
	Name() string
	// Start connects to t and serves calls until Stop.
	Start(t *target) error
	// Live is how many calls the app is handling now.
	Live() int
	// Counts returns the calls ended so far and, of those, the ones that
	// ended badly.
	Counts() (ended, bad int)
	// Stop disconnects and waits for the app's goroutines.
	Stop()
}

// flowrunnerApp is flowrunner's engine and ARI adapter, wired as serve wires
// them, running one flow.
type flowrunnerApp struct {
	flow *engine.Flow
	log  *warnLog

	eventLatency, allLatency histogram

	eng    *engine.Engine
	client *ariclient.Client
	cancel context.CancelFunc
	done   chan error

	ended, badEnds atomic.Int64
	mu             sync.Mutex
	reasons        map[string]int // end reasons other than flow_hangup, caller_hangup and transferred
}

func newFlowrunnerApp(f *engine.Flow, log *warnLog) *flowrunnerApp {
	return &flowrunnerApp{flow: f, log: log, reasons: map[string]int{}}
}

func (a *flowrunnerApp) Name() string { return "flowrunner" }

func (a *flowrunnerApp) Start(t *target) error {
	reg, err := engine.NewRegistry(a.flow)
	if err != nil {
		return err
	}
	logger := slog.New(a.log)
	a.client, err = ariclient.New(ariclient.Options{URL: t.URL, Username: t.Username, Password: t.Password,
		Apps: []string{a.flow.Name}, Logger: logger})
	if err != nil {
		return err
	}
	a.eng = engine.New(engine.Config{ARI: a.client, Logger: logger, Observer: (*latencyObserver)(a),
		OnCallEnd: a.callEnded})
	a.eng.SetFlows(reg)
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan error, 1)
	go func() { a.done <- a.client.Run(ctx, a.eng) }()
	deadline := time.Now().Add(10 * time.Second)
	for a.client.Ready() != nil {
		if time.Now().After(deadline) {
			a.Stop()
			return fmt.Errorf("flowrunner: %v after 10s", a.client.Ready())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

func (a *flowrunnerApp) callEnded(s engine.CallSummary) {
	a.ended.Add(1)
	switch s.Reason {
	case engine.EndFlowHangup, engine.EndCallerHangup, engine.EndTransferred:
	default:
		a.badEnds.Add(1)
		a.mu.Lock()
		a.reasons[s.Reason]++
		a.mu.Unlock()
	}
}

func (a *flowrunnerApp) Live() int { return a.eng.ActiveCalls() }

func (a *flowrunnerApp) Counts() (ended, bad int) {
	return int(a.ended.Load()), int(a.badEnds.Load())
}

func (a *flowrunnerApp) Stop() {
	a.cancel()
	<-a.done
	a.eng.Close()
	a.client.Close()
}

// latencyObserver is the engine Observer of a flowrunnerApp: it records
// every REST action's latency from its cause.
type latencyObserver flowrunnerApp

func (o *latencyObserver) ActionIssued(_ string, cause engine.Cause, d time.Duration) {
	o.allLatency.Record(d)
	if cause == engine.CauseEvent {
		o.eventLatency.Record(d)
	}
}

func (*latencyObserver) EventReceived(engine.EventType)          {}
func (*latencyObserver) CallStarted(string)                      {}
func (*latencyObserver) CallEnded(string, string, time.Duration) {}
func (*latencyObserver) StepStarted(string)                      {}
func (*latencyObserver) StepEnded(string, time.Duration)         {}
