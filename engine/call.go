package engine

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/flowrunner/flowrunner/clock"
)

// waitKind is what the current step is waiting for.
type waitKind uint8

const (
	waitNothing   waitKind = iota
	waitAction             // the result of the step's REST action
	waitPlayback           // PlaybackFinished
	waitTimer              // a wait step's timer
	waitHangup             // StasisEnd after the flow hung up
	waitCollect            // keys (gather, menu), after or during the prompt
	waitRecording          // RecordingFinished
	waitHTTP               // an HTTP response, or the backoff before a retry
	waitDial               // an outbound leg to answer
	waitBridged            // the bridged callee to hang up
)

// timerKind names a call's timers; each kind has its own slot.
type timerKind uint8

const (
	timerStep        timerKind = iota // the current step's wait or guard
	timerMaxDuration                  // the flow's max_duration
	timerHangup                       // on_hangup's time budget
	timerEndGrace                     // the wait for StasisEnd
	timerOverall                      // gather's overall timeout
	numTimers
)

// Call is one channel running one flow version. All its fields are owned by the
// goroutine of its shard; nothing else touches them after newCall.
type Call struct {
	e       *Engine
	shard   *shard
	id      string // channel id
	app     string
	flow    *Flow
	env     map[string]any
	log     *slog.Logger
	started time.Time

	pc      int // current state, or -1
	gen     uint64
	waiting waitKind
	steps   int

	playbackID string
	pbSeq      int
	collect    *collectRun // input in progress (gather, menu)
	recording  string      // the live recording's name
	recSeq     int
	http       *httpRun // the request in progress
	dial       *dialRun // the dial in progress

	frames   []frame          // the flows waiting for a sub-flow to return, outermost first
	subflows map[string]*Flow // sub-flow versions this call has used, by name

	timers   [numTimers]clock.Timer
	timerGen [numTimers]uint64

	ops     []*op // queued REST actions; ops[0] is in flight when opBusy
	opBusy  bool
	stepOps int // actions of the current step still to succeed (waitAction)

	cause   Cause     // what the item being handled is, for Observer.ActionIssued
	causeAt time.Time // when it arrived

	leaving     bool // the channel is going away; channel actions are skipped
	inHangup    bool // on_hangup is running
	hangupDone  bool // on_hangup has finished (or there is none)
	inError     bool // on_error is running
	stasisEnded bool
	ended       bool
	reason      string // why the call ends; the first decisive cause wins

	live callLive // what Engine.Calls reads from other goroutines
}

func newCall(e *Engine, ev *Event, f *Flow) *Call {
	c := &Call{
		e:     e,
		shard: e.shardFor(ev.ChannelID),
		id:    ev.ChannelID,
		app:   ev.Application,
		flow:  f,
		pc:    -1,
		live:  newCallLive(e, f),
	}
	c.log = e.log.With("call_id", ev.ChannelID, "channel_id", ev.ChannelID, "flow", f.Name, "flow_version", f.Version)
	return c
}

// process runs one work item for its call, recovering from panics so a bug in
// one call ends that call only.
func (e *Engine) process(it *item) {
	c := it.call
	if c.ended {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			e.stats.Panics.Add(1)
			c.log.Error("panic in call; ending it", "panic", r, "stack", string(debug.Stack()))
			c.abandon()
		}
	}()
	if c.live.observed {
		c.noteCause(it)
	}
	switch it.kind {
	case itemStart:
		c.start(it.ev)
	case itemEvent:
		c.traceARIEvent(it.ev)
		c.handleEvent(it.ev)
	case itemTimer:
		if it.gen == c.timerGen[it.timer] {
			c.timers[it.timer] = nil
			c.handleTimer(it.timer)
		}
	case itemResult:
		c.handleResult(it.result)
	case itemHTTP:
		c.handleHTTP(it.http)
	case itemVanish:
		c.setReason(EndChannelVanished)
		c.stasisEnded = true
		c.leave("channel gone after reconnect")
	}
}

func (c *Call) trace(kind TraceKind, step, detail string) {
	if c.e.cfg.Trace != nil {
		c.e.cfg.Trace(TraceEvent{Time: c.e.now(), CallID: c.id, Flow: c.flow.Name, Kind: kind, Step: step, Detail: detail})
	}
}

func (c *Call) setReason(r string) {
	if c.reason == "" {
		c.reason = r
	}
}

