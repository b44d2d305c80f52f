package engine

import (
	"strings"
	"time"
)

// handleEvent advances the call by one ARI event.
func (c *Call) handleEvent(ev *Event) {
	if ev.ChannelID != c.id && ev.ChannelID != "" && ev.RecordingName == "" && ev.PlaybackID == "" {
		c.handleLegEvent(ev) // an outbound leg of a dial
		return
	}
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
	case EventRecordingFinished, EventRecordingFailed:
		c.handleRecordingEvent(ev)
	case EventPlaybackFinished:
		if ev.PlaybackID != c.playbackID {
			return
		}
		if c.collect != nil && c.collect.prompting {
			c.collectPromptDone()
			return
		}
		if c.waiting != waitPlayback {
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
	if c.leaving {
		return
	}
	if c.collect != nil {
		c.collectDigit(digit)
		return
	}
	if c.waiting != waitPlayback {
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
	case timerOverall:
		if c.collect != nil {
			c.finishCollect()
		}
	case timerStep:
		switch c.waiting {
		case waitCollect:
			c.collectTimeout()
		case waitHTTP:
			c.httpRetry()
		case waitRecording:
			c.recordTimeout()
		case waitDial:
			c.dialTimeout()
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
		c.e.post(item{call: c, kind: itemTimer, timer: k, gen: gen, at: c.e.now()}, false)
	})
}

func (c *Call) stopTimer(k timerKind) {
	if t := c.timers[k]; t != nil {
		t.Stop()
		c.timers[k] = nil
		c.timerGen[k]++
	}
}

func (c *Call) handleResult(r *opResult) {
	c.traceResult(r)
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
	case "stop", "stop_recording", "leg_hangup", "bridge_delete", "ringback_stop":
		return // cleanup of something that may already be gone is fine
	case "create", "dial":
		c.handleLegResult(o, err)
		return
	case "hangup":
		if err != nil && !gone {
			c.e.stats.ActionErrors.Add(1)
			c.log.Error("hangup failed", "err", err)
			c.e.retryHangup(o.channel, "", err, 1)
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
	s := c.flow.states[c.pc]
	if o.name == "record" && err != nil {
		c.recordFailed(s, err)
		return
	}
	if err != nil {
		c.fail(s, err)
		return
	}
	switch o.name {
	case "get_var":
		c.env[o.into] = r.value
	case "continue":
		c.waiting = waitHangup // until StasisEnd
		return
	}
	if c.waiting == waitAction {
		c.stepOps--
		if c.stepOps <= 0 {
			c.complete(outcomeNone)
		}
	}
}

// channelGone reports whether err means the channel is no longer ours: 404
// (gone) or 409 (no longer in Stasis).
func channelGone(err error) bool {
	return IsNotFound(err) || isStatus(err, 409)
}
