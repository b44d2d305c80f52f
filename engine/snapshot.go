package engine

import (
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// CallInfo describes a call in progress, as Engine.Calls reports it.
type CallInfo struct {
	ChannelID   string
	App         string
	Flow        string // the flow the call started in
	FlowVersion string
	Step        string // the label of the step running now, as in logs: `"menu"` or `#2 (play)`; empty before the first
	StepID      string // its id, if it has one
	StepType    string // its action, e.g. "play"; empty before the first step
	Started     time.Time
}

// callLive is the part of a Call that other goroutines may read: fields set
// by newCall before the call is published, and the current step, stored
// atomically by the call's shard goroutine each time a step begins.
type callLive struct {
	flow     *Flow     // the flow the call started in; immutable
	created  time.Time // immutable
	observed bool      // Config.Observer is set; immutable
	step     atomic.Pointer[state]

	stepAt time.Time // when step began, with an Observer; owned by the shard goroutine
}

func newCallLive(e *Engine, f *Flow) callLive {
	return callLive{flow: f, created: e.now(), observed: e.cfg.Observer != nil}
}

// Calls returns a snapshot of the calls in progress (outbound legs not
// listed), ordered by start time then channel id. It is safe to call from
// any goroutine and never waits for a call's goroutine: each call's step is
// the last one published, so a step that begins while Calls runs may or may
// not be reflected.
func (e *Engine) Calls() []CallInfo {
	e.mu.Lock()
	out := make([]CallInfo, 0, e.active)
	for id, c := range e.calls {
		if c.id != id {
			continue // an outbound leg of c
		}
		info := CallInfo{ChannelID: c.id, App: c.app, Flow: c.live.flow.Name,
			FlowVersion: c.live.flow.Version, Started: c.live.created}
		if s := c.live.step.Load(); s != nil {
			info.Step, info.StepID, info.StepType = s.label, s.id, s.action
		}
		out = append(out, info)
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b CallInfo) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ChannelID, b.ChannelID)
	})
	return out
}
