package engine

import (
	"strconv"
	"strings"
)

// traceARIEvent traces an event reaching the call, with Config.TraceARI.
func (c *Call) traceARIEvent(ev *Event) {
	if !c.e.cfg.TraceARI || c.e.cfg.Trace == nil {
		return
	}
	var b strings.Builder
	b.WriteString(ev.Type.String())
	add := func(s string) {
		if s != "" {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	if ev.ChannelID != c.id {
		add(ev.ChannelID) // an outbound leg's
	}
	switch ev.Type {
	case EventPlaybackStarted, EventPlaybackContinuing, EventPlaybackFinished:
		add(ev.MediaURI)
		add(ev.PlaybackState)
	case EventRecordingStarted, EventRecordingFinished, EventRecordingFailed:
		add(ev.RecordingName)
	case EventDial:
		add(ev.DialStatus)
	case EventChannelDtmfReceived:
		add(ev.Digit)
	case EventChannelHangupRequest, EventChannelDestroyed:
		add("cause " + strconv.Itoa(ev.Cause))
	case EventStasisStart, EventChannelStateChange:
		add(ev.Channel.State)
	}
	c.trace(TraceARIEvent, "", b.String())
}

// traceAction traces the issue of a REST action, with Config.TraceARI.
func (c *Call) traceAction(o *op) {
	if c.e.cfg.TraceARI && c.e.cfg.Trace != nil {
		c.trace(TraceAction, "", o.name)
	}
}

// traceResult traces the result of the action in flight, with
// Config.TraceARI.
func (c *Call) traceResult(r *opResult) {
	if !c.e.cfg.TraceARI || c.e.cfg.Trace == nil {
		return
	}
	detail := "ok"
	if r.err != nil {
		detail = r.err.Error()
	}
	c.trace(TraceResult, r.op.name, detail)
}
