package arisim

import (
	"net/http"
	"slices"
	"strings"
)

// bridge is a Stasis bridge. Guarded by Server.mu.
type bridge struct {
	id, name string
	typ      string // "mixing" or "holding"
	created  string // quoted creationtime
	members  []*channel
	apps     map[*app]struct{} // apps hearing the bridge
}

func registerBridges(r *node) {
	r.handle("GET", "/bridges", listBridges)
	r.handle("POST", "/bridges", createBridge)
	r.handle("POST", "/bridges/{bridgeId}", createBridge)
	r.handle("GET", "/bridges/{bridgeId}", getBridge)
	r.handle("DELETE", "/bridges/{bridgeId}", destroyBridge)
	r.handle("POST", "/bridges/{bridgeId}/addChannel", addToBridge)
	r.handle("POST", "/bridges/{bridgeId}/removeChannel", removeFromBridge)
	r.handle("POST", "/bridges/{bridgeId}/moh", bridgeQuiet)
	r.handle("DELETE", "/bridges/{bridgeId}/moh", bridgeQuiet)
}

// appendBridge appends the Bridge JSON; channels are listed newest first
// (Asterisk's snapshot order is not insertion order either).
func appendBridge(b []byte, br *bridge) []byte {
	tech := "simple_bridge"
	if br.typ == "holding" {
		tech = "holding_bridge"
	}
	b = append(b, `{"id":`...)
	b = appendStr(b, br.id)
	b = appendKeyStr(b, "technology", tech)
	b = appendKeyStr(b, "bridge_type", br.typ)
	b = append(b, `,"bridge_class":"stasis","creator":"Stasis"`...)
	b = appendKeyStr(b, "name", br.name)
	b = append(appendKey(b, "channels"), '[')
	for i := len(br.members) - 1; i >= 0; i-- {
		if i < len(br.members)-1 {
			b = append(b, ',')
		}
		b = appendStr(b, br.members[i].id)
	}
	b = append(b, `],"creationtime":`...)
	b = append(b, br.created...)
	return append(b, `,"video_mode":"talker"}`...)
}

func listBridges(s *Server, _ *request) reply {
	ids := make([]string, 0, len(s.bridges))
	for id := range s.bridges {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendBridge(b, s.bridges[id])
	}
	return jsonReply(http.StatusOK, append(b, ']'))
}

// createBridge serves POST /bridges and POST /bridges/{bridgeId}. No
// BridgeCreated event is sent (the app is not subscribed to the bridge yet).
func createBridge(s *Server, rq *request) reply {
	id := rq.str("bridgeId")
	if len(rq.vars) > 0 {
		id = rq.vars[0]
	}
	if id == "" {
		id = newUUID()
	}
	typ := "mixing"
	if strings.Contains(rq.str("type"), "holding") {
		typ = "holding"
	}
	if br := s.bridges[id]; br != nil {
		if len(rq.vars) > 0 {
			// createWithId on an existing bridge updates it, as on Asterisk.
			return jsonReply(http.StatusOK, appendBridge(nil, br))
		}
		return errReply(http.StatusConflict, "Bridge with the same bridgeId already exists")
	}
	br := &bridge{id: id, name: rq.str("name"), typ: typ, created: string(appendTime(nil, s.clk.Now())),
		apps: map[*app]struct{}{}}
	s.bridges[id] = br
	return jsonReply(http.StatusOK, appendBridge(nil, br))
}

func getBridge(s *Server, rq *request) reply {
	br := s.bridges[rq.vars[0]]
	if br == nil {
		return replyNoBridge
	}
	return jsonReply(http.StatusOK, appendBridge(nil, br))
}

func bridgeQuiet(s *Server, rq *request) reply {
	if s.bridges[rq.vars[0]] == nil {
		return replyNoBridge
	}
	return noContent
}

