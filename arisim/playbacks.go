package arisim

import (
	"net/http"
	"strings"

	"github.com/flowrunner/flowrunner/clock"
)

// playback is a play operation on a channel: one or more media played in
// order under one id. Guarded by Server.mu.
type playback struct {
	id      string
	ch      *channel
	media   []string
	idx     int // item playing
	lang    string
	state   string // queued, playing, continuing, done, failed
	started bool
	gone    bool
	timer   clock.Timer
}

func (pb *playback) stopTimer() {
	if pb.timer != nil {
		pb.timer.Stop()
		pb.timer = nil
	}
}

func registerPlaybacks(r *node) {
	r.handle("GET", "/playbacks/{playbackId}", getPlayback)
	r.handle("DELETE", "/playbacks/{playbackId}", stopPlayback)
	r.handle("POST", "/playbacks/{playbackId}/control", controlPlayback)
}

// appendPlayback appends the Playback JSON.
func appendPlayback(b []byte, pb *playback) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, pb.id)
	b = appendKeyStr(b, "media_uri", pb.media[pb.idx])
	if pb.idx+1 < len(pb.media) {
		b = appendKeyStr(b, "next_media_uri", pb.media[pb.idx+1])
	}
	b = appendKeyStr(b, "target_uri", "channel:"+pb.ch.id)
	b = appendKeyStr(b, "language", pb.lang)
	b = appendKeyStr(b, "state", pb.state)
	return append(b, '}')
}

// play serves POST /channels/{id}/play and /play/{playbackId}.
func play(s *Server, rq *request) reply {
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	var list []string
	for _, m := range strings.Split(rq.str("media"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			list = append(list, m)
		}
	}
	if len(list) == 0 {
		return errReply(http.StatusInternalServerError, "Failed to queue media for playback")
	}
	id := rq.str("playbackId")
	if len(rq.vars) > 1 {
		id = rq.vars[1]
	}
	if id == "" {
		id = newUUID()
	} else if s.playbacks[id] != nil {
		return errReply(http.StatusInternalServerError, "Failed to queue media for playback")
	}
	lang := rq.str("lang")
	if lang == "" {
		lang = ch.language
	}
	pb := &playback{id: id, ch: ch, media: list, lang: lang, state: "queued"}
	s.playbacks[id] = pb
	ch.pbq = append(ch.pbq, pb)
	body := appendPlayback(make([]byte, 0, 256), pb)
	if len(ch.pbq) == 1 {
		s.startItemLocked(pb)
	}
	return jsonReply(http.StatusCreated, body)
}

// startItemLocked starts the current item of pb.
func (s *Server) startItemLocked(pb *playback) {
	pb.started = true
	uri := pb.media[pb.idx]
	kind, d := s.mediaLocked(uri)
	pb.state = "playing"
	s.evPlayback(pb, "PlaybackStarted")
	if sr := pb.ch.script; sr != nil {
		s.scriptMediaLocked(sr, uri, pb.idx == 0)
	}
	switch kind {
	case mediaOK:
		s.mediaStartedLocked(pb.ch)
		pb.timer = s.clk.AfterFunc(d, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if pb.gone || s.closed {
				return
			}
			pb.timer = nil
			s.itemDoneLocked(pb, true)
		})
	case mediaForever:
		s.mediaStartedLocked(pb.ch)
	case mediaMissing:
		s.itemDoneLocked(pb, false)
	case mediaBogus:
		// Asterisk reports PlaybackStarted, then the playback silently
		// disappears: no PlaybackFinished ever comes.
		s.forgetPlaybackLocked(pb)
	}
}

// itemDoneLocked moves to the next item or finishes the playback.
func (s *Server) itemDoneLocked(pb *playback, ok bool) {
	if pb.idx+1 < len(pb.media) {
		pb.state = "continuing"
		s.evPlayback(pb, "PlaybackContinuing")
		pb.idx++
		s.startItemLocked(pb)
		return
	}
	pb.state = "failed"
	if ok {
		pb.state = "done"
	}
	s.evPlayback(pb, "PlaybackFinished")
	s.forgetPlaybackLocked(pb)
}

// forgetPlaybackLocked removes pb and starts the channel's next playback.
func (s *Server) forgetPlaybackLocked(pb *playback) {
	if pb.gone {
		return
	}
	pb.gone = true
	pb.stopTimer()
	delete(s.playbacks, pb.id)
	ch := pb.ch
	for i, q := range ch.pbq {
		if q == pb {
			ch.pbq = append(ch.pbq[:i], ch.pbq[i+1:]...)
			if i == 0 && len(ch.pbq) > 0 && ch.stasis != nil && !ch.gone {
				s.startItemLocked(ch.pbq[0])
			}
			break
		}
	}
}

// abortPlaybacksLocked ends ch's playbacks as it leaves Stasis: the playing
// one is Finished "failed", queued ones vanish.
func (s *Server) abortPlaybacksLocked(ch *channel) {
	q := ch.pbq
	ch.pbq = nil
	for _, pb := range q {
		pb.stopTimer()
		if pb.started && !pb.gone {
			pb.state = "failed"
			s.evPlayback(pb, "PlaybackFinished")
		}
		pb.gone = true
		delete(s.playbacks, pb.id)
	}
}

func getPlayback(s *Server, rq *request) reply {
	pb := s.playbacks[rq.vars[0]]
	if pb == nil {
		return replyNoPlayback
	}
	return jsonReply(http.StatusOK, appendPlayback(nil, pb))
}

// stopPlayback serves DELETE /playbacks/{id}: the playback ends with
// PlaybackFinished "done" (a stopped playback is neither "stopped" nor
// "failed").
func stopPlayback(s *Server, rq *request) reply {
	pb := s.playbacks[rq.vars[0]]
	if pb == nil {
		return replyNoPlayback
	}
	pb.stopTimer()
	pb.state = "done"
	s.evPlayback(pb, "PlaybackFinished")
	s.forgetPlaybackLocked(pb)
	return noContent
}

// controlPlayback accepts the operations and otherwise ignores them (the
// simulated media has no position).
func controlPlayback(s *Server, rq *request) reply {
	pb := s.playbacks[rq.vars[0]]
	if pb == nil {
		return replyNoPlayback
	}
	switch rq.str("operation") {
	case "restart", "pause", "unpause", "reverse", "forward":
		return noContent
	}
	return errReply(http.StatusBadRequest, "Invalid operation")
}
