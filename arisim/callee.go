package arisim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// CalleeOutcome is how the far end of an outbound call ends its ringing.
type CalleeOutcome int

// The outcomes of a Callee.
const (
	// CalleeAnswers answers after Callee.Ring.
	CalleeAnswers CalleeOutcome = iota
	// CalleeBusy is busy after Callee.Ring (at once when 0).
	CalleeBusy
	// CalleeNoAnswer rings until the dial times out or is cancelled, or,
	// when Callee.Ring > 0, gives up after Ring.
	CalleeNoAnswer
	// CalleeUnavailable cannot be reached: the channel cannot even be
	// created (500 "Allocation failed").
	CalleeUnavailable
	// CalleeCongestion reports congestion after Callee.Ring (at once when 0).
	CalleeCongestion
)

var outcomeNames = [...]string{"answer", "busy", "noanswer", "unavailable", "congestion"}

// String returns the outcome's name in ParseCallee's form.
func (o CalleeOutcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("CalleeOutcome(%d)", int(o))
}

// Callee says what the far end of a created (POST /channels/create, then
// /dial) or originated (POST /channels) channel to a non-Local endpoint does,
// e.g. PJSIP/alice. The zero Callee answers at once and stays until the other
// side hangs up.
type Callee struct {
	// Outcome is what the far end does after ringing.
	Outcome CalleeOutcome
	// Ring is how long it rings first: before answering, before reporting
	// busy or congestion, or, for CalleeNoAnswer, before it gives up
	// (0: it rings until the dial times out or is cancelled). 0 for answer,
	// busy and congestion means at once, without ringing.
	Ring time.Duration
	// HangupAfter hangs up this long after answering; 0 = never (the far end
	// stays until the other side hangs up).
	HangupAfter time.Duration
	// DTMF are digits pressed after answering; KeyPress.At is measured from
	// the answer (Prompt is ignored). They arrive as ChannelDtmfReceived on
	// the outbound channel.
	DTMF []KeyPress
}

// StandardCallee is what a non-Local endpoint does when neither
// Options.Callees, the resource naming convention nor Options.DefaultCallee
// says otherwise: it rings 1 s, answers, and hangs up 10 s after answering.
var StandardCallee = Callee{Outcome: CalleeAnswers, Ring: time.Second, HangupAfter: 10 * time.Second}

// ParseCallee parses the compact text form of a Callee, used by
// POST /sim/callees and the CLI. Clauses are separated by ";":
//
//	answer[=DURATION]       ring DURATION, then answer (default: at once)
//	busy[=DURATION]         ring DURATION, then busy (default: at once)
//	congestion[=DURATION]   ring DURATION, then congestion (default: at once)
//	noanswer[=DURATION]     ring until the dial times out or is cancelled;
//	                        with DURATION the far end gives up after it
//	unavailable             the endpoint cannot be reached
//	hangup=DURATION         hang up this long after answering
//	dtmf=DIGITS@DURATION[,DIGITS@DURATION...]   press digits after answering
//
// DURATION is "2s", "1500ms" or seconds ("1.5"). At most one outcome clause;
// without one the callee answers. hangup= and dtmf= need an answering callee.
// Examples: "answer=2s;hangup=30s", "busy", "noanswer", "congestion=1s",
// "answer=1s;dtmf=1@2s,#@3s;hangup=5s". The empty string is the zero Callee.
func ParseCallee(text string) (Callee, error) {
	var c Callee
	outcomes := 0
	for _, clause := range strings.Split(text, ";") {
		clause = strings.TrimSpace(clause)
		if clause == "" {
			continue
		}
		key, val, hasVal := strings.Cut(clause, "=")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		bad := func(format string, args ...any) (Callee, error) {
			return Callee{}, fmt.Errorf("arisim: callee %q: clause %q: %s", text, clause, fmt.Sprintf(format, args...))
		}
		switch key {
		case "answer", "busy", "congestion", "noanswer", "unavailable":
			outcomes++
			if outcomes > 1 {
				return bad("only one of answer, busy, congestion, noanswer, unavailable")
			}
			for i, name := range outcomeNames {
				if name == key {
					c.Outcome = CalleeOutcome(i)
				}
			}
			if !hasVal {
				continue
			}
			if key == "unavailable" {
				return bad("unavailable takes no value")
			}
			d, err := parseDur(val)
			if err != nil {
				return bad("%v", err)
			}
			c.Ring = d
		case "hangup":
			d, err := parseDur(val)
			if err != nil || !hasVal {
				return bad("want hangup=DURATION")
			}
			if d <= 0 {
				return bad("hangup time must be positive")
			}
			c.HangupAfter = d
		case "dtmf":
			if val == "" {
				return bad("want dtmf=DIGITS@DURATION[,DIGITS@DURATION...]")
			}
			presses, err := parsePresses(val, "DIGITS@DURATION, e.g. 1@2s", func(when string) (KeyPress, error) {
				at, err := parseDur(when)
				return KeyPress{At: at}, err
			})
			if err != nil {
				return bad("%v", err)
			}
			c.DTMF = append(c.DTMF, presses...)
		default:
			return bad("unknown clause %q: want answer, busy, congestion, noanswer, unavailable, hangup= or dtmf=", key)
		}
	}
	if c.Outcome != CalleeAnswers && (c.HangupAfter > 0 || len(c.DTMF) > 0) {
		return Callee{}, fmt.Errorf("arisim: callee %q: hangup= and dtmf= need a callee that answers", text)
	}
	return c, nil
}

