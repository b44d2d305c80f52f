package engine

import "time"

// Observer receives the engine's measurements, for metrics. Its methods are
// called from the engine's goroutines (the call's shard, or the goroutine
// delivering events), concurrently: they must be safe for concurrent use,
// cheap, and must not block or call back into the engine.
type Observer interface {
	// EventReceived is called for every event delivered to HandleEvent,
	// before it is routed; events for no known call are counted in
	// Stats.EventsUnknownChannel.
	EventReceived(t EventType)
	// CallStarted is called when a call enters its flow.
	CallStarted(flow string)
	// CallEnded is called once when a call ends, with its reason (an End*
	// constant) and how long it lasted.
	CallEnded(flow, reason string, d time.Duration)
	// StepStarted is called when a step begins; stepType is its action, e.g.
	// "play" (on_hangup and on_error steps included).
	StepStarted(stepType string)
	// StepEnded is called when the call moves on from a step, or ends in it,
	// with the time spent in it.
	StepEnded(stepType string, d time.Duration)
	// ActionIssued is called as a call's REST action is handed to the ARI
	// port, with what caused it and the latency since that cause arrived:
	// the event's frame was read, the previous action's response came back,
	// or the timer fired. It includes the wait behind the call's earlier
	// actions, which are issued one at a time.
	ActionIssued(op string, cause Cause, latency time.Duration)
}

// Cause is what made a call issue a REST action (see Observer.ActionIssued).
type Cause uint8

// Causes of REST actions.
const (
	CauseEvent    Cause = iota // an ARI event
	CauseResponse              // the response to an earlier request (a REST action or an http step)
	CauseTimer                 // a timer: a wait, a timeout, a guard
)

var causeNames = [...]string{CauseEvent: "event", CauseResponse: "response", CauseTimer: "timer"}

// String returns "event", "response" or "timer".
func (c Cause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return "unknown"
}

// nopObserver is the Observer used when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) EventReceived(EventType)                   {}
func (nopObserver) CallStarted(string)                        {}
func (nopObserver) CallEnded(string, string, time.Duration)   {}
func (nopObserver) StepStarted(string)                        {}
func (nopObserver) StepEnded(string, time.Duration)           {}
func (nopObserver) ActionIssued(string, Cause, time.Duration) {}

// observer returns the configured Observer, never nil.
func (e *Engine) observer() Observer {
	if e.cfg.Observer == nil {
		return nopObserver{}
	}
	return e.cfg.Observer
}

// stepBegan publishes s as the call's current step and, with an Observer,
// times the step it leaves.
func (c *Call) stepBegan(s *state) {
	if c.live.observed {
		obs := c.e.cfg.Observer
		now := c.e.now()
		if prev := c.live.step.Load(); prev != nil {
			obs.StepEnded(prev.action, now.Sub(c.live.stepAt))
		}
		c.live.stepAt = now
		obs.StepStarted(s.action)
	}
	c.live.step.Store(s)
}

// observeEnd reports the end of the call and of the step it ended in.
func (c *Call) observeEnd() {
	if !c.live.observed {
		return
	}
	obs := c.e.cfg.Observer
	now := c.e.now()
	if prev := c.live.step.Load(); prev != nil {
		obs.StepEnded(prev.action, now.Sub(c.live.stepAt))
	}
	obs.CallEnded(c.live.flow.Name, c.reason, now.Sub(c.live.created))
}

// noteCause records what the call is handling, so that the actions it issues
// can report their latency (Observer.ActionIssued).
func (c *Call) noteCause(it *item) {
	switch it.kind {
	case itemStart, itemEvent:
		c.cause, c.causeAt = CauseEvent, it.ev.Received
	case itemTimer:
		c.cause, c.causeAt = CauseTimer, it.at
	default:
		c.cause, c.causeAt = CauseResponse, it.at
	}
	if c.causeAt.IsZero() {
		c.causeAt = c.e.now()
	}
}
