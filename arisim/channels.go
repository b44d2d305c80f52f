package arisim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func registerChannels(r *node) {
	r.handle("GET", "/channels", listChannels)
	r.handle("POST", "/channels", originate)
	r.handle("POST", "/channels/create", createChannel)
	r.handle("GET", "/channels/{channelId}", getChannel)
	r.handle("POST", "/channels/{channelId}", originate)
	r.handle("DELETE", "/channels/{channelId}", hangupChannel)
	r.handle("POST", "/channels/{channelId}/answer", answerChannel)
	r.handle("POST", "/channels/{channelId}/continue", continueChannel)
	r.handle("POST", "/channels/{channelId}/dial", dialChannel)
	r.handle("POST", "/channels/{channelId}/dtmf", sendDTMF)
	r.handle("POST", "/channels/{channelId}/play", play)
	r.handle("POST", "/channels/{channelId}/play/{playbackId}", play)
	r.handle("POST", "/channels/{channelId}/record", recordChannel)
	r.handle("GET", "/channels/{channelId}/variable", getVariable)
	r.handle("POST", "/channels/{channelId}/variable", setVariable)
	// Indications and media controls: 204, and no event, on Asterisk 22.
	for _, op := range []string{"ring", "moh", "hold", "silence", "mute"} {
		r.handle("POST", "/channels/{channelId}/"+op, quietControl)
		r.handle("DELETE", "/channels/{channelId}/"+op, quietControl)
	}
	r.handle("POST", "/channels/{channelId}/ring", audibleControl)
	r.handle("POST", "/channels/{channelId}/moh", audibleControl)
	r.handle("POST", "/channels/{channelId}/progress", quietControl)
}

// stasisChannelLocked finds a channel an operation needs in Stasis: 404
// "Channel not found", or 409 "Channel not in Stasis application".
func (s *Server) stasisChannelLocked(id string) (*channel, reply) {
	ch := s.channels[id]
	if ch == nil {
		return nil, replyNoChannel
	}
	if ch.stasis == nil {
		return nil, replyNotInStasis
	}
	return ch, reply{}
}

func listChannels(s *Server, _ *request) reply {
	chans := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		chans = append(chans, ch)
	}
	// Asterisk lists them in hash order; newest first is as good.
	slices.SortFunc(chans, func(x, y *channel) int { return cmpUint(y.seq, x.seq) })
	b := make([]byte, 0, 512*len(chans)+2)
	b = append(b, '[')
	for i, ch := range chans {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendChannel(b, ch)
	}
	return jsonReply(http.StatusOK, append(b, ']'))
}

func getChannel(s *Server, rq *request) reply {
	ch := s.channels[rq.vars[0]]
	if ch == nil {
		return replyNoChannel
	}
	return jsonReply(http.StatusOK, appendChannel(nil, ch))
}

// hangupReasons maps DELETE /channels/{id}?reason= to hangup causes.
var hangupReasons = map[string]int{
	"normal":             16,
	"busy":               17,
	"congestion":         34,
	"no_answer":          19,
	"timeout":            18,
	"rejected":           21,
	"unallocated":        1,
	"normal_unspecified": 31,
	"number_incomplete":  28,
	"codec_mismatch":     58,
	"interworking":       127,
	"failure":            38,
	"answered_elsewhere": 26,
}

// hangupChannel serves DELETE /channels/{id}. Whatever the reason, the
// ChannelHangupRequest says cause 32 (Asterisk reports the soft-hangup flag
// there); the reason's cause shows in ChannelDestroyed.
func hangupChannel(s *Server, rq *request) reply {
	ch := s.channels[rq.vars[0]]
	if ch == nil {
		return replyNoChannel
	}
	cause := 16
	code, reason := rq.str("reason_code"), rq.str("reason")
	switch {
	case code != "" && reason != "":
		return errReply(http.StatusBadRequest, "The reason and reason_code can't both be specified")
	case code != "":
		n, err := strconv.Atoi(code)
		if err != nil || n < 0 {
			return errReply(http.StatusBadRequest, "Invalid reason for hangup provided")
		}
		cause = n
	case reason != "":
		n, ok := hangupReasons[reason]
		if !ok {
			return errReply(http.StatusBadRequest, "Invalid reason for hangup provided")
		}
		cause = n
	}
	s.hangupLocked(ch, 32, true, cause)
	return noContent
}

func answerChannel(s *Server, rq *request) reply {
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	s.answerLocked(ch)
	return noContent
}