// bridgeChannels resolves the channel=A,B parameter.
func (s *Server) bridgeChannels(rq *request) ([]*channel, reply) {
	var chans []*channel
	for _, id := range strings.Split(rq.str("channel"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		ch := s.channels[id]
		if ch == nil {
			return nil, errReply(http.StatusBadRequest, "Channel not found")
		}
		chans = append(chans, ch)
	}
	if len(chans) == 0 {
		return nil, errReply(http.StatusBadRequest, "Missing parameter channel")
	}
	return chans, reply{}
}

// addToBridge serves POST /bridges/{id}/addChannel: ChannelEnteredBridge per
// channel, then BRIDGEPEER for every member whose peer changed, then 204.
func addToBridge(s *Server, rq *request) reply {
	br := s.bridges[rq.vars[0]]
	if br == nil {
		return replyNoBridge
	}
	chans, rep := s.bridgeChannels(rq)
	if chans == nil {
		return rep
	}
	for _, ch := range chans {
		if ch.stasis == nil {
			return errReply(http.StatusUnprocessableEntity, "Channel not in Stasis application")
		}
	}
	for _, ch := range chans {
		if ch.bridge == br {
			continue
		}
		if ch.bridge != nil {
			s.leaveBridgeLocked(ch.bridge, ch, true)
		}
		ch.bridge = br
		br.members = append(br.members, ch)
		if a := ch.stasis; a != nil {
			br.apps[a] = struct{}{}
			a.bridges[br] = struct{}{}
		}
		s.evBridge(ch, br, "ChannelEnteredBridge")
	}
	s.updateBridgePeersLocked(br)
	return noContent
}

// updateBridgePeersLocked sets BRIDGEPEER on each member to the names of the
// others, reporting changes.
func (s *Server) updateBridgePeersLocked(br *bridge) {
	if len(br.members) < 2 {
		return
	}
	for _, m := range br.members {
		var names []string
		for _, o := range br.members {
			if o != m {
				names = append(names, o.name)
			}
		}
		v := strings.Join(names, ",")
		if m.vars["BRIDGEPEER"] != v {
			m.setVariable("BRIDGEPEER", v)
			s.evVarset(m, "BRIDGEPEER", v)
		}
	}
}

func removeFromBridge(s *Server, rq *request) reply {
	br := s.bridges[rq.vars[0]]
	if br == nil {
		return replyNoBridge
	}
	chans, rep := s.bridgeChannels(rq)
	if chans == nil {
		return rep
	}
	for _, ch := range chans {
		if ch.bridge != br {
			return errReply(http.StatusUnprocessableEntity, "Channel not in this bridge")
		}
	}
	for _, ch := range chans {
		s.leaveBridgeLocked(br, ch, true)
	}
	return noContent
}

// leaveBridgeLocked takes ch out of br; with events, BRIDGEPEER is cleared
// and ChannelLeftBridge sent.
func (s *Server) leaveBridgeLocked(br *bridge, ch *channel, events bool) {
	i := slices.Index(br.members, ch)
	if i < 0 {
		return
	}
	br.members = slices.Delete(br.members, i, i+1)
	ch.bridge = nil
	if events {
		if _, ok := ch.vars["BRIDGEPEER"]; ok {
			ch.setVariable("BRIDGEPEER", "")
			s.evVarset(ch, "BRIDGEPEER", "")
		}
		s.evBridge(ch, br, "ChannelLeftBridge")
	}
}

// destroyBridge serves DELETE /bridges/{id}: every member leaves, then
// BridgeDestroyed.
func destroyBridge(s *Server, rq *request) reply {
	br := s.bridges[rq.vars[0]]
	if br == nil {
		return replyNoBridge
	}
	for len(br.members) > 0 {
		s.leaveBridgeLocked(br, br.members[0], true)
	}
	delete(s.bridges, br.id)
	for a := range br.apps {
		if a.conn != nil {
			b := s.beginEvent(nil, "BridgeDestroyed")
			b = appendBridge(appendKey(b, "bridge"), br)
			s.sendLocked(a, b, "BridgeDestroyed")
		}
		delete(a.bridges, br)
		s.maybeForgetAppLocked(a)
	}
	return noContent
}

func (s *Server) evBridge(ch *channel, br *bridge, typ string) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, typ)
	b = appendBridge(appendKey(b, "bridge"), br)
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, typ)
}
