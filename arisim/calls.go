package arisim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// CallSpec describes a call placed with PlaceCall.
type CallSpec struct {
	// App is the Stasis application the call enters (required).
	App string
	// Args are the StasisStart args.
	Args []string
	// CallerNumber and CallerName are the caller id.
	CallerNumber, CallerName string
	// Inbound selects the realistic inbound shape: the channel enters Stasis
	// from the dialplan (Stasis(app,args)), unanswered (state Ring), and the
	// app only hears it while it is in Stasis. Otherwise the call has the
	// originate shape: Local/<Exten>@<Context>, both halves subscribed, the ;1
	// half entering Stasis answered.
	Inbound bool
	// Endpoint, for an inbound call, is the technology/resource of the
	// caller's channel, e.g. "PJSIP/alice" (a single channel named
	// PJSIP/alice-00000001). Default: a Local channel, whose ;2 half is in
	// Stasis, as in hello-world-inbound.jsonl.
	Endpoint string
	// Context and Exten are where the call sits in the dialplan. Defaults
	// "default" and "s".
	Context, Exten string
	// ChannelID optionally fixes the id of the channel that enters Stasis.
	ChannelID string
	// Script is what the caller does.
	Script Script
}

// ErrNotConnected is returned by PlaceCall when no WebSocket serves the app:
// like Asterisk's Stasis(), the call cannot enter it.
var ErrNotConnected = errors.New("arisim: application not connected")

// PlaceCall places a call into spec.App and returns the id of the channel in
// Stasis. Every event the placement causes (StasisStart included) is queued
// before PlaceCall returns.
func (s *Server) PlaceCall(spec CallSpec) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.placeCallLocked(spec)
	if err != nil {
		return "", err
	}
	return ch.id, nil
}

func (s *Server) placeCallLocked(spec CallSpec) (*channel, error) {
	if s.closed {
		return nil, errors.New("arisim: server closed")
	}
	if spec.App == "" {
		return nil, errors.New("arisim: CallSpec.App is required")
	}
	if spec.ChannelID != "" && s.channels[spec.ChannelID] != nil {
		return nil, fmt.Errorf("arisim: channel %q already exists", spec.ChannelID)
	}
	a := s.activeAppLocked(spec.App)
	if a == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotConnected, spec.App)
	}
	ctx, exten := spec.Context, spec.Exten
	if ctx == "" {
		ctx = "default"
	}
	if exten == "" {
		exten = "s"
	}
	if !spec.Inbound {
		sc := spec.Script
		callerID := spec.CallerNumber
		if spec.CallerName != "" {
			callerID = `"` + spec.CallerName + `" <` + spec.CallerNumber + `>`
		}
		ch, rep := s.originateLocked(originateArgs{
			endpoint: "Local/" + exten + "@" + ctx, app: spec.App, appArgs: spec.Args,
			channelID: spec.ChannelID, callerID: callerID, script: &sc,
		})
		if ch == nil {
			return nil, fmt.Errorf("arisim: originate failed: %d %s", rep.status, rep.body)
		}
		return ch, nil
	}
	c := s.newCallLocked()
	var ch *channel
	if tech, resource, ok := strings.Cut(spec.Endpoint, "/"); ok && !strings.EqualFold(tech, "Local") {
		ch = s.newChannelLocked(c, spec.ChannelID, s.singleName(tech, resource))
	} else {
		var one *channel
		one, ch = s.newLocalPairLocked(c, exten, ctx, "", spec.ChannelID)
		one.state = stateUp
		one.connName, one.connNum = spec.CallerName, spec.CallerNumber
	}
	ch.state = stateRing
	ch.callerName, ch.callerNum = spec.CallerName, spec.CallerNumber
	ch.dp = dpLoc{context: ctx, exten: exten, priority: s.stasisPriority(ctx)}
	s.attachScriptLocked(ch, spec.Script)
	s.enterStasisLocked(ch, a, spec.Args)
	return ch, nil
}

// stasisPriority is where Stasis() sits in a known context (1 otherwise).
func (s *Server) stasisPriority(ctx string) int {
	for i, st := range s.dialplan[ctx] {
		if strings.EqualFold(st.app, "Stasis") {
			return i + 1
		}
	}
	return 1
}

// CallerHangup makes the caller talking to channel id hang up now.
func (s *Server) CallerHangup(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[id]
	if ch == nil {
		return fmt.Errorf("arisim: no channel %q", id)
	}
	s.callerHangupLocked(ch)
	return nil
}

// CallerDTMF makes the caller talking to channel id press digits now, one
// every DefaultDTMFGap; the first arrives at once.
func (s *Server) CallerDTMF(id, digits string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[id]
	if ch == nil {
		return fmt.Errorf("arisim: no channel %q", id)
	}
	for _, r := range digits {
		if !validDigit(r) {
			return fmt.Errorf("arisim: %q is not a DTMF digit", r)
		}
	}
	sr := &scriptRun{target: ch}
	s.pressLocked(sr, KeyPress{Digits: digits})
	return nil
}

