package arisim

import (
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// Channel states as Asterisk names them.
const (
	stateDown    = "Down"
	stateRing    = "Ring"
	stateRinging = "Ringing"
	stateUp      = "Up"
)

// dpLoc is a channel's dialplan location.
type dpLoc struct {
	context, exten string
	priority       int
	app, data      string
}

// channel is a simulated Asterisk channel. All fields are guarded by Server.mu.
type channel struct {
	id, name   string
	seq        uint64
	state      string
	callerName string
	callerNum  string
	connName   string
	connNum    string
	language   string
	created    string // quoted creationtime, formatted once
	dp         dpLoc
	// baseApp/baseData is the application the channel shows once it has left
	// Stasis for good (AppDial2 for the ;1 half of an originate).
	baseApp, baseData string
	vars              map[string]string

	peer *channel // the other half of a Local pair
	call *call

	sub          *app // the app hearing this channel's events
	subInStasis  bool // the subscription ends when the channel leaves Stasis
	stasis       *app // non-nil while in Stasis
	args         []string
	stasisStatus bool // STASISSTATUS=SUCCESS not reported yet

	pbq    []*playback // head is playing
	run    *dpRun      // dialplan being executed outside Stasis
	script *scriptRun  // the caller's script, on the channel it talks to
	orig   *origin     // ;1 of an originate or dial waiting for the far end
	bridge *bridge
	rec    *recording

	hanging bool
	gone    bool
	done    chan struct{}
	timers  []clock.Timer
}

// call groups the channels one placement, originate or create made.
type call struct {
	live  int
	onEnd func() // called once, with the lock held, when the last channel is gone (Load)
}

// origin is an originate (or a dial) waiting for the far end to answer.
type origin struct {
	app        *app // nil: the channel goes to the dialplan instead
	args       []string
	dialstring string
	script     *Script // the far end's script, acting on this channel
	dp         dpLoc   // where a dialplan originate sends the channel
	dial       bool    // made by /channels/create: waits for /dial
	dialing    bool
	ctx        string  // the far end's context (create + dial)
	callee     *Callee // the far end of a single (non-Local) channel
}

func (s *Server) newCallLocked() *call {
	if s.liveCalls == 0 {
		s.idle = make(chan struct{})
	}
	s.liveCalls++
	return &call{}
}

// newChannelLocked registers a channel named name (id "" = generate one).
func (s *Server) newChannelLocked(c *call, id, name string) *channel {
	now := s.clk.Now()
	seq := s.chanSeq
	s.chanSeq++
	if id == "" {
		id = channelID(now, seq)
	}
	ch := &channel{
		id:       id,
		name:     name,
		seq:      seq,
		state:    stateDown,
		language: "en",
		created:  string(appendTime(nil, now)),
		call:     c,
		done:     make(chan struct{}),
	}
	c.live++
	s.channels[id] = ch
	return ch
}

// newLocalPairLocked creates Local/<exten>@<ctx>-XXXXXXXX;1 and ;2.
func (s *Server) newLocalPairLocked(c *call, exten, ctx, id1, id2 string) (one, two *channel) {
	s.localSeq++
	base := make([]byte, 0, 64)
	base = append(base, "Local/"...)
	base = append(base, exten...)
	base = append(base, '@')
	base = append(base, ctx...)
	base = append(base, '-')
	base = appendHex8(base, s.localSeq)
	one = s.newChannelLocked(c, id1, string(base)+";1")
	two = s.newChannelLocked(c, id2, string(base)+";2")
	one.peer, two.peer = two, one
	one.dp = dpLoc{context: ctx, exten: exten, priority: 1}
	two.dp = one.dp
	return one, two
}

// afterLocked runs f with the lock held after d, unless ch is gone by then.
func (s *Server) afterLocked(ch *channel, d time.Duration, f func()) clock.Timer {
	t := s.clk.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ch.gone || s.closed {
			return
		}
		f()
	})
	ch.timers = append(ch.timers, t)
	return t
}