func (c *Call) start(ev *Event) {
	c.started = c.e.now()
	c.env = make(map[string]any, len(c.flow.vars)+6)
	maps.Copy(c.env, c.flow.vars)
	c.seedOriginated()
	args := ev.Args
	if args == nil {
		args = []string{}
	}
	c.env[envArgs] = args
	c.env[envCaller] = CallerEnv{Number: ev.Channel.CallerNumber, Name: ev.Channel.CallerName}
	c.env[envChannel] = ChannelEnv{ID: ev.ChannelID, Name: ev.Channel.Name, State: ev.Channel.State, Language: ev.Channel.Language}
	c.env[envCall] = CallEnv{ID: ev.ChannelID, Flow: c.flow.Name, FlowVersion: c.flow.Version, App: ev.Application, Started: c.e.now()}
	c.env[envDigits] = ""
	c.env[envNow] = c.e.now
	c.log.Info("call started", "app", ev.Application, "caller", ev.Channel.CallerNumber)
	c.trace(TraceStart, "", fmt.Sprintf("app %s, args %v", ev.Application, ev.Args))
	if c.flow.MaxDuration > 0 {
		c.setTimer(timerMaxDuration, c.flow.MaxDuration.Nanoseconds())
	}
	c.run(c.flow.entry)
}

// run enters state i and keeps going through steps that finish at once (set,
// log, goto, skipped channel actions) until one has to wait.
func (c *Call) run(i int) {
	for !c.ended {
		if i < 0 {
			c.sectionEnd()
			return
		}
		c.steps++
		if c.steps > c.e.cfg.StepBudget {
			c.log.Error("step budget exhausted; ending the call", "budget", c.e.cfg.StepBudget)
			c.trace(TraceError, c.flow.states[i].label, fmt.Sprintf("step budget of %d exhausted", c.e.cfg.StepBudget))
			c.setReason(EndStepBudget)
			if c.inHangup {
				c.finishHangup()
			} else {
				c.hangup("")
			}
			return
		}
		s := c.flow.states[i]
		c.pc = i
		c.gen++
		c.waiting = waitNothing
		c.stepBegan(s)
		c.trace(TraceStep, s.label, s.action)
		next, wait := c.enter(s)
		if wait {
			return
		}
		i = next
	}
}

// enter starts state s. It returns wait=true when the step must wait for an
// event, a timer or a result; otherwise next is the state to run after it
// (-1: end of the section, -2: the call has moved elsewhere already).
func (c *Call) enter(s *state) (next int, wait bool) {
	switch s.kind {
	case kindSet:
		for _, a := range s.assigns {
			v := a.literal
			if a.program != nil {
				out, err := expr.Run(a.program, c.env)
				if err != nil {
					return c.failNext(s, fmt.Errorf("set %s: %w", a.name, err))
				}
				v = out
			}
			c.env[a.name] = v
		}
		return c.follow(s, outcomeNone)
	case kindUnset:
		for _, name := range s.names {
			c.env[name] = c.flow.vars[name]
		}
		return c.follow(s, outcomeNone)
	case kindLog:
		msg, err := c.render(&s.message)
		if err != nil {
			return c.failNext(s, err)
		}
		c.log.Log(context.Background(), s.level, msg, "step", s.label)
		c.trace(TraceLog, s.label, msg)
		return c.follow(s, outcomeNone)
	case kindGoto:
		return s.target, false
	case kindSwitch:
		for _, b := range s.cases {
			ok, err := c.matches(b)
			if err != nil {
				return c.failNext(s, fmt.Errorf("switch: %w", err))
			}
			if ok {
				return b.target, false
			}
		}
		return c.follow(s, outcomeNone)
	case kindWait:
		c.waiting = waitTimer
		c.setTimer(timerStep, s.wait.Nanoseconds())
		return 0, true
	case kindHTTP:
		return c.enterHTTP(s)
	case kindCall:
		return c.enterCall(s)
	case kindReturn:
		return c.enterReturn(s)
	}
	if c.leaving {
		// The channel is going away: channel actions in on_hangup are skipped.
		c.trace(TraceOutcome, s.label, "skipped: the channel is gone")
		return c.follow(s, outcomeNone)
	}
	switch s.kind {
	case kindAnswer:
		c.waiting = waitAction
		c.stepOps = 1
		c.do(c.channelOp("answer", func(ctx context.Context, a ARI) error { return a.Answer(ctx, c.id) }))
		return 0, true
	case kindPlay:
		if err := c.startPlayback(s, s.media, s.playTimeout); err != nil {
			return c.failNext(s, err)
		}
		return 0, true
	case kindHangup:
		c.setReason(EndFlowHangup)
		c.hangup(s.reason)
		return 0, true
	case kindGather:
		return c.enterGather(s)
	case kindTransfer:
		return c.enterTransfer(s)
	case kindGetVar, kindSetVar, kindMOH, kindRing, kindSendDTMF:
		return c.enterChannelAction(s)
	case kindRecord:
		return c.enterRecord(s)
	case kindDial:
		return c.enterDial(s)
	}
	panic(fmt.Sprintf("engine: state %s has unknown kind %d", s.label, s.kind))
}

