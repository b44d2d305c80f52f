package engine

import (
	"context"
	"time"
)

// op is one REST action of a call. A call issues its actions one at a time, in
// order, so "stop the playback" always reaches Asterisk before the next "play".
type op struct {
	name     string // answer, play, stop, hangup, continue, get_var, ...
	gen      uint64 // the step generation that issued it
	channel  string
	playback string // play and stop
	into     string // get_var: the flow variable that receives the value
	// run performs the request; value is the result of reads (get_var).
	run func(ctx context.Context, a ARI) (value string, err error)
	// cause and causeAt are what made the call issue it and when that
	// arrived (Observer.ActionIssued); zero for detached actions.
	cause   Cause
	causeAt time.Time
}

type opResult struct {
	op    *op
	value string
	err   error
}

// channelOp returns an op on the call's channel issued by the current step.
func (c *Call) channelOp(name string, run func(ctx context.Context, a ARI) error) *op {
	return &op{name: name, gen: c.gen, channel: c.id, run: func(ctx context.Context, a ARI) (string, error) {
		return "", run(ctx, a)
	}}
}

func hangupOp(channel, reason string) *op {
	return &op{name: "hangup", channel: channel, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.Hangup(ctx, channel, reason)
	}}
}

func stopOp(playback string) *op {
	return &op{name: "stop", playback: playback, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.StopPlayback(ctx, playback)
	}}
}

// do queues a REST action for the call.
func (c *Call) do(o *op) {
	o.cause, o.causeAt = c.cause, c.causeAt
	c.ops = append(c.ops, o)
	if !c.opBusy {
		c.startOp()
	}
}

func (c *Call) startOp() {
	o := c.ops[0]
	c.opBusy = true
	c.traceAction(o)
	e := c.e
	e.clock.Hold()
	observed := c.live.observed
	e.runner.run(func() {
		if observed {
			e.cfg.Observer.ActionIssued(o.name, o.cause, e.now().Sub(o.causeAt))
		}
		ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ActionTimeout)
		v, err := o.run(ctx, e.ari)
		cancel()
		e.post(item{call: c, kind: itemResult, result: &opResult{op: o, value: v, err: err}, at: e.now()}, false)
		e.clock.Release()
	})
}

// detached runs an action that belongs to no live call (an unrouted channel, an
// abandoned call, a drain).
func (e *Engine) detached(o *op) {
	e.clock.Hold()
	e.runner.run(func() {
		defer e.clock.Release()
		ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ActionTimeout)
		defer cancel()
		if _, err := o.run(ctx, e.ari); err != nil && !IsNotFound(err) {
			e.stats.ActionErrors.Add(1)
			e.log.Error("action failed", "op", o.name, "channel_id", o.channel, "err", err)
		}
	})
}