// continueChannel serves POST /channels/{id}/continue: StasisEnd, then the
// channel runs the dialplan at context/extension/priority (defaults: its own
// context and extension; priority 1 when either was given, else the next one).
func continueChannel(s *Server, rq *request) reply {
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	ctx, exten := rq.str("context"), rq.str("extension")
	prio, ok := rq.intParam("priority", 0)
	if !ok {
		return errReply(http.StatusBadRequest, "Invalid priority")
	}
	if prio <= 0 {
		if ctx == "" && exten == "" && rq.str("label") == "" {
			prio = ch.dp.priority + 1
		} else {
			prio = 1
		}
	}
	if ctx == "" {
		ctx = ch.dp.context
	}
	if exten == "" {
		exten = ch.dp.exten
	}
	s.leaveStasisLocked(ch)
	s.runDialplanLocked(ch, ctx, exten, prio)
	return noContent
}

// sendDTMF serves POST /channels/{id}/dtmf: 204 at once; the digits reach the
// far end (the peer of a Local channel) later.
func sendDTMF(s *Server, rq *request) reply {
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	digits := rq.str("dtmf")
	if digits == "" {
		return errReply(http.StatusBadRequest, "DTMF is required")
	}
	ms := func(name string, def int) time.Duration {
		n, ok := rq.intParam(name, def)
		if !ok || n < 0 {
			n = def
		}
		return time.Duration(n) * time.Millisecond
	}
	s.sendDTMFLocked(ch, digits, ms("before", 0), ms("between", 100), ms("duration", 100))
	return noContent
}

func quietControl(s *Server, rq *request) reply {
	if ch, rep := s.stasisChannelLocked(rq.vars[0]); ch == nil {
		return rep
	}
	return noContent
}

// audibleControl serves POST ring and moh: 204 and no event, but audio (a
// ringback tone, music) starts flowing to the far end one frame later.
func audibleControl(s *Server, rq *request) reply {
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	s.afterLocked(ch, 20*time.Millisecond, func() { s.mediaStartedLocked(ch) })
	return noContent
}

func getVariable(s *Server, rq *request) reply {
	name := rq.str("variable")
	if name == "" {
		return errReply(http.StatusBadRequest, "Variable name is required")
	}
	ch := s.channels[rq.vars[0]]
	if ch == nil {
		return errReply(http.StatusNotFound, "Provided channel was not found")
	}
	if ch.stasis == nil {
		return replyNotInStasis
	}
	v, isFunc := ch.variable(name)
	if v == "" && !isFunc {
		return errReply(http.StatusNotFound, "Provided variable was not found")
	}
	b := appendKeyStr([]byte{'{'}, "value", v)
	return jsonReply(http.StatusOK, append(b, '}'))
}

func setVariable(s *Server, rq *request) reply {
	name := rq.str("variable")
	if name == "" {
		return errReply(http.StatusBadRequest, "Variable name is required")
	}
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	value := rq.str("value")
	ch.setVariable(name, value)
	s.evVarset(ch, name, value)
	return noContent
}

// variable reads a channel variable or one of the few dialplan functions the
// simulator knows; isFunc reports a function call (which never 404s).
func (ch *channel) variable(name string) (v string, isFunc bool) {
	switch strings.ToUpper(name) {
	case "CALLERID(NUM)":
		return ch.callerNum, true
	case "CALLERID(NAME)":
		return ch.callerName, true
	case "CONNECTEDLINE(NUM)":
		return ch.connNum, true
	case "CONNECTEDLINE(NAME)":
		return ch.connName, true
	case "CHANNEL(NAME)":
		return ch.name, true
	case "CHANNEL(STATE)":
		return ch.state, true
	case "CHANNEL(LANGUAGE)":
		return ch.language, true
	case "UNIQUEID":
		return ch.id, false
	}
	if strings.HasSuffix(name, ")") && strings.Contains(name, "(") {
		return "", true
	}
	return ch.vars[name], false
}

func (ch *channel) setVariable(name, value string) {
	switch strings.ToUpper(name) {
	case "CALLERID(NUM)":
		ch.callerNum = value
		return
	case "CALLERID(NAME)":
		ch.callerName = value
		return
	case "CHANNEL(LANGUAGE)":
		ch.language = value
		return
	}
	if ch.vars == nil {
		ch.vars = map[string]string{}
	}
	ch.vars[name] = value
}

// parseCallerID reads "Name <number>" or a bare number.
func parseCallerID(v string) (name, number string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.Trim(strings.TrimSpace(v[:i]), `"`), strings.TrimSpace(v[i+1 : i+j])
		}
	}
	return "", v
}
