package arisim

import "time"

// The far end of a single (non-Local) outbound channel, played by a Callee.
//
// Created channels (POST /channels/create, then /dial) follow res_stasis:
// the dial puts the channel in an invisible holding bridge and calls it;
// the bridge reports the control frames the channel driver queues as Dial
// events without dialstring (RINGING, ANSWER, BUSY, CONGESTION); a hangup
// from the far end is ChannelHangupRequest with its cause (no "soft"), then
// StasisEnd and ChannelDestroyed; the dial timeout soft-hangs the channel up
// as DELETE does (cause 32 soft, destroyed with 16), without a Dial event.
//
// Originated channels (POST /channels) follow the dialing API: Dial events
// carry the dialstring; a far end that hangs up before answering gives
// ChannelHangupRequest (its cause), Dial with the status its cause maps to,
// and ChannelDestroyed; the originate timeout hangs the channel up without
// a Dial event (ChannelDestroyed cause 0). The channel never enters Stasis.

// startCalleeLocked: ch, a single channel with ch.orig.callee set, has just
// been dialed (Dial "" already sent). timeout > 0 limits the ringing.
func (s *Server) startCalleeLocked(ch *channel, timeout time.Duration) {
	o := ch.orig
	c := *o.callee
	if c.Outcome == CalleeNoAnswer || c.Ring > 0 {
		ch.state = stateRinging
		s.evChannel(ch, "ChannelStateChange")
		s.evDial(ch, "RINGING", o.statusDialstring())
	}
	if timeout > 0 {
		s.afterLocked(ch, timeout, func() { s.dialTimeoutLocked(ch, o) })
	}
	var then func()
	switch c.Outcome {
	case CalleeNoAnswer:
		if c.Ring <= 0 {
			return
		}
		then = func() { s.calleeFailLocked(ch, o, 19, "NOANSWER") }
	case CalleeBusy:
		then = func() { s.calleeFailLocked(ch, o, 17, "BUSY") }
	case CalleeCongestion:
		then = func() { s.calleeFailLocked(ch, o, 34, "CONGESTION") }
	default:
		then = func() { s.calleeAnswerLocked(ch, o, c) }
	}
	if c.Ring <= 0 {
		then()
		return
	}
	s.afterLocked(ch, c.Ring, then)
}

// statusDialstring is the dialstring of Dial events after the first: empty
// for an ARI dial (the bridge reports them), the device for an originate.
func (o *origin) statusDialstring() string {
	if o.dial {
		return ""
	}
	return o.dialstring
}

// calleeAnswerLocked: the far end answers. ChannelStateChange (Up), Dial
// ANSWER, then StasisStart for an originate; the callee then presses its
// digits and hangs up when its script says so.
func (s *Server) calleeAnswerLocked(ch *channel, o *origin, c Callee) {
	if ch.orig != o || ch.hanging {
		return
	}
	s.completeOriginLocked(ch)
	if ch.gone || ch.hanging {
		return
	}
	if len(c.DTMF) > 0 {
		sr := &scriptRun{target: ch}
		for _, kp := range c.DTMF {
			s.pressLocked(sr, kp)
		}
	}
	if c.HangupAfter > 0 {
		s.afterLocked(ch, c.HangupAfter, func() { s.remoteHangupLocked(ch, 16) })
	}
}

// calleeFailLocked: the far end ends the call before answering with cause,
// reported as dial status status.
func (s *Server) calleeFailLocked(ch *channel, o *origin, cause int, status string) {
	if ch.orig != o || ch.hanging {
		return
	}
	ch.orig = nil
	if o.dial {
		// Busy and congestion are control frames the bridge reports; a far
		// end giving up is just a hangup.
		if status != "NOANSWER" {
			s.evDial(ch, status, "")
		}
		s.remoteHangupLocked(ch, cause)
		return
	}
	// The dialer reads the hangup, reports the status and hangs up.
	ch.hanging = true
	s.evHangupRequest(ch, cause, false)
	s.evDial(ch, status, o.dialstring)
	s.destroyLocked(ch, cause)
}

// dialTimeoutLocked: the dial or originate timeout expired.
func (s *Server) dialTimeoutLocked(ch *channel, o *origin) {
	if ch.orig != o || ch.hanging || ch.state == stateUp {
		return
	}
	ch.orig = nil
	if o.dial {
		s.hangupLocked(ch, 32, true, 16)
		return
	}
	ch.hanging = true
	s.destroyLocked(ch, 0)
}