func registerSim(r *node) {
	r.handle("POST", "/calls", simPlaceCall)
	r.handle("GET", "/calls", simListCalls)
	r.handle("DELETE", "/calls/{channelId}", simHangup)
	r.handle("POST", "/calls/{channelId}/dtmf", simDTMF)
	r.handle("GET", "/callees", simListCallees)
	r.handle("POST", "/callees", simSetCallee)
	r.handle("DELETE", "/callees", simDeleteCallee)
	r.handle("POST", "/load", simStartLoad)
	r.handle("GET", "/load", simLoadStats)
	r.handle("DELETE", "/load", simStopLoad)
}

// simPlaceCall serves POST /sim/calls?app=APP[&args=a,b][&script=...]
// [&caller=NUMBER][&callerName=NAME][&endpoint=PJSIP/alice][&context=CTX]
// [&exten=EXTEN][&channelId=ID][&shape=inbound|originate].
func simPlaceCall(s *Server, rq *request) reply {
	spec := CallSpec{
		App:          rq.str("app"),
		CallerNumber: rq.str("caller"),
		CallerName:   rq.str("callerName"),
		Endpoint:     rq.str("endpoint"),
		Context:      rq.str("context"),
		Exten:        rq.str("exten"),
		ChannelID:    rq.str("channelId"),
		Inbound:      rq.str("shape") != "originate",
	}
	if spec.App == "" {
		return errReply(http.StatusBadRequest, "Missing parameter app")
	}
	if v := rq.str("args"); v != "" {
		spec.Args = strings.Split(v, ",")
	}
	sc, err := ParseScript(rq.str("script"))
	if err != nil {
		return errReply(http.StatusBadRequest, err.Error())
	}
	spec.Script = sc
	ch, err := s.placeCallLocked(spec)
	switch {
	case errors.Is(err, ErrNotConnected):
		return errReply(http.StatusConflict, "Application not connected")
	case err != nil:
		return errReply(http.StatusBadRequest, err.Error())
	}
	return jsonReply(http.StatusOK, appendChannel(nil, ch))
}

// simListCalls serves GET /sim/calls[?wait=idle[&timeout=10s]]:
//
//	{"live":N,"in_stasis":M,"channels":[{"id","name","state","app","in_stasis"},...]}
//
// With wait=idle it answers once no call is live, or at the timeout
// (default 10s, wall clock).
func simListCalls(s *Server, rq *request) reply {
	if rq.str("wait") == "idle" && s.liveCalls > 0 {
		timeout := 10 * time.Second
		if d, err := parseDur(rq.str("timeout")); err == nil && d > 0 {
			timeout = d
		}
		return reply{wait: s.idle, deadline: time.Now().Add(timeout)}
	}
	chans := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		chans = append(chans, ch)
	}
	slices.SortFunc(chans, func(x, y *channel) int { return cmpUint(x.seq, y.seq) })
	b := []byte{'{'}
	b = appendKeyInt(b, "live", int64(s.liveCalls))
	b = appendKeyInt(b, "in_stasis", int64(s.inStasis))
	b = append(appendKey(b, "channels"), '[')
	for i, ch := range chans {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = appendKeyStr(b, "id", ch.id)
		b = appendKeyStr(b, "name", ch.name)
		b = appendKeyStr(b, "state", ch.state)
		app := ""
		if ch.stasis != nil {
			app = ch.stasis.name
		} else if ch.sub != nil {
			app = ch.sub.name
		}
		b = appendKeyStr(b, "app", app)
		b = appendKeyBool(b, "in_stasis", ch.stasis != nil)
		b = append(b, '}')
	}
	return jsonReply(http.StatusOK, append(b, "]}"...))
}

// withoutWait drops the wait parameter, for the final answer after a wait.
func withoutWait(q map[string][]string) map[string][]string {
	out := make(map[string][]string, len(q))
	for k, v := range q {
		if k != "wait" {
			out[k] = v
		}
	}
	return out
}

// simHangup serves DELETE /sim/calls/{channelId}: the caller hangs up.
func simHangup(s *Server, rq *request) reply {
	ch := s.channels[rq.vars[0]]
	if ch == nil {
		return replyNoChannel
	}
	s.callerHangupLocked(ch)
	return noContent
}

// simDTMF serves POST /sim/calls/{channelId}/dtmf?dtmf=DIGITS: the caller
// presses digits.
func simDTMF(s *Server, rq *request) reply {
	ch := s.channels[rq.vars[0]]
	if ch == nil {
		return replyNoChannel
	}
	digits := rq.str("dtmf")
	if digits == "" {
		return errReply(http.StatusBadRequest, "DTMF is required")
	}
	for _, r := range digits {
		if !validDigit(r) {
			return errReply(http.StatusBadRequest, fmt.Sprintf("%q is not a DTMF digit", r))
		}
	}
	s.pressLocked(&scriptRun{target: ch}, KeyPress{Digits: digits})
	return noContent
}
