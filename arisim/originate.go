package arisim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// originateArgs are the parameters of an originate or a create.
type originateArgs struct {
	endpoint           string
	app                string
	appArgs            []string
	context, extension string
	priority           int
	channelID, otherID string
	callerID           string
	vars               map[string]string
	script             *Script       // the callee's script; nil: by extension or context
	timeout            time.Duration // originate: ring at most this long; 0 = no limit
}

func (rq *request) originateArgs() (originateArgs, reply) {
	o := originateArgs{
		endpoint:  rq.str("endpoint"),
		app:       rq.str("app"),
		context:   rq.str("context"),
		extension: rq.str("extension"),
		channelID: rq.str("channelId"),
		otherID:   rq.str("otherChannelId"),
		callerID:  rq.str("callerId"),
	}
	if len(rq.vars) > 0 {
		o.channelID = rq.vars[0]
	}
	if v := rq.str("appArgs"); v != "" {
		o.appArgs = strings.Split(v, ",")
	}
	o.priority, _ = rq.intParam("priority", 0)
	// Originate rings at most 30 s unless told (-1: no limit).
	if n, _ := rq.intParam("timeout", 30); n > 0 {
		o.timeout = time.Duration(n) * time.Second
	}
	if raw, ok := rq.body["variables"]; ok {
		o.vars = parseVariables(raw)
	}
	if v, ok := rq.get("script"); ok {
		sc, err := ParseScript(v)
		if err != nil {
			return o, errReply(http.StatusBadRequest, err.Error())
		}
		o.script = &sc
	}
	return o, reply{}
}

// originate serves POST /channels and POST /channels/{channelId}.
func originate(s *Server, rq *request) reply {
	o, rep := rq.originateArgs()
	if rep.status != 0 {
		return rep
	}
	_, rep = s.originateLocked(o)
	return rep
}

// endpointParts splits "Local/exten@context[/n]" or "PJSIP/resource".
func endpointParts(endpoint string) (tech, exten, ctx string) {
	tech, resource, _ := strings.Cut(endpoint, "/")
	if !strings.EqualFold(tech, "Local") {
		return tech, resource, ""
	}
	exten, ctx, ok := strings.Cut(resource, "@")
	if !ok {
		ctx = "default"
	}
	ctx, _, _ = strings.Cut(ctx, "/")
	return "Local", exten, ctx
}

// singleTechs are technologies whose channels the simulator answers as a far
// end without a Local ;2 half.
var singleTechs = map[string]bool{"PJSIP": true, "SIP": true, "IAX2": true, "DAHDI": true}

// originateLocked originates a call. For Local/<exten>@<ctx> the ;2 half
// follows, in order of precedence, the script parameter, Options.Scripts[exten]
// or the dialplan context ctx; otherwise it answers and stays silent. The ;1
// half enters Stasis once the ;2 half answers.
func (s *Server) originateLocked(o originateArgs) (*channel, reply) {
	if o.endpoint == "" {
		return nil, errReply(http.StatusBadRequest, "Endpoint must be specified")
	}
	if o.app == "" && o.extension == "" {
		return nil, errReply(http.StatusBadRequest, "Application or extension must be specified")
	}
	if s.channels[o.channelID] != nil || s.channels[o.otherID] != nil {
		return nil, errReply(http.StatusConflict, "Channel with given unique ID already exists")
	}
	tech, exten, ctx := endpointParts(o.endpoint)
	single := singleTechs[strings.ToUpper(tech)]
	if tech != "Local" && !single || exten == "" {
		return nil, replyAllocFailed
	}
	var callee *Callee
	if single {
		cl := s.calleeForLocked(o.endpoint)
		if cl.Outcome == CalleeUnavailable {
			// The channel driver cannot create the channel.
			return nil, replyAllocFailed
		}
		callee = &cl
	}
	c := s.newCallLocked()
	var one, two *channel
	if single {
		one = s.newChannelLocked(c, o.channelID, s.singleName(tech, exten))
		one.dp = dpLoc{context: "default", exten: exten, priority: 1}
	} else {
		one, two = s.newLocalPairLocked(c, exten, ctx, o.channelID, o.otherID)
		two.state = stateRing
	}
	one.baseApp, one.baseData = "AppDial2", "(Outgoing Line)"
	one.dp.app, one.dp.data = one.baseApp, one.baseData
	one.callerName, one.callerNum = parseCallerID(o.callerID)
	for k, v := range o.vars {
		one.setVariable(k, v)
	}
	body := appendChannel(make([]byte, 0, 512), one)

	var a *app
	if o.app != "" {
		if a = s.activeAppLocked(o.app); a == nil {
			// Stasis app doesn't exist: Asterisk still answers 200, then the
			// channel dies at once.
			s.log.Info("arisim: originate to an app without a WebSocket; the channel dies", "app", o.app)
			s.silentDestroyLocked(one)
			if two != nil {
				s.silentDestroyLocked(two)
			}
			return nil, jsonReply(http.StatusOK, body)
		}
		s.subscribeLocked(one, a)
		if two != nil {
			s.subscribeLocked(two, a)
		}
	}
	sc := o.script
	if sc == nil {
		if named, ok := s.scripts[exten]; ok {
			sc = &named
		}
	}
	dialstring := exten
	if two != nil {
		dialstring = exten + "@" + ctx
	}
	if o.app == "" && o.context == "" {
		o.context = "default"
	}
	one.orig = &origin{app: a, args: o.appArgs, dialstring: dialstring, script: sc,
		dp: dpLoc{context: o.context, exten: o.extension, priority: o.priority}, callee: callee}
	s.evDial(one, "", dialstring)
	if two == nil {
		s.startCalleeLocked(one, o.timeout)
	} else {
		s.runStepsLocked(two, s.calleeSteps(ctx, sc), 1)
	}
	return one, jsonReply(http.StatusOK, body)
}