// startPlayback renders media and plays them as one playback, guarded by
// timeout. The playback id is registered before the request: events can
// arrive before the response.
func (c *Call) startPlayback(s *state, media []template, timeout time.Duration) error {
	uris := make([]string, 0, len(media))
	for i := range media {
		m, err := c.render(&media[i])
		if err != nil {
			return err
		}
		uris = append(uris, m)
	}
	c.pbSeq++
	pb := c.id + "-pb" + strconv.Itoa(c.pbSeq)
	c.playbackID = pb
	c.e.registerPlayback(pb, c)
	c.waiting = waitPlayback
	c.setTimer(timerStep, timeout.Nanoseconds())
	req := PlayRequest{Media: uris, Language: s.language}
	o := c.channelOp("play", func(ctx context.Context, a ARI) error { return a.Play(ctx, c.id, pb, req) })
	o.playback = pb
	c.do(o)
	return nil
}

// matches evaluates a branch's condition; a branch without one matches.
func (c *Call) matches(b branch) (bool, error) {
	if b.when == nil {
		return true, nil
	}
	out, err := expr.Run(b.when, c.env)
	if err != nil {
		return false, err
	}
	ok, _ := out.(bool)
	return ok, nil
}

// follow picks where a step goes after outcome o: the outcome's branches, then
// next:, then the following step.
func (c *Call) follow(s *state, o outcome) (int, bool) {
	for _, set := range [2][]branch{s.on[o], s.next} {
		for _, b := range set {
			ok, err := c.matches(b)
			if err != nil {
				return c.failNext(s, fmt.Errorf("when: %w", err))
			}
			if ok {
				return b.target, false
			}
		}
	}
	return s.follow, false
}

// complete ends the current step with outcome o and runs what follows.
func (c *Call) complete(o outcome) {
	s := c.flow.states[c.pc]
	c.waiting = waitNothing
	c.stopTimer(timerStep)
	if o != outcomeNone {
		c.trace(TraceOutcome, s.label, o.String())
	}
	next, _ := c.follow(s, o)
	if next == -2 {
		return
	}
	c.run(next)
}

func (c *Call) render(t *template) (string, error) {
	if t.constant() {
		if len(t.parts) == 0 {
			return "", nil
		}
		return t.parts[0].text, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.program == nil {
			b.WriteString(p.text)
			continue
		}
		out, err := expr.Run(p.program, c.env)
		if err != nil {
			return "", fmt.Errorf("${%s}: %w", p.text, err)
		}
		fmt.Fprint(&b, out)
	}
	return b.String(), nil
}

// sectionEnd handles running off the end of a step list.
func (c *Call) sectionEnd() {
	switch {
	case c.inHangup:
		c.finishHangup()
	case c.leaving:
		c.maybeFinish()
	case len(c.frames) > 0:
		c.returnFromSubflow(nil) // a sub-flow's steps (or on_error) ran out
	default:
		// The flow's steps (or on_error) are done: hang up.
		c.setReason(EndFlowHangup)
		c.hangup("")
	}
}

// hangup asks Asterisk to hang up the channel and waits for it to leave Stasis.
// An empty reason lets Asterisk choose, as DELETE /channels/{id} does.
func (c *Call) hangup(reason string) {
	c.waiting = waitHangup
	c.stopTimer(timerStep)
	if c.leaving {
		c.maybeFinish()
		return
	}
	c.stopPlayback()
	o := hangupOp(c.id, reason)
	o.gen = c.gen
	c.do(o)
}

// stopPlayback stops the current playback, if any, and forgets its id.
func (c *Call) stopPlayback() {
	if c.playbackID == "" {
		return
	}
	c.e.unregisterPlayback(c.playbackID)
	if !c.leaving {
		c.do(stopOp(c.playbackID))
	}
	c.playbackID = ""
}

// failNext reports err for state s and moves the call to its error path. The
// returned -2 tells run that the call has moved elsewhere already.
func (c *Call) failNext(s *state, err error) (int, bool) {
	c.fail(s, err)
	return -2, true
}