func (ch *channel) stopTimersLocked() {
	for _, t := range ch.timers {
		t.Stop()
	}
	ch.timers = nil
	for _, pb := range ch.pbq {
		pb.stopTimer()
	}
}

// enterStasisLocked puts ch into app a. The STASISSTATUS="" varset is heard
// only if the app already followed the channel (originate); a channel entering
// from the dialplan is subscribed by StasisStart and only while in Stasis.
func (s *Server) enterStasisLocked(ch *channel, a *app, args []string) {
	if args == nil {
		args = []string{}
	}
	ch.args = args
	ch.dp.app = "Stasis"
	ch.dp.data = joinAppArgs(a.name, args)
	s.evVarset(ch, "STASISSTATUS", "")
	if ch.sub != a {
		s.subscribeLocked(ch, a)
		ch.subInStasis = true
	}
	ch.stasis = a
	ch.stasisStatus = true
	s.inStasis++
	s.evStasisStart(ch)
	if sr := ch.script; sr != nil && !sr.started {
		s.startScriptLocked(sr)
	}
}

func joinAppArgs(app string, args []string) string {
	if len(args) == 0 {
		return app
	}
	return app + "," + strings.Join(args, ",")
}

// leaveStasisLocked takes ch out of Stasis: its playback fails, its recording
// ends, it leaves its bridge, then StasisEnd.
func (s *Server) leaveStasisLocked(ch *channel) {
	if ch.stasis == nil {
		return
	}
	s.abortPlaybacksLocked(ch)
	if ch.rec != nil {
		s.finishRecordingLocked(ch.rec)
	}
	if ch.bridge != nil {
		s.leaveBridgeLocked(ch.bridge, ch, true)
	}
	s.evChannel(ch, "StasisEnd")
	ch.stasis = nil
	s.inStasis--
	if ch.subInStasis {
		ch.subInStasis = false
		s.unsubscribeLocked(ch)
	}
}

func (s *Server) flushStasisStatusLocked(ch *channel) {
	if ch.stasisStatus {
		ch.stasisStatus = false
		s.evVarset(ch, "STASISSTATUS", "SUCCESS")
	}
}

// hangupLocked hangs up x and, for a Local pair, its other half, in the order
// Asterisk 22 reports it. x's ChannelHangupRequest carries reqCause/soft (32
// and true for an ARI DELETE, 16 and true for the Hangup() application);
// cause is the hangup cause both halves are destroyed with.
func (s *Server) hangupLocked(x *channel, reqCause int, soft bool, cause int) {
	if x.gone || x.hanging {
		return
	}
	x.hanging = true
	s.evHangupRequest(x, reqCause, soft)
	s.leaveStasisLocked(x)
	s.flushStasisStatusLocked(x)
	y := x.peer
	if y == nil || y.gone || y.hanging {
		s.destroyLocked(x, cause)
		return
	}
	y.hanging = true
	s.evHangupRequest(y, cause, false)
	s.destroyLocked(x, cause)
	if y.stasis != nil {
		s.leaveStasisLocked(y)
	} else {
		s.evHangupRequest(y, cause, true)
	}
	s.flushStasisStatusLocked(y)
	s.destroyLocked(y, cause)
}

// remoteHangupLocked is the far end of a channel without a simulated peer
// hanging up.
func (s *Server) remoteHangupLocked(y *channel, cause int) {
	if y.gone || y.hanging {
		return
	}
	y.hanging = true
	s.evHangupRequest(y, cause, false)
	s.leaveStasisLocked(y)
	s.flushStasisStatusLocked(y)
	s.destroyLocked(y, cause)
}

// destroyLocked sends ChannelDestroyed and forgets the channel.
func (s *Server) destroyLocked(ch *channel, cause int) {
	if ch.gone {
		return
	}
	if ch.stasis != nil {
		s.leaveStasisLocked(ch)
	}
	ch.dp.app, ch.dp.data = ch.baseApp, ch.baseData
	s.evDestroyed(ch, cause)
	s.silentDestroyLocked(ch)
}

