package arisim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Script says what a simulated caller does once its call is in Stasis. The
// zero Script is a caller who listens silently until the application hangs
// up. Times are measured from the moment the call enters Stasis (StasisStart),
// or, for prompt-relative triggers, from the moment a prompt starts playing.
type Script struct {
	// DTMF are the digits the caller presses.
	DTMF []KeyPress
	// HangupAfter hangs up this long after StasisStart; 0 = never.
	HangupAfter time.Duration
	// HangupPrompt hangs up HangupDelay after the HangupPrompt-th prompt
	// (playback; 1 = the first) starts on the caller's channel; 0 = never.
	HangupPrompt int
	// HangupDuring hangs up HangupDelay after media with exactly this URI
	// starts playing (an item of a list counts); "" = never.
	HangupDuring string
	// HangupDelay is the delay for HangupPrompt and HangupDuring.
	HangupDelay time.Duration
	// Silent makes the caller press nothing, whatever DTMF says.
	Silent bool
}

// KeyPress is one or more digits pressed by a scripted caller.
type KeyPress struct {
	// Digits are pressed one after the other: any of 0-9 * # A-D.
	Digits string
	// At is when the first digit arrives (its ChannelDtmfReceived, sent at
	// the end of the tone): after StasisStart, or, when Prompt > 0, after the
	// Prompt-th prompt started.
	At time.Duration
	// Prompt makes At relative to the start of the Prompt-th playback on the
	// caller's channel (1 = the first). 0: relative to StasisStart.
	Prompt int
	// Duration is the tone length reported as duration_ms. Default 100ms.
	Duration time.Duration
	// Gap separates successive digits' events. Default 300ms (100 ms tones,
	// 200 ms pauses, as SendDTMF(…,200,100) in the traces).
	Gap time.Duration
}

// Defaults of KeyPress.
const (
	DefaultDTMFDuration = 100 * time.Millisecond
	DefaultDTMFGap      = 300 * time.Millisecond
)

