package arisim

// Event emission. Every emitter first finds the app that receives the event
// (the channel's subscriber, if its socket is connected), so events nobody
// hears cost nothing. Key order follows the traces: type, timestamp, the
// event's own fields, asterisk_id, application; ChannelVarset and
// ChannelHangupRequest put their own keys before type.

// targetLocked returns the app that hears ch's events, or nil.
func (s *Server) targetLocked(ch *channel) *app {
	if a := ch.sub; a != nil && a.conn != nil {
		return a
	}
	return nil
}

// beginEvent opens an event (b == nil) or continues one whose own keys come
// first, adding type and timestamp.
func (s *Server) beginEvent(b []byte, typ string) []byte {
	if b == nil {
		b = make([]byte, 0, 1024)
		b = append(b, '{')
	}
	b = appendKeyStr(b, "type", typ)
	return s.appendNowLocked(appendKey(b, "timestamp"))
}

// appendNowLocked appends the current time, quoted; the formatted text is
// cached per millisecond (events come in bursts).
func (s *Server) appendNowLocked(b []byte) []byte {
	now := s.clk.Now()
	if ms := now.UnixMilli(); ms != s.tsMilli || s.tsText == nil {
		s.tsMilli = ms
		s.tsText = appendTime(s.tsText[:0], now)
	}
	return append(b, s.tsText...)
}

// sendLocked closes the event and queues it on a's socket, holding the clock
// once for the frame (the receiver releases it).
func (s *Server) sendLocked(a *app, b []byte, typ string) {
	b = appendKeyStr(b, "asterisk_id", s.id)
	b = appendKeyStr(b, "application", a.name)
	b = append(b, '}')
	c := a.conn
	if c == nil || s.silent {
		return
	}
	if s.loseEvent(a.name, typ) {
		s.logFaultLocked("lose", typ, b)
		return
	}
	s.clk.Hold()
	if !c.push(frame{op: opText, data: b, held: true}) {
		s.clk.Release()
		return
	}
	s.logEventLocked(a.name, b)
}

// appendChannel appends the Channel JSON, in Asterisk's key order.
func appendChannel(b []byte, ch *channel) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, ch.id)
	b = appendKeyStr(b, "name", ch.name)
	b = appendKeyStr(b, "state", ch.state)
	b = append(b, `,"protocol_id":"","caller":{"name":`...)
	b = appendStr(b, ch.callerName)
	b = appendKeyStr(b, "number", ch.callerNum)
	b = append(b, `},"connected":{"name":`...)
	b = appendStr(b, ch.connName)
	b = appendKeyStr(b, "number", ch.connNum)
	b = append(b, `},"accountcode":"","dialplan":{"context":`...)
	b = appendStr(b, ch.dp.context)
	b = appendKeyStr(b, "exten", ch.dp.exten)
	b = appendKeyInt(b, "priority", int64(ch.dp.priority))
	b = appendKeyStr(b, "app_name", ch.dp.app)
	b = appendKeyStr(b, "app_data", ch.dp.data)
	b = append(b, `},"creationtime":`...)
	b = append(b, ch.created...)
	b = appendKeyStr(b, "language", ch.language)
	return append(b, '}')
}

// evChannel sends an event whose only own field is the channel
// (ChannelStateChange, StasisEnd).
func (s *Server) evChannel(ch *channel, typ string) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, typ)
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, typ)
}

func (s *Server) evStasisStart(ch *channel) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, "StasisStart")
	b = appendStrList(appendKey(b, "args"), ch.args)
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, "StasisStart")
}

func (s *Server) evVarset(ch *channel, name, value string) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := make([]byte, 0, 1024)
	b = append(b, '{')
	b = appendKeyStr(b, "variable", name)
	b = appendKeyStr(b, "value", value)
	b = s.beginEvent(b, "ChannelVarset")
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, "ChannelVarset")
}

// evHangupRequest sends ChannelHangupRequest; soft=false omits the key, as
// Asterisk does for a hangup queued from the other side.
func (s *Server) evHangupRequest(ch *channel, cause int, soft bool) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := make([]byte, 0, 1024)
	b = append(b, '{')
	b = appendKeyInt(b, "cause", int64(cause))
	if soft {
		b = appendKeyBool(b, "soft", true)
	}
	b = s.beginEvent(b, "ChannelHangupRequest")
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, "ChannelHangupRequest")
}

func (s *Server) evDestroyed(ch *channel, cause int) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, "ChannelDestroyed")
	b = appendKeyInt(b, "cause", int64(cause))
	b = appendKeyStr(b, "cause_txt", causeText(cause))
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, "ChannelDestroyed")
}

func (s *Server) evDialplan(ch *channel) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, "ChannelDialplan")
	b = appendKeyStr(b, "dialplan_app", ch.dp.app)
	b = appendKeyStr(b, "dialplan_app_data", ch.dp.data)
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, "ChannelDialplan")
}

// evDial sends a Dial event about peer to the app subscribed to peer.
func (s *Server) evDial(peer *channel, status, dialstring string) {
	a := s.targetLocked(peer)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, "Dial")
	b = appendKeyStr(b, "dialstatus", status)
	b = appendKeyStr(b, "forward", "")
	b = appendKeyStr(b, "dialstring", dialstring)
	b = appendChannel(appendKey(b, "peer"), peer)
	s.sendLocked(a, b, "Dial")
}

func (s *Server) evDTMF(ch *channel, digit string, ms int) {
	a := s.targetLocked(ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, "ChannelDtmfReceived")
	b = appendKeyStr(b, "digit", digit)
	b = appendKeyInt(b, "duration_ms", int64(ms))
	b = appendChannel(appendKey(b, "channel"), ch)
	s.sendLocked(a, b, "ChannelDtmfReceived")
}

func (s *Server) evPlayback(pb *playback, typ string) {
	a := s.targetLocked(pb.ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, typ)
	b = appendPlayback(appendKey(b, "playback"), pb)
	s.sendLocked(a, b, typ)
}

// causeText is Asterisk's ast_cause2str for the causes the simulator uses.
func causeText(cause int) string {
	switch cause {
	case 1:
		return "Unallocated (unassigned) number"
	case 3:
		return "No route to destination"
	case 16:
		return "Normal Clearing"
	case 17:
		return "User busy"
	case 18:
		return "No user responding"
	case 19:
		return "User alerting, no answer"
	case 21:
		return "Call Rejected"
	case 26:
		return "Answered elsewhere"
	case 27:
		return "Destination out of order"
	case 28:
		return "Invalid number format"
	case 31:
		return "Normal, unspecified"
	case 34:
		return "Circuit/channel congestion"
	case 38:
		return "Network out of order"
	case 58:
		return "Bearer capability not available"
	case 127:
		return "Interworking, unspecified"
	}
	return "Unknown"
}
