package arisim

import (
	"strconv"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// A tiny dialplan: enough to play the caller side of a Local channel (the ;2
// half runs its context while the ;1 half is in Stasis) and to run a channel
// sent back to the dialplan with /continue. A context is a list of
// applications in priority order; the extension is not looked at.

type dpStep struct{ app, data string }

// builtinDialplan holds the contexts of the captured traces (see
// ari/asterisk/extensions.conf), so their requests replay unchanged.
func builtinDialplan() map[string][]dpStep {
	return map[string][]dpStep{
		"flowtest":     parseDialplan([]string{"Answer()", "Wait(1)", "SendDTMF(1)", "Wait(30)", "Hangup()"}),
		"stasis-hello": parseDialplan([]string{"NoOp(into Stasis hello-world)", "Stasis(hello-world)", "Hangup()"}),
		"cap-silent":   parseDialplan([]string{"Answer()", "Wait(60)", "Hangup()"}),
		"silent":       parseDialplan([]string{"Answer()", "Wait(60)", "Hangup()"}),
		"cap-hangup":   parseDialplan([]string{"Answer()", "Wait(0.6)", "Hangup()"}),
		"cap-dtmf":     parseDialplan([]string{"Answer()", "Wait(1.5)", "SendDTMF(123#,200,100)", "Wait(60)", "Hangup()"}),
		"cap-record":   parseDialplan([]string{"Answer()", "Wait(0.1)", "Playback(hello-world)", "SendDTMF(#)", "MusicOnHold(,60)", "Hangup()"}),
	}
}

// parseDialplan turns "App(data)" strings into steps; a bare "App" has no data.
func parseDialplan(apps []string) []dpStep {
	steps := make([]dpStep, 0, len(apps))
	for _, a := range apps {
		a = strings.TrimSpace(a)
		name, data := a, ""
		if i := strings.IndexByte(a, '('); i >= 0 {
			name, data = a[:i], strings.TrimSuffix(a[i+1:], ")")
		}
		steps = append(steps, dpStep{app: strings.TrimSpace(name), data: data})
	}
	return steps
}

// scriptedCallee is what the ;2 half runs for a scripted caller: it answers
// and waits; the script does the rest.
var scriptedCallee = []dpStep{{app: "Answer"}, {app: "Wait"}}

// dpRun executes a dialplan on one channel.
type dpRun struct {
	ch        *channel
	steps     []dpStep
	pc        int // index of the next step
	timer     clock.Timer
	waitMedia bool // Answer() waiting for the first media frame (at most 500 ms)
}

// runDialplanLocked starts ch at ctx/exten/priority. An unknown context is an
// invalid extension: the channel is hung up.
func (s *Server) runDialplanLocked(ch *channel, ctx, exten string, priority int) {
	if priority < 1 {
		priority = 1
	}
	ch.dp.context, ch.dp.exten = ctx, exten
	steps, ok := s.dialplan[ctx]
	if !ok {
		s.log.Debug("arisim: no such dialplan context, hanging up", "channel", ch.id, "context", ctx)
	}
	s.runStepsLocked(ch, steps, priority)
}

func (s *Server) runStepsLocked(ch *channel, steps []dpStep, priority int) {
	if ch.run != nil && ch.run.timer != nil {
		ch.run.timer.Stop()
	}
	r := &dpRun{ch: ch, steps: steps, pc: priority - 1}
	ch.run = r
	s.stepLocked(r)
}

// stepLocked runs steps until one has to wait.
func (s *Server) stepLocked(r *dpRun) {
	ch := r.ch
	for {
		if ch.gone || ch.run != r || ch.stasis != nil {
			return
		}
		if r.pc >= len(r.steps) {
			// Falling off the end of the dialplan hangs the channel up.
			s.hangupLocked(ch, 16, true, 16)
			return
		}
		st := r.steps[r.pc]
		r.pc++
		ch.dp.priority = r.pc
		ch.dp.app, ch.dp.data = st.app, st.data
		s.evDialplan(ch)
		args := splitArgs(st.data)
		switch strings.ToLower(st.app) {
		case "answer":
			if ch.state == stateUp {
				continue
			}
			s.answerLocked(ch)
			if ch.gone || ch.run != r {
				return
			}
			// Answer() waits for the first media frame, at most 500 ms.
			r.waitMedia = true
			r.timer = s.afterLocked(ch, 500*time.Millisecond, func() { s.resumeLocked(r) })
			return
		case "ringing":
			if ch.state != stateUp {
				ch.state = stateRinging
				s.evChannel(ch, "ChannelStateChange")
			}
		case "wait":
			d, ok := parseSeconds(arg(args, 0))
			if !ok {
				return // a scripted callee waits until the script acts
			}
			r.timer = s.afterLocked(ch, d, func() { s.resumeLocked(r) })
			return
		case "senddtmf":
			between := msArg(arg(args, 1), 100)
			duration := msArg(arg(args, 2), 100)
			d := s.sendDTMFLocked(ch, arg(args, 0), 0, between, duration)
			if arg(args, 2) == "" {
				d += 150 * time.Millisecond // as measured with the default tone length
			}
			r.timer = s.afterLocked(ch, d, func() { s.resumeLocked(r) })
			return
		case "playback":
			kind, d := s.mediaLocked("sound:" + arg(args, 0))
			status := "SUCCESS"
			if kind != mediaOK {
				status, d = "FAILED", 0
			}
			r.timer = s.afterLocked(ch, d, func() {
				s.evVarset(ch, "PLAYBACKSTATUS", status)
				s.resumeLocked(r)
			})
			return
		case "musiconhold":
			if d, ok := parseSeconds(arg(args, 1)); ok && d > 0 {
				r.timer = s.afterLocked(ch, d, func() { s.resumeLocked(r) })
			}
			return
		case "hangup":
			cause := 16
			if n, err := strconv.Atoi(arg(args, 0)); err == nil && n > 0 {
				cause = n
			}
			s.hangupLocked(ch, cause, true, cause)
			return
		case "stasis":
			a := s.activeAppLocked(arg(args, 0))
			if a == nil {
				s.evVarset(ch, "STASISSTATUS", "FAILED")
				continue
			}
			s.enterStasisLocked(ch, a, argsAfterFirst(args))
			return
		}
	}
}

// resumeLocked moves on after a step's wait.
func (s *Server) resumeLocked(r *dpRun) {
	r.waitMedia = false
	r.timer = nil
	s.stepLocked(r)
}

// mediaStartedLocked: media started flowing towards ch's far end; an
// Answer() there waiting for it completes.
func (s *Server) mediaStartedLocked(ch *channel) {
	p := ch.peer
	if p == nil || p.run == nil || !p.run.waitMedia {
		return
	}
	r := p.run
	if r.timer != nil {
		r.timer.Stop()
	}
	s.resumeLocked(r)
}

func splitArgs(data string) []string {
	if data == "" {
		return nil
	}
	return strings.Split(data, ",")
}

func arg(args []string, i int) string {
	if i < len(args) {
		return strings.TrimSpace(args[i])
	}
	return ""
}

func argsAfterFirst(args []string) []string {
	if len(args) <= 1 {
		return []string{}
	}
	return append([]string{}, args[1:]...)
}

// parseSeconds reads a dialplan duration in seconds ("1.5").
func parseSeconds(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func msArg(v string, def int) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Millisecond
	}
	return time.Duration(def) * time.Millisecond
}