// ParseScript parses the compact text form of a Script, used by the CLI, by
// POST /sim/calls and by originate's script parameter. Clauses are separated
// by ";" and spaces around items are ignored:
//
//	dtmf=PRESS[,PRESS...]   digits pressed; PRESS is DIGITS@WHEN
//	hangup=WHEN             the caller hangs up
//	silent                  the caller presses nothing
//
// WHEN is one of
//
//	DURATION                after StasisStart: "2s", "1500ms", or seconds "1.5"
//	pN[+DURATION]           after the N-th prompt (playback) starts: "p1", "p2+500ms"
//	MEDIA[+DURATION]        hangup only: after media MEDIA starts: "sound:demo-congrats+600ms"
//
// DIGITS is one or more of 0-9 * # A-D; several digits arrive 300 ms apart.
// Examples:
//
//	dtmf=1@2s,#@3s;hangup=5s
//	dtmf=123#@p1+500ms
//	hangup=sound:demo-congrats+600ms
//	silent;hangup=p2
//
// The empty string is the zero Script.
func ParseScript(text string) (Script, error) {
	var sc Script
	for _, clause := range strings.Split(text, ";") {
		clause = strings.TrimSpace(clause)
		if clause == "" {
			continue
		}
		key, val, hasVal := strings.Cut(clause, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		bad := func(format string, args ...any) (Script, error) {
			return Script{}, fmt.Errorf("arisim: script %q: clause %q: %s", text, clause, fmt.Sprintf(format, args...))
		}
		switch key {
		case "silent":
			if hasVal {
				return bad("silent takes no value")
			}
			sc.Silent = true
		case "dtmf":
			if val == "" {
				return bad("want dtmf=DIGITS@WHEN[,DIGITS@WHEN...]")
			}
			presses, err := parsePresses(val, "DIGITS@WHEN, e.g. 1@2s or 12#@p1+500ms", func(when string) (KeyPress, error) {
				at, prompt, media, err := parseWhen(when)
				if err == nil && media != "" {
					err = fmt.Errorf("a key press cannot wait for a media URI; use pN[+DURATION]")
				}
				return KeyPress{At: at, Prompt: prompt}, err
			})
			if err != nil {
				return bad("%v", err)
			}
			sc.DTMF = append(sc.DTMF, presses...)
		case "hangup":
			if val == "" {
				return bad("want hangup=WHEN")
			}
			at, prompt, media, err := parseWhen(val)
			if err != nil {
				return bad("%v", err)
			}
			switch {
			case media != "":
				sc.HangupDuring, sc.HangupDelay = media, at
			case prompt > 0:
				sc.HangupPrompt, sc.HangupDelay = prompt, at
			default:
				if at <= 0 {
					return bad("hangup time must be positive")
				}
				sc.HangupAfter = at
			}
		default:
			return bad("unknown clause %q: want dtmf=, hangup= or silent", key)
		}
	}
	return sc, nil
}

// parseWhen reads DURATION, pN[+DURATION] or MEDIA[+DURATION].
func parseWhen(v string) (at time.Duration, prompt int, media string, err error) {
	if len(v) > 1 && v[0] == 'p' && v[1] >= '0' && v[1] <= '9' {
		n, rest, _ := strings.Cut(v[1:], "+")
		prompt, err = strconv.Atoi(n)
		if err != nil || prompt < 1 {
			return 0, 0, "", fmt.Errorf("bad prompt number in %q", v)
		}
		if rest != "" {
			if at, err = parseDur(rest); err != nil {
				return 0, 0, "", err
			}
		}
		return at, prompt, "", nil
	}
	if strings.Contains(v, ":") {
		media = v
		if i := strings.LastIndexByte(v, '+'); i > 0 {
			if d, err := parseDur(v[i+1:]); err == nil {
				media, at = v[:i], d
			}
		}
		return at, 0, media, nil
	}
	at, err = parseDur(v)
	return at, 0, "", err
}

// parseDur reads a Go duration ("2s", "1500ms") or plain seconds ("1.5").
func parseDur(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("negative time %q", v)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("bad time %q: want a duration (2s, 500ms), seconds (1.5), pN[+DURATION] or, for hangup, a media URI", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative time %q", v)
	}
	return d, nil
}

// String returns the script in ParseScript's form.
func (sc Script) String() string {
	var parts []string
	if len(sc.DTMF) > 0 {
		presses := make([]string, len(sc.DTMF))
		for i, kp := range sc.DTMF {
			presses[i] = kp.Digits + "@" + whenString(kp.Prompt, "", kp.At)
		}
		parts = append(parts, "dtmf="+strings.Join(presses, ","))
	}
	switch {
	case sc.HangupAfter > 0:
		parts = append(parts, "hangup="+sc.HangupAfter.String())
	case sc.HangupPrompt > 0:
		parts = append(parts, "hangup="+whenString(sc.HangupPrompt, "", sc.HangupDelay))
	case sc.HangupDuring != "":
		parts = append(parts, "hangup="+whenString(0, sc.HangupDuring, sc.HangupDelay))
	}
	if sc.Silent {
		parts = append(parts, "silent")
	}
	return strings.Join(parts, ";")
}

func whenString(prompt int, media string, at time.Duration) string {
	switch {
	case prompt > 0:
		s := "p" + strconv.Itoa(prompt)
		if at > 0 {
			s += "+" + at.String()
		}
		return s
	case media != "":
		if at > 0 {
			return media + "+" + at.String()
		}
		return media
	}
	return at.String()
}

// scriptRun is a Script acting on a call. target is the Stasis channel the
// caller talks to (it receives the digits; its playbacks are the prompts);
// the caller hangs up through target's peer, or as a remote party when target
// has none.
type scriptRun struct {
	sc          Script
	target      *channel
	started     bool
	prompts     int
	hangupArmed bool
}

func (s *Server) attachScriptLocked(target *channel, sc Script) {
	target.script = &scriptRun{sc: sc, target: target}
}

// startScriptLocked arms the time-based actions, at StasisStart.
func (s *Server) startScriptLocked(sr *scriptRun) {
	sr.started = true
	if !sr.sc.Silent {
		for _, kp := range sr.sc.DTMF {
			if kp.Prompt == 0 {
				s.pressLocked(sr, kp)
			}
		}
	}
	if d := sr.sc.HangupAfter; d > 0 {
		s.armHangupLocked(sr, d)
	}
}

// scriptMediaLocked: media uri started on the caller's channel; first is
// true for the first item of a playback (a new prompt).
func (s *Server) scriptMediaLocked(sr *scriptRun, uri string, first bool) {
	if !sr.started {
		return
	}
	if first {
		sr.prompts++
		if !sr.sc.Silent {
			for _, kp := range sr.sc.DTMF {
				if kp.Prompt == sr.prompts {
					s.pressLocked(sr, kp)
				}
			}
		}
		if sr.sc.HangupPrompt == sr.prompts {
			s.armHangupLocked(sr, sr.sc.HangupDelay)
		}
	}
	if sr.sc.HangupDuring != "" && sr.sc.HangupDuring == uri {
		s.armHangupLocked(sr, sr.sc.HangupDelay)
	}
}

func (s *Server) pressLocked(sr *scriptRun, kp KeyPress) {
	dur, gap := kp.Duration, kp.Gap
	if dur <= 0 {
		dur = DefaultDTMFDuration
	}
	if gap <= 0 {
		gap = DefaultDTMFGap
	}
	ms := int(dur / time.Millisecond)
	at := kp.At
	for _, r := range kp.Digits {
		d := string(r)
		target := sr.target
		s.afterLocked(target, at, func() { s.receiveDTMFLocked(target, d, ms) })
		at += gap
	}
}

func (s *Server) armHangupLocked(sr *scriptRun, d time.Duration) {
	if sr.hangupArmed {
		return
	}
	sr.hangupArmed = true
	target := sr.target
	s.afterLocked(target, d, func() { s.callerHangupLocked(target) })
}

// callerHangupLocked: the caller talking to ch hangs up. A Local peer runs
// Hangup() (ChannelDialplan, then the hangup sequence); a channel without a
// peer sees its remote party hang up.
func (s *Server) callerHangupLocked(ch *channel) {
	far := ch.peer
	if far == nil || far.gone {
		s.remoteHangupLocked(ch, 16)
		return
	}
	if far.run != nil && far.run.timer != nil {
		far.run.timer.Stop()
	}
	far.run = nil
	far.dp.priority++
	far.dp.app, far.dp.data = "Hangup", ""
	s.evDialplan(far)
	s.hangupLocked(far, 16, true, 16)
}

// parsePresses parses a dtmf= value, DIGITS@WHEN[,DIGITS@WHEN...]; want
// describes the form in errors, and when turns WHEN into the press's timing.
func parsePresses(val, want string, when func(string) (KeyPress, error)) ([]KeyPress, error) {
	var out []KeyPress
	for _, item := range strings.Split(val, ",") {
		item = strings.TrimSpace(item)
		digits, w, ok := strings.Cut(item, "@")
		digits, w = strings.TrimSpace(digits), strings.TrimSpace(w)
		if !ok || digits == "" || w == "" {
			return nil, fmt.Errorf("press %q: want %s", item, want)
		}
		for _, r := range digits {
			if !validDigit(r) {
				return nil, fmt.Errorf("press %q: %q is not a DTMF digit (0-9 * # A-D)", item, r)
			}
		}
		kp, err := when(w)
		if err != nil {
			return nil, fmt.Errorf("press %q: %v", item, err)
		}
		kp.Digits = digits
		out = append(out, kp)
	}
	return out, nil
}
