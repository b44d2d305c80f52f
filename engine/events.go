package engine

import (
	"context"
	"strings"
	"time"
)

// handleEvent advances the call by one ARI event.
func (c *Call) handleEvent(ev *Event) {
	switch ev.Type {
	case EventStasisEnd:
		c.stasisEnded = true
		c.leave("left Stasis")
	case EventChannelHangupRequest:
		c.leave("hangup requested")
	case EventChannelDestroyed:
		c.stasisEnded = true
		c.leave("channel destroyed")
	case EventChannelStateChange:
		if ch, ok := c.env[envChannel].(ChannelEnv); ok {
			ch.State = ev.Channel.State
			c.env[envChannel] = ch
		}
	case EventChannelDtmfReceived:
		c.handleDTMF(ev.Digit)
	case EventPlaybackFinished:
		if ev.PlaybackID != c.playbackID || c.waiting != waitPlayback {
			return
		}
		c.e.unregisterPlayback(c.playbackID)
		c.playbackID = ""
		if ev.PlaybackState == "failed" {
			c.complete(outcomeFailed)
		} else {
			c.complete(outcomeDone)
		}
	}
}

func (c *Call) handleDTMF(digit string) {
	if c.waiting != waitPlayback || c.leaving {
		return
	}
	s := c.flow.states[c.pc]
	if s.interrupt == "" || !strings.Contains(s.interrupt, digit) {
		return
	}
	c.env[envDigits] = digit
	c.stopPlayback()
	c.complete(outcomeInterrupted)
}

func (c *Call) handleTimer(k timerKind) {
	switch k {
	case timerStep:
		switch c.waiting {
		case waitTimer:
			c.complete(outcomeNone)
		case waitPlayback:
			s := c.flow.states[c.pc]
			c.log.Warn("no PlaybackFinished before the play timeout; treating the playback as failed", "step", s.label, "timeout", s.playTimeout)
			c.trace(TraceError, s.label, "no PlaybackFinished within "+s.playTimeout.String())
			c.stopPlayback()
			c.complete(outcomeFailed)
		}
	case timerMaxDuration:
		c.log.Warn("max_duration reached; hanging up", "max_duration", c.flow.MaxDuration)
		c.trace(TraceError, "", "max_duration "+c.flow.MaxDuration.String()+" reached")
		c.setReason(EndMaxDuration)
		c.stopPlayback()
		c.hangup("")
	case timerHangup:
		c.log.Warn("on_hangup ran out of time", "budget", c.e.cfg.HangupBudget)
		c.trace(TraceError, "", "on_hangup budget "+c.e.cfg.HangupBudget.String()+" exhausted")
		c.finishHangup()
	case timerEndGrace:
		c.log.Warn("no StasisEnd after the call finished; ending it", "grace", c.e.cfg.EndGrace)
		c.finish()
	}
}

// setTimer arms timer k; a timer fired for an older arming is ignored.
func (c *Call) setTimer(k timerKind, nanos int64) {
	c.stopTimer(k)
	c.timerGen[k]++
	gen := c.timerGen[k]
	c.timers[k] = c.e.clock.AfterFunc(time.Duration(nanos), func() {
		c.e.post(item{call: c, kind: itemTimer, timer: k, gen: gen}, false)
	})
}

func (c *Call) stopTimer(k timerKind) {
	if t := c.timers[k]; t != nil {
		t.Stop()
		c.timers[k] = nil
		c.timerGen[k]++
	}
}

// op is one REST action of a call. A call issues its actions one at a time, in
// order, so "stop the playback" always reaches Asterisk before the next "play".
type op struct {
	name     string // answer, play, stop, hangup
	gen      uint64 // the step generation that issued it
	channel  string
	playback string
	media    []string
	reason   string
}

type opResult struct {
	op  *op
	err error
}

func (o *op) run(ctx context.Context, a ARI) error {
	switch o.name {
	case "answer":
		return a.Answer(ctx, o.channel)
	case "play":
		return a.Play(ctx, o.channel, o.playback, o.media)
	case "stop":
		return a.StopPlayback(ctx, o.playback)
	case "hangup":
		return a.Hangup(ctx, o.channel, o.reason)
	}
	panic("engine: unknown op " + o.name)
}

// do queues a REST action for the call.
func (c *Call) do(o *op) {
	c.ops = append(c.ops, o)
	if !c.opBusy {
		c.startOp()
	}
}

func (c *Call) startOp() {
	o := c.ops[0]
	c.opBusy = true
	e := c.e
	e.clock.Hold()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ActionTimeout)
		err := o.run(ctx, e.ari)
		cancel()
		e.post(item{call: c, kind: itemResult, result: &opResult{op: o, err: err}}, false)
		e.clock.Release()
	}()
}

// detached runs an action that belongs to no live call (an unrouted channel, an
// abandoned call).
func (e *Engine) detached(o *op) {
	e.clock.Hold()
	go func() {
		defer e.clock.Release()
		ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ActionTimeout)
		defer cancel()
		if err := o.run(ctx, e.ari); err != nil && !IsNotFound(err) {
			e.stats.ActionErrors.Add(1)
			e.log.Error("action failed", "op", o.name, "channel_id", o.channel, "err", err)
		}
	}()
}

func (c *Call) handleResult(r *opResult) {
	c.opBusy = false
	if len(c.ops) > 0 {
		c.ops = c.ops[1:]
	}
	if len(c.ops) > 0 && !c.ended {
		c.startOp()
	}
	o, err := r.op, r.err
	gone := err != nil && channelGone(err)
	switch o.name {
	case "stop":
		return // a playback that already ended is fine
	case "hangup":
		if err != nil && !gone {
			c.e.stats.ActionErrors.Add(1)
			c.log.Error("hangup failed", "err", err)
		}
		if err != nil {
			c.leave("hangup: " + err.Error())
		}
		return
	}
	if o.gen != c.gen || c.leaving {
		return // a result for a step the call has left
	}
	if o.name == "play" && err != nil && c.playbackID == o.playback {
		c.e.unregisterPlayback(o.playback) // no playback was created
		c.playbackID = ""
	}
	if gone {
		c.stasisEnded = c.stasisEnded || IsNotFound(err)
		c.leave(o.name + ": " + err.Error())
		return
	}
	if err != nil {
		c.fail(c.flow.states[c.pc], err)
		return
	}
	if o.name == "answer" && c.waiting == waitAction {
		c.complete(outcomeNone)
	}
}

// channelGone reports whether err means the channel is no longer ours: 404
// (gone) or 409 (no longer in Stasis).
func channelGone(err error) bool {
	return IsNotFound(err) || isStatus(err, 409)
}