// silentDestroyLocked forgets ch without any event.
func (s *Server) silentDestroyLocked(ch *channel) {
	if ch.gone {
		return
	}
	ch.gone = true
	ch.hanging = true
	if ch.stasis != nil {
		ch.stasis = nil
		s.inStasis--
	}
	ch.stopTimersLocked()
	ch.run = nil
	for _, pb := range ch.pbq {
		pb.gone = true
		delete(s.playbacks, pb.id)
	}
	ch.pbq = nil
	if ch.rec != nil {
		s.finishRecordingLocked(ch.rec)
	}
	if ch.bridge != nil {
		s.leaveBridgeLocked(ch.bridge, ch, false)
	}
	s.unsubscribeLocked(ch)
	delete(s.channels, ch.id)
	close(ch.done)
	if c := ch.call; c != nil {
		c.live--
		if c.live == 0 {
			if c.onEnd != nil {
				c.onEnd()
			}
			s.liveCalls--
			if s.liveCalls == 0 {
				close(s.idle)
			}
		}
	}
}

// answerLocked brings ch Up, reporting ChannelStateChange, and completes an
// originate or dial waiting on it.
func (s *Server) answerLocked(ch *channel) {
	if ch.state == stateUp {
		return
	}
	ch.state = stateUp
	s.evChannel(ch, "ChannelStateChange")
	if p := ch.peer; p != nil && p.orig != nil && !p.gone {
		s.completeOriginLocked(p)
	}
}

// completeOriginLocked: the far end of ch answered.
func (s *Server) completeOriginLocked(ch *channel) {
	o := ch.orig
	ch.orig = nil
	ch.state = stateUp
	s.evChannel(ch, "ChannelStateChange")
	if o.dial {
		s.evDial(ch, "ANSWER", "")
		if o.script != nil && ch.stasis != nil {
			s.attachScriptLocked(ch, *o.script)
			s.startScriptLocked(ch.script)
		}
		return
	}
	s.evDial(ch, "ANSWER", o.dialstring)
	if o.script != nil {
		s.attachScriptLocked(ch, *o.script)
	}
	if o.app == nil {
		s.runDialplanLocked(ch, o.dp.context, o.dp.exten, o.dp.priority)
		return
	}
	if o.app.conn == nil {
		// The app went away while the far end rang: Stasis() fails.
		s.log.Info("arisim: Stasis app is not active, hanging up", "app", o.app.name, "channel", ch.id)
		s.hangupLocked(ch, 16, true, 16)
		return
	}
	s.enterStasisLocked(ch, o.app, o.args)
}

// receiveDTMFLocked: ch receives a digit (ChannelDtmfReceived is sent at the
// end of the digit). Bridged channels pass it on to their bridge partners'
// far ends; a recording may stop on it.
func (s *Server) receiveDTMFLocked(ch *channel, digit string, ms int) {
	if ch.gone {
		return
	}
	s.evDTMF(ch, digit, ms)
	if r := ch.rec; r != nil && r.terminatesOn(digit) {
		s.finishRecordingLocked(r)
	}
	if br := ch.bridge; br != nil {
		for _, m := range br.members {
			if m != ch && m.peer != nil {
				s.evDTMF(m.peer, digit, ms)
			}
		}
	}
}

// sendDTMFLocked plays digits out of ch: its peer receives them, the first at
// before+100ms+duration, the next every between+duration (Asterisk's rhythm).
// It returns when the last digit is done.
func (s *Server) sendDTMFLocked(ch *channel, digits string, before, between, duration time.Duration) time.Duration {
	at := before + 100*time.Millisecond + duration
	ms := int(duration / time.Millisecond)
	n := 0
	for _, r := range digits {
		d := string(r)
		if !validDigit(r) {
			continue
		}
		if p := ch.peer; p != nil {
			s.afterLocked(ch, at, func() { s.receiveDTMFLocked(p, d, ms) })
		}
		at += between + duration
		n++
	}
	if n == 0 {
		return 0
	}
	return at - duration
}

func validDigit(r rune) bool {
	return r >= '0' && r <= '9' || r == '*' || r == '#' || r >= 'A' && r <= 'D' || r >= 'a' && r <= 'd'
}
