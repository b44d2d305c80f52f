package engine

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// dialSpec is a compiled dial step.
type dialSpec struct {
	endpoints  []template
	sequential bool
	timeout    time.Duration // per endpoint when sequential, in all otherwise
	callerID   *template     // nil: the caller's own
	ringback   string        // ring, moh or none
}

const defaultDialTimeout = 30 * time.Second

// dialRun is a call's dial in progress. Outbound legs are registered under
// their channel ids in the engine's call map, so their events reach the call.
type dialRun struct {
	spec      *dialSpec
	endpoints []string
	next      int // the next endpoint to ring when sequential
	legs      []*leg
	answered  *leg
	bridge    string
	ringback  bool // ringback started and not yet stopped
	statuses  []string
}

// leg is one outbound channel of a dial.
type leg struct {
	id       string
	endpoint string
	gone     bool
	status   string // the final dial status, once known
}

func (c *Call) enterDial(s *state) (int, bool) {
	spec := s.dial
	run := &dialRun{spec: spec}
	for i := range spec.endpoints {
		ep, err := c.render(&spec.endpoints[i])
		if err != nil {
			return c.failNext(s, err)
		}
		if ep = strings.TrimSpace(ep); ep != "" {
			run.endpoints = append(run.endpoints, ep)
		}
	}
	if len(run.endpoints) == 0 {
		c.trace(TraceError, s.label, "no endpoint to dial")
		return c.follow(s, outcomeFailed)
	}
	c.dial = run
	c.waiting = waitDial
	switch spec.ringback {
	case "ring":
		c.do(c.channelOp("ring", func(ctx context.Context, a ARI) error { return a.Ring(ctx, c.id, false) }))
		run.ringback = true
	case "moh":
		c.do(c.channelOp("moh", func(ctx context.Context, a ARI) error { return a.MOH(ctx, c.id, "", false) }))
		run.ringback = true
	}
	if spec.sequential {
		c.ringNext(s)
	} else {
		for range run.endpoints {
			c.ringNext(s)
		}
	}
	c.setTimer(timerStep, spec.timeout.Nanoseconds())
	return 0, true
}

// ringNext creates and dials the next endpoint.
func (c *Call) ringNext(s *state) {
	run := c.dial
	ep := run.endpoints[run.next]
	run.next++
	l := &leg{id: c.id + "-dial" + strconv.Itoa(run.next), endpoint: ep}
	run.legs = append(run.legs, l)
	c.e.registerLeg(l.id, c)
	vars := map[string]string{}
	if run.spec.callerID != nil {
		cid, err := c.render(run.spec.callerID)
		if err == nil && cid != "" {
			vars["CALLERID(num)"] = cid
		}
	}
	req := CreateRequest{ChannelID: l.id, Endpoint: ep, App: c.app, Originator: c.id, Variables: vars}
	c.trace(TraceOutcome, s.label, "ringing "+ep)
	c.do(&op{name: "create", gen: c.gen, channel: l.id, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.CreateChannel(ctx, req)
	}})
	timeout := run.spec.timeout
	c.do(&op{name: "dial", gen: c.gen, channel: l.id, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.Dial(ctx, l.id, c.id, timeout)
	}})
}

func (run *dialRun) leg(id string) *leg {
	for _, l := range run.legs {
		if l.id == id {
			return l
		}
	}
	return nil
}

// handleLegEvent advances the dial by an event of one of its outbound legs.
func (c *Call) handleLegEvent(ev *Event) {
	run := c.dial
	if run == nil {
		return
	}
	l := run.leg(ev.ChannelID)
	if l == nil || l.gone {
		return
	}
	switch ev.Type {
	case EventDial:
		switch ev.DialStatus {
		case "ANSWER":
			c.legAnswered(l)
		case "", "RINGING", "PROGRESS", "PROCEEDING":
		default:
			l.status = ev.DialStatus
		}
	case EventChannelHangupRequest, EventChannelDestroyed, EventStasisEnd:
		if l.status == "" {
			l.status = statusFromCause(ev.Cause)
		}
		c.legGone(l)
	}
}

// handleLegResult handles a failed create or dial of a leg.
func (c *Call) handleLegResult(o *op, err error) {
	if err == nil || c.dial == nil {
		return
	}
	l := c.dial.leg(o.channel)
	if l == nil || l.gone {
		return
	}
	c.log.Warn("dial leg failed", "endpoint", l.endpoint, "op", o.name, "err", err)
	l.status = "CHANUNAVAIL"
	c.legGone(l)
}

// statusFromCause infers the dial status of a leg that hung up before it
// answered. Asterisk reports a dial timeout with no Dial event, only the leg's
// soft hangup with cause 32; a far end that gives up sends 16, 18 or 19.
func statusFromCause(cause int) string {
	switch cause {
	case 17:
		return "BUSY"
	case 16, 18, 19, 21, 32:
		return "NOANSWER"
	case 34, 42:
		return "CONGESTION"
	}
	return "CHANUNAVAIL"
}