// String returns the callee in ParseCallee's form.
func (c Callee) String() string {
	out := c.Outcome.String()
	if c.Ring > 0 && c.Outcome != CalleeUnavailable {
		out += "=" + c.Ring.String()
	}
	if len(c.DTMF) > 0 {
		presses := make([]string, len(c.DTMF))
		for i, kp := range c.DTMF {
			presses[i] = kp.Digits + "@" + kp.At.String()
		}
		out += ";dtmf=" + strings.Join(presses, ",")
	}
	if c.HangupAfter > 0 {
		out += ";hangup=" + c.HangupAfter.String()
	}
	return out
}

// conventionCallees are the resources that behave as their name says, on any
// technology (PJSIP/busy, SIP/noanswer, ...).
var conventionCallees = map[string]Callee{
	"busy":        {Outcome: CalleeBusy},
	"noanswer":    {Outcome: CalleeNoAnswer},
	"unavailable": {Outcome: CalleeUnavailable},
	"congestion":  {Outcome: CalleeCongestion},
}

// calleeForLocked picks the callee of a non-Local endpoint: Options.Callees
// or /sim/callees by exact endpoint, then the resource naming convention,
// then Options.DefaultCallee, then StandardCallee.
func (s *Server) calleeForLocked(endpoint string) Callee {
	if c, ok := s.callees[endpoint]; ok {
		return c
	}
	_, res, _ := strings.Cut(endpoint, "/")
	if i := strings.IndexAny(res, "@/"); i >= 0 {
		res = res[:i]
	}
	if c, ok := conventionCallees[strings.ToLower(res)]; ok {
		return c
	}
	if s.defCallee != nil {
		return *s.defCallee
	}
	return StandardCallee
}

// SetCallee makes endpoint (e.g. "PJSIP/alice") behave as c from now on.
func (s *Server) SetCallee(endpoint string, c Callee) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callees[endpoint] = c
}

// simSetCallee serves POST /sim/callees?endpoint=PJSIP/alice&callee=TEXT.
func simSetCallee(s *Server, rq *request) reply {
	endpoint := rq.str("endpoint")
	if endpoint == "" {
		return errReply(http.StatusBadRequest, "Missing parameter endpoint")
	}
	if tech, res, ok := strings.Cut(endpoint, "/"); !ok || tech == "" || res == "" {
		return errReply(http.StatusBadRequest, "Endpoint must be TECH/RESOURCE")
	}
	c, err := ParseCallee(rq.str("callee"))
	if err != nil {
		return errReply(http.StatusBadRequest, err.Error())
	}
	s.callees[endpoint] = c
	return noContent
}

// simDeleteCallee serves DELETE /sim/callees?endpoint=PJSIP/alice: the
// endpoint falls back to the convention or the default callee.
func simDeleteCallee(s *Server, rq *request) reply {
	endpoint := rq.str("endpoint")
	if _, ok := s.callees[endpoint]; !ok {
		return errReply(http.StatusNotFound, "Callee not found")
	}
	delete(s.callees, endpoint)
	return noContent
}

// simListCallees serves GET /sim/callees: {"PJSIP/alice":"answer=2s",...},
// the endpoints set by Options.Callees or POST /sim/callees.
func simListCallees(s *Server, _ *request) reply {
	keys := make([]string, 0, len(s.callees))
	for k := range s.callees {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := []byte{'{'}
	for _, k := range keys {
		b = appendKeyStr(b, k, s.callees[k].String())
	}
	return jsonReply(http.StatusOK, append(b, '}'))
}
