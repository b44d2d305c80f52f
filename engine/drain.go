package engine

import (
	"context"
	"time"
)

// DefaultHandBackGrace is the default of Config.HandBackGrace.
const DefaultHandBackGrace = 5 * time.Second

// Drain prepares the engine to stop without stranding callers. From the moment
// it is called, new calls are handled as unrouted (sent back to the dialplan or
// hung up, per Config.Unrouted). It waits until the calls in progress have
// ended or ctx is done; the calls still running then are handed back the same
// way (their on_hangup runs when they leave Stasis), and Drain waits for that
// to take effect for up to Config.HandBackGrace (Config.EndGrace if shorter). It
// returns the number of calls that were still running when ctx ended. The ARI
// connection must stay up while Drain runs.
func (e *Engine) Drain(ctx context.Context) int {
	e.mu.Lock()
	if e.drained == nil {
		e.drained = make(chan struct{})
		if e.active == 0 {
			close(e.drained)
		}
	}
	drained := e.drained
	e.mu.Unlock()

	select {
	case <-drained:
		return 0
	case <-ctx.Done():
	}
	e.mu.Lock()
	remaining := make([]string, 0, e.active)
	for id, c := range e.calls {
		if c.id == id {
			remaining = append(remaining, id)
		}
	}
	e.mu.Unlock()
	if e.cfg.Unrouted == UnroutedHangup {
		e.log.Warn("drain timeout: hanging up the calls still in progress", "calls", len(remaining))
	} else {
		e.log.Warn("drain timeout: handing the calls still in progress back to the dialplan", "calls", len(remaining))
	}
	for _, id := range remaining {
		e.handBack(id)
	}
	wait, cancel := context.WithTimeout(context.Background(), min(e.cfg.EndGrace, e.cfg.HandBackGrace))
	defer cancel()
	select {
	case <-drained:
	case <-wait.Done():
	}
	return len(remaining)
}

// drainingLocked reports whether Drain has been called; e.mu must be held.
func (e *Engine) drainingLocked() bool { return e.drained != nil }

// Draining reports whether Drain has been called: the engine takes no new calls.
func (e *Engine) Draining() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.drainingLocked()
}
