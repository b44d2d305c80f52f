package engine

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// recordSpec is a compiled record step.
type recordSpec struct {
	name         *template // nil: flowrunner-<channel id>-<n>
	format       string
	maxDuration  time.Duration
	maxSilence   time.Duration
	beep         bool
	terminateOn  string
	into         string
	hangupTarget int // on: {hangup: id}: the on_hangup step to start from, or -1
}

// recordGuardSlack is added to max_duration for the wait for RecordingFinished;
// without max_duration the wait is bounded by recordGuardDefault.
const (
	recordGuardSlack   = 30 * time.Second
	recordGuardDefault = time.Hour
)

func (c *Call) enterRecord(s *state) (int, bool) {
	spec := s.record
	c.recSeq++
	name := "flowrunner-" + c.id + "-" + strconv.Itoa(c.recSeq)
	if spec.name != nil {
		n, err := c.render(spec.name)
		if err != nil {
			return c.failNext(s, err)
		}
		name = n
	}
	c.recording = name
	c.e.registerRecording(name, c)
	c.waiting = waitRecording
	guard := recordGuardDefault
	if spec.maxDuration > 0 {
		guard = spec.maxDuration + recordGuardSlack
	}
	c.setTimer(timerStep, guard.Nanoseconds())
	req := RecordRequest{Name: name, Format: spec.format, MaxDuration: spec.maxDuration,
		MaxSilence: spec.maxSilence, Beep: spec.beep, TerminateOn: spec.terminateOn}
	c.do(c.channelOp("record", func(ctx context.Context, a ARI) error { return a.Record(ctx, c.id, req) }))
	return 0, true
}

// handleRecordingEvent finishes a record step on RecordingFinished or
// RecordingFailed.
func (c *Call) handleRecordingEvent(ev *Event) {
	if ev.RecordingName != c.recording || c.waiting != waitRecording {
		return
	}
	s := c.flow.states[c.pc]
	switch ev.Type {
	case EventRecordingFinished:
		c.endRecording(s)
		c.complete(outcomeDone)
	case EventRecordingFailed:
		c.endRecording(s)
		c.trace(TraceError, s.label, "recording "+ev.RecordingName+" failed")
		c.complete(outcomeError)
	}
}

// endRecording forgets the live recording and stores its name in `into`.
func (c *Call) endRecording(s *state) {
	c.e.unregisterRecording(c.recording)
	if s.record.into != "" {
		c.env[s.record.into] = c.recording
	}
	c.recording = ""
}

// recordFailed handles Asterisk refusing the record request (e.g. 409: a
// recording of that name exists).
func (c *Call) recordFailed(s *state, err error) {
	c.log.Warn("record failed", "step", s.label, "err", err)
	c.trace(TraceError, s.label, err.Error())
	c.e.unregisterRecording(c.recording)
	c.recording = ""
	c.complete(outcomeError)
}

// recordTimeout: no RecordingFinished in time; stop the recording and fail.
func (c *Call) recordTimeout() {
	s := c.flow.states[c.pc]
	name := c.recording
	c.log.Warn("no RecordingFinished before the guard timeout; stopping the recording", "step", s.label, "recording", name)
	c.trace(TraceError, s.label, fmt.Sprintf("no RecordingFinished for %s", name))
	c.do(&op{name: "stop_recording", run: func(ctx context.Context, a ARI) (string, error) {
		return "", a.StopRecording(ctx, name)
	}})
	c.endRecording(s)
	c.complete(outcomeError)
}

// hangupEntry is where on_hangup starts: the record step's `on: {hangup: id}`
// target when the caller hung up while recording, else on_hangup's first step.
// A recording cut short by the hangup is kept and its name stored in `into`.
func (c *Call) hangupEntry() int {
	if c.recording == "" || c.pc < 0 {
		return c.flow.onHangup
	}
	s := c.flow.states[c.pc]
	if s.kind != kindRecord {
		return c.flow.onHangup
	}
	c.endRecording(s)
	if s.record.hangupTarget >= 0 {
		return s.record.hangupTarget
	}
	return c.flow.onHangup
}