// fail handles a failed action or expression: in on_hangup the step is skipped;
// otherwise on_error runs once, and a failure there hangs up.
func (c *Call) fail(s *state, err error) {
	c.e.stats.ActionErrors.Add(1)
	c.log.Error("step failed", "step", s.label, "err", err)
	c.trace(TraceError, s.label, err.Error())
	c.abortStep()
	switch {
	case c.inHangup:
		c.run(s.follow)
	case c.leaving:
		c.maybeFinish()
	default:
		c.unwindToHandler()
		if c.inError || c.flow.onError < 0 {
			c.setReason(EndError)
			c.hangup("")
			return
		}
		c.inError = true
		c.stopPlayback()
		c.run(c.flow.onError)
	}
}

// abortStep drops what the current step has in progress: its timers, input,
// request, recording and dial (whose legs and bridge are cleaned up).
func (c *Call) abortStep() {
	c.stopTimer(timerStep)
	c.stopTimer(timerOverall)
	c.waiting = waitNothing
	c.collect = nil
	c.http = nil
	if c.recording != "" {
		c.e.unregisterRecording(c.recording)
		c.recording = ""
	}
	c.cleanupDial(c.leaving)
}

// leave starts the end of the call: the caller hung up, the flow's hangup took
// effect, or the channel left Stasis. on_hangup runs exactly once.
func (c *Call) leave(why string) {
	if c.leaving {
		c.maybeFinish()
		return
	}
	c.leaving = true
	c.setReason(EndCallerHangup)
	if c.opBusy {
		c.ops = c.ops[:1] // actions not yet sent are moot now
	} else {
		c.ops = c.ops[:0]
	}
	c.stopTimer(timerStep)
	c.stopTimer(timerMaxDuration)
	c.stopTimer(timerOverall)
	if c.playbackID != "" {
		c.e.unregisterPlayback(c.playbackID)
		c.playbackID = ""
	}
	c.collect = nil
	c.http = nil
	c.cleanupDial(true)
	c.trace(TraceLeave, "", why)
	entry := c.hangupEntry()
	if len(c.frames) > 0 {
		c.unwindToTop() // the top flow's on_hangup runs
		entry = c.flow.onHangup
	}
	if entry < 0 {
		c.hangupDone = true
		c.maybeFinish()
		return
	}
	c.inHangup = true
	c.setTimer(timerHangup, c.e.cfg.HangupBudget.Nanoseconds())
	c.run(entry)
}

func (c *Call) finishHangup() {
	c.inHangup = false
	c.hangupDone = true
	c.stopTimer(timerStep)
	c.stopTimer(timerHangup)
	c.maybeFinish()
}

// maybeFinish ends the call once on_hangup is done and the channel has left
// Stasis; if StasisEnd never comes, the end-grace timer ends it anyway.
func (c *Call) maybeFinish() {
	if !c.hangupDone || c.ended {
		return
	}
	if c.stasisEnded {
		c.finish()
		return
	}
	if c.timers[timerEndGrace] == nil {
		c.setTimer(timerEndGrace, c.e.cfg.EndGrace.Nanoseconds())
	}
}

func (c *Call) finish() {
	if c.ended {
		return
	}
	c.ended = true
	c.cleanupDial(true)
	for k := range c.timers {
		c.stopTimer(timerKind(k))
	}
	c.e.unregisterCall(c)
	c.e.stats.CallsEnded.Add(1)
	c.setReason(EndCallerHangup)
	c.log.Info("call ended", "reason", c.reason, "steps", c.steps)
	c.trace(TraceEnd, "", c.reason)
	c.observeEnd()
	if c.e.cfg.OnCallEnd != nil {
		now := c.e.now()
		c.e.cfg.OnCallEnd(CallSummary{
			CallID: c.id, Flow: c.flow.Name, FlowVersion: c.flow.Version, Reason: c.reason,
			Started: c.started, Ended: now, Steps: c.steps, Vars: c.finalVars(),
		})
	}
}

// finalVars copies the top flow's variables (not the builtins).
func (c *Call) finalVars() map[string]any {
	flow, env := c.flow, c.env
	if len(c.frames) > 0 {
		flow, env = c.frames[0].flow, c.frames[0].env
	}
	out := make(map[string]any, len(flow.vars))
	for name := range flow.vars {
		out[name] = env[name]
	}
	return out
}

// abandon ends a call whose state can no longer be trusted (after a panic):
// it hangs the channel up without running anything else.
func (c *Call) abandon() {
	c.reason = EndPanic
	if !c.leaving {
		c.leaving = true
		c.ops = c.ops[:0]
		c.opBusy = false
		c.e.detached(hangupOp(c.id, ""))
	}
	c.finish()
}
