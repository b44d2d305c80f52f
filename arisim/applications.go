package arisim

import (
	"net/http"
	"slices"
	"sort"
)

// app is a Stasis application. It exists while a WebSocket serves it or while
// channels or bridges are still subscribed to it (as on Asterisk, where an app
// whose socket went away stays registered, inactive, with its channels).
type app struct {
	name    string
	conn    *wsConn // nil: inactive, events are discarded
	chans   map[*channel]struct{}
	bridges map[*bridge]struct{}
}

func (s *Server) appLocked(name string, create bool) *app {
	a := s.apps[name]
	if a == nil && create {
		a = &app{name: name, chans: map[*channel]struct{}{}, bridges: map[*bridge]struct{}{}}
		s.apps[name] = a
	}
	return a
}

// activeAppLocked returns the app if a WebSocket serves it.
func (s *Server) activeAppLocked(name string) *app {
	if a := s.apps[name]; a != nil && a.conn != nil {
		return a
	}
	return nil
}

func (s *Server) maybeForgetAppLocked(a *app) {
	if a.conn == nil && len(a.chans) == 0 && len(a.bridges) == 0 {
		delete(s.apps, a.name)
	}
}

// subscribeLocked sends ch's events to a from now on.
func (s *Server) subscribeLocked(ch *channel, a *app) {
	if ch.sub == a {
		return
	}
	s.unsubscribeLocked(ch)
	ch.sub = a
	a.chans[ch] = struct{}{}
}

func (s *Server) unsubscribeLocked(ch *channel) {
	if a := ch.sub; a != nil {
		delete(a.chans, ch)
		ch.sub = nil
		s.maybeForgetAppLocked(a)
	}
}

func registerApplications(r *node) {
	r.handle("GET", "/applications", listApplications)
	r.handle("GET", "/applications/{applicationName}", getApplication)
}

func listApplications(s *Server, _ *request) reply {
	names := make([]string, 0, len(s.apps))
	for n := range s.apps {
		names = append(names, n)
	}
	sort.Strings(names)
	b := []byte{'['}
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendApp(b, s.apps[n])
	}
	return jsonReply(http.StatusOK, append(b, ']'))
}

func getApplication(s *Server, rq *request) reply {
	a := s.apps[rq.vars[0]]
	if a == nil {
		return replyNoApp
	}
	return jsonReply(http.StatusOK, s.appendApp(nil, a))
}

func (s *Server) appendApp(b []byte, a *app) []byte {
	chans := make([]*channel, 0, len(a.chans))
	for ch := range a.chans {
		chans = append(chans, ch)
	}
	slices.SortFunc(chans, func(x, y *channel) int { return cmpUint(x.seq, y.seq) })
	ids := make([]string, len(chans))
	for i, ch := range chans {
		ids[i] = ch.id
	}
	bids := make([]string, 0, len(a.bridges))
	for br := range a.bridges {
		bids = append(bids, br.id)
	}
	sort.Strings(bids)
	b = append(b, '{')
	b = appendKeyStr(b, "name", a.name)
	b = appendStrList(appendKey(b, "channel_ids"), ids)
	b = appendStrList(appendKey(b, "bridge_ids"), bids)
	b = append(b, `,"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}`...)
	return b
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