// calleeSteps is the program of a ;2 half: a scripted callee, the dialplan
// context, or a silent answerer.
func (s *Server) calleeSteps(ctx string, sc *Script) []dpStep {
	if sc == nil {
		if steps, ok := s.dialplan[ctx]; ok {
			return steps
		}
	}
	return scriptedCallee
}

func (s *Server) singleName(tech, resource string) string {
	s.localSeq++
	b := make([]byte, 0, 48)
	b = append(b, tech...)
	b = append(b, '/')
	b = append(b, resource...)
	b = append(b, '-')
	return string(appendHex8(b, s.localSeq))
}

// createChannel serves POST /channels/create: the ;1 half enters Stasis at
// once, in state Down; POST /channels/{id}/dial rings the far end.
func createChannel(s *Server, rq *request) reply {
	o, rep := rq.originateArgs()
	if rep.status != 0 {
		return rep
	}
	if o.endpoint == "" {
		return errReply(http.StatusBadRequest, "Endpoint must be specified")
	}
	if o.app == "" {
		return errReply(http.StatusBadRequest, "Application must be specified")
	}
	if rq.str("originator") != "" && rq.str("formats") != "" {
		return errReply(http.StatusBadRequest, "Originator and formats can't both be specified")
	}
	if s.channels[o.channelID] != nil || s.channels[o.otherID] != nil {
		return errReply(http.StatusConflict, "Channel with given unique ID already exists")
	}
	tech, exten, ctx := endpointParts(o.endpoint)
	single := singleTechs[strings.ToUpper(tech)]
	if tech != "Local" && !single || exten == "" {
		return replyAllocFailed
	}
	var callee *Callee
	if single {
		cl := s.calleeForLocked(o.endpoint)
		if cl.Outcome == CalleeUnavailable {
			return replyAllocFailed
		}
		callee = &cl
	}
	a := s.activeAppLocked(o.app)
	c := s.newCallLocked()
	var one *channel
	dialstring := exten
	if single {
		one = s.newChannelLocked(c, o.channelID, s.singleName(tech, exten))
		one.dp = dpLoc{context: "default", exten: exten, priority: 1}
	} else {
		var two *channel
		one, two = s.newLocalPairLocked(c, exten, ctx, o.channelID, o.otherID)
		two.state = stateRing
		dialstring = exten + "@" + ctx
	}
	one.callerName, one.callerNum = parseCallerID(o.callerID)
	for k, v := range o.vars {
		one.setVariable(k, v)
	}
	body := appendChannel(make([]byte, 0, 512), one)
	if a == nil {
		s.silentDestroyLocked(one)
		if one.peer != nil {
			s.silentDestroyLocked(one.peer)
		}
		return jsonReply(http.StatusOK, body)
	}
	sc := o.script
	if sc == nil {
		if named, ok := s.scripts[exten]; ok {
			sc = &named
		}
	}
	one.orig = &origin{dial: true, dialstring: dialstring, script: sc, ctx: ctx, callee: callee}
	s.subscribeLocked(one, a)
	one.dp.app, one.dp.data = "Stasis", joinAppArgs(a.name, o.appArgs)
	s.evDialplan(one)
	s.enterStasisLocked(one, a, o.appArgs)
	return jsonReply(http.StatusOK, body)
}

// dialChannel serves POST /channels/{id}/dial for a created channel.
func dialChannel(s *Server, rq *request) reply {
	ch := s.channels[rq.vars[0]]
	if ch == nil {
		return replyNoChannel
	}
	if ch.stasis == nil {
		return replyNotInStasis
	}
	o := ch.orig
	if ch.state != stateDown || o != nil && o.dialing {
		return errReply(http.StatusConflict, "Channel is not in the 'Down' state")
	}
	if o == nil || !o.dial {
		return errReply(http.StatusConflict, "Dialing a channel not created by ARI")
	}
	secs, _ := rq.intParam("timeout", 0)
	o.dialing = true
	s.evDial(ch, "", o.dialstring)
	if ch.peer == nil {
		s.startCalleeLocked(ch, time.Duration(max(secs, 0))*time.Second)
	} else {
		s.runStepsLocked(ch.peer, s.calleeSteps(o.ctx, o.script), 1)
	}
	return noContent
}

// parseVariables reads originate's {"variables":{"NAME":"value"}} body field.
func parseVariables(raw json.RawMessage) map[string]string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	vars := make(map[string]string, len(m))
	for k, v := range m {
		vars[k] = jsonParam(v)
	}
	return vars
}

// replyAllocFailed is Asterisk's answer when a channel cannot be created.
var replyAllocFailed = jsonReply(http.StatusInternalServerError, []byte(`{"error":"Allocation failed"}`))