// legAnswered bridges the first leg that answers with the caller; the others
// are hung up.
func (c *Call) legAnswered(l *leg) {
	run := c.dial
	if run.answered != nil {
		c.hangupLeg(l) // lost the race to another leg
		return
	}
	run.answered = l
	s := c.flow.states[c.pc]
	c.stopTimer(timerStep)
	c.stopRingback()
	for _, other := range run.legs {
		if other != l && !other.gone {
			other.status = "CANCEL"
			c.hangupLeg(other)
		}
	}
	run.bridge = c.id + "-bridge"
	bridge, caller := run.bridge, c.id
	c.trace(TraceOutcome, s.label, "answered by "+l.endpoint+"; bridged")
	c.do(&op{name: "bridge_create", gen: c.gen, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.CreateBridge(ctx, bridge, "mixing")
	}})
	c.do(&op{name: "bridge_add", gen: c.gen, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.AddToBridge(ctx, bridge, []string{caller, l.id})
	}})
	c.waiting = waitBridged
}

// legGone handles a leg that left: the end of the conversation for the
// answered leg, otherwise one fewer candidate.
func (c *Call) legGone(l *leg) {
	run := c.dial
	l.gone = true
	c.e.unregisterLeg(l.id, c)
	if run.answered == l {
		c.finishDial(outcomeAnswered)
		return
	}
	if run.answered != nil {
		return
	}
	run.statuses = append(run.statuses, l.status)
	for _, other := range run.legs {
		if !other.gone {
			return // others still ringing
		}
	}
	if run.spec.sequential && run.next < len(run.endpoints) {
		s := c.flow.states[c.pc]
		c.ringNext(s)
		c.setTimer(timerStep, run.spec.timeout.Nanoseconds())
		return
	}
	c.finishDial(dialOutcome(run.statuses))
}

// dialOutcome picks the outcome of a dial nobody answered: busy if anyone was
// busy, else noanswer if anyone rang out, else failed.
func dialOutcome(statuses []string) outcome {
	o := outcomeFailed
	for _, st := range statuses {
		switch st {
		case "BUSY":
			return outcomeBusy
		case "NOANSWER", "CANCEL":
			o = outcomeNoAnswer
		}
	}
	return o
}

// dialTimeout: nobody answered in time.
func (c *Call) dialTimeout() {
	run := c.dial
	s := c.flow.states[c.pc]
	for _, l := range run.legs {
		if !l.gone {
			l.status = "NOANSWER"
			l.gone = true
			run.statuses = append(run.statuses, l.status)
			c.hangupLeg(l)
		}
	}
	if run.spec.sequential && run.next < len(run.endpoints) {
		c.trace(TraceOutcome, s.label, "no answer; ringing the next endpoint")
		c.ringNext(s)
		c.setTimer(timerStep, run.spec.timeout.Nanoseconds())
		return
	}
	c.finishDial(outcomeNoAnswer)
}

// finishDial cleans up (legs, bridge, ringback) and ends the step.
func (c *Call) finishDial(o outcome) {
	c.cleanupDial(false)
	c.complete(o)
}

// cleanupDial hangs up the legs still up, destroys the bridge and stops the
// ringback. detached issues the requests outside the call's queue (the call is
// leaving).
func (c *Call) cleanupDial(detached bool) {
	run := c.dial
	if run == nil {
		return
	}
	c.dial = nil
	issue := c.do
	if detached {
		issue = c.e.detached
	}
	for _, l := range run.legs {
		if !l.gone {
			l.gone = true
			issue(legHangupOp(l.id))
		}
		c.e.unregisterLeg(l.id, c)
	}
	if run.bridge != "" {
		bridge := run.bridge
		issue(&op{name: "bridge_delete", run: func(ctx context.Context, a ARI) (string, error) {
			return "", a.DeleteBridge(ctx, bridge)
		}})
	}
	if run.ringback && !detached {
		c.dial = run // stopRingback reads it
		c.stopRingback()
		c.dial = nil
	}
}

func (c *Call) stopRingback() {
	run := c.dial
	if !run.ringback {
		return
	}
	run.ringback = false
	if run.spec.ringback == "moh" {
		c.do(&op{name: "ringback_stop", channel: c.id, run: func(ctx context.Context, a ARI) (string, error) {
			return "", a.MOH(ctx, c.id, "", true)
		}})
		return
	}
	c.do(&op{name: "ringback_stop", channel: c.id, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.Ring(ctx, c.id, true)
	}})
}

func (c *Call) hangupLeg(l *leg) {
	c.do(legHangupOp(l.id))
}

func legHangupOp(id string) *op {
	return &op{name: "leg_hangup", channel: id, run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.Hangup(ctx, id, "")
	}}
}
