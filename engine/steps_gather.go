package engine

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// gatherSpec is a compiled gather or menu: DTMF collection with VoiceXML 2.0
// (Appendix D) timing. A menu is a one-key gather with options and retries.
type gatherSpec struct {
	menu       bool
	prompt     []template
	minDigits  int
	maxDigits  int
	terminator string // "" for none
	// firstTimeout waits for the first key after the prompt; interTimeout
	// between keys; overallTimeout (0: none) bounds the whole input from the
	// end of the prompt.
	firstTimeout, interTimeout, overallTimeout time.Duration
	pattern                                    *regexp.Regexp
	valid                                      *vm.Program
	into                                       string

	options                      map[string]int // menu: key → state
	attempts                     int
	noInputPrompt, noMatchPrompt []template
}

// Defaults of gather and menu.
const (
	defaultMinDigits    = 1
	defaultMaxDigits    = 20
	defaultTerminator   = "#"
	defaultFirstTimeout = 5 * time.Second
	defaultInterTimeout = 3 * time.Second
	defaultMenuAttempts = 3
)

// collectRun is a call's input in progress.
type collectRun struct {
	spec       *gatherSpec
	buf        strings.Builder
	prompting  bool
	terminated bool // the terminator key ended the input
	attempt    int  // menu: attempts made, from 1
}

func (c *Call) enterGather(s *state) (int, bool) {
	c.collect = &collectRun{spec: s.gather, attempt: 1}
	return c.promptCollect(s, s.gather.prompt)
}

// promptCollect plays media (barge-in: any key stops it) and starts waiting for
// keys when it ends; without media it waits at once.
func (c *Call) promptCollect(s *state, media []template) (int, bool) {
	if len(media) == 0 {
		c.collectPromptDone()
		return 0, true
	}
	if err := c.startPlayback(s, media, DefaultPlayTimeout); err != nil {
		return c.failNext(s, err)
	}
	c.collect.prompting = true
	c.waiting = waitCollect
	return 0, true
}

// collectPromptDone starts the input timers once the prompt has ended.
func (c *Call) collectPromptDone() {
	run := c.collect
	run.prompting = false
	if c.playbackID != "" {
		c.e.unregisterPlayback(c.playbackID)
		c.playbackID = ""
	}
	c.waiting = waitCollect
	timeout := run.spec.firstTimeout
	if run.buf.Len() > 0 {
		timeout = run.spec.interTimeout
	}
	c.setTimer(timerStep, timeout.Nanoseconds())
	if run.spec.overallTimeout > 0 && c.timers[timerOverall] == nil {
		c.setTimer(timerOverall, run.spec.overallTimeout.Nanoseconds())
	}
}

// collectDigit takes one key pressed while collecting.
func (c *Call) collectDigit(digit string) {
	run := c.collect
	if run.prompting {
		c.stopPlayback() // barge-in
		run.prompting = false
	}
	spec := run.spec
	switch {
	case spec.menu:
		run.buf.WriteString(digit)
		c.finishCollect()
		return
	case spec.terminator != "" && digit == spec.terminator:
		run.terminated = true
		c.finishCollect()
		return
	}
	run.buf.WriteString(digit)
	if run.buf.Len() >= spec.maxDigits {
		c.finishCollect()
		return
	}
	c.waiting = waitCollect
	c.setTimer(timerStep, spec.interTimeout.Nanoseconds())
	if spec.overallTimeout > 0 && c.timers[timerOverall] == nil {
		c.setTimer(timerOverall, spec.overallTimeout.Nanoseconds())
	}
}

// finishCollect ends the input (a key, the terminator, a timeout) and picks the
// outcome.
func (c *Call) finishCollect() {
	run := c.collect
	c.stopTimer(timerStep)
	c.stopTimer(timerOverall)
	if run.prompting {
		c.stopPlayback()
		run.prompting = false
	}
	got := run.buf.String()
	c.env[envDigits] = got
	s := c.flow.states[c.pc]
	if run.spec.menu {
		c.finishMenu(s, run, got)
		return
	}
	if run.spec.into != "" {
		c.env[run.spec.into] = got
	}
	o, err := c.judgeDigits(run, got)
	c.collect = nil
	if err != nil {
		c.fail(s, err)
		return
	}
	c.complete(o)
}

func (c *Call) judgeDigits(run *collectRun, got string) (outcome, error) {
	spec := run.spec
	switch {
	case got == "" && !run.terminated:
		return outcomeNoInput, nil
	case len(got) < spec.minDigits:
		return outcomeNoMatch, nil
	case spec.pattern != nil && !spec.pattern.MatchString(got):
		return outcomeNoMatch, nil
	}
	if spec.valid != nil {
		out, err := expr.Run(spec.valid, c.env)
		if err != nil {
			return 0, fmt.Errorf("valid: %w", err)
		}
		if ok, _ := out.(bool); !ok {
			return outcomeNoMatch, nil
		}
	}
	return outcomeMatch, nil
}

// finishMenu jumps to the option of the key, or retries with the no-input or
// no-match prompt, or ends with exhausted.
func (c *Call) finishMenu(s *state, run *collectRun, key string) {
	spec := run.spec
	if target, ok := spec.options[key]; ok && key != "" {
		c.collect = nil
		c.waiting = waitNothing
		c.trace(TraceOutcome, s.label, "key "+key+" → "+c.flow.states[target].label)
		c.run(target)
		return
	}
	reprompt, why := spec.noMatchPrompt, "nomatch"
	if key == "" {
		reprompt, why = spec.noInputPrompt, "noinput"
	}
	if run.attempt >= spec.attempts {
		c.collect = nil
		c.trace(TraceOutcome, s.label, fmt.Sprintf("%s on attempt %d of %d", why, run.attempt, spec.attempts))
		c.complete(outcomeExhausted)
		return
	}
	c.trace(TraceOutcome, s.label, fmt.Sprintf("%s on attempt %d of %d; retrying", why, run.attempt, spec.attempts))
	run.attempt++
	run.buf.Reset()
	run.terminated = false
	c.promptCollect(s, append(append([]template(nil), reprompt...), spec.prompt...))
}

// collectTimeout handles the step timer while collecting: the prompt's guard
// while prompting, otherwise the end of the input.
func (c *Call) collectTimeout() {
	if c.collect.prompting {
		c.log.Warn("no PlaybackFinished for the prompt before its timeout; collecting input anyway", "step", c.flow.states[c.pc].label)
		c.stopPlayback()
		c.collectPromptDone()
		return
	}
	c.finishCollect()
}
