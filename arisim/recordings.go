package arisim

import (
	"net/http"
	"slices"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// recording is a live recording on a channel. Guarded by Server.mu.
type recording struct {
	name, format string
	ch           *channel
	state        string
	started      time.Time
	terminateOn  string        // none, any, *, #
	length       time.Duration // set when finished
	timer        clock.Timer
	gone         bool
}

// storedRecording is a finished recording.
type storedRecording struct {
	name, format string
	length       time.Duration
}

func (r *recording) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

func (r *recording) terminatesOn(digit string) bool {
	switch r.terminateOn {
	case "any":
		return true
	case "*", "#":
		return digit == r.terminateOn
	}
	return false
}

func registerRecordings(r *node) {
	r.handle("GET", "/recordings/stored", listStored)
	r.handle("GET", "/recordings/stored/{recordingName}", getStored)
	r.handle("DELETE", "/recordings/stored/{recordingName}", deleteStored)
	r.handle("POST", "/recordings/stored/{recordingName}/copy", copyStored)
	r.handle("GET", "/recordings/live/{recordingName}", getLive)
	r.handle("DELETE", "/recordings/live/{recordingName}", cancelLive)
	r.handle("POST", "/recordings/live/{recordingName}/stop", stopLive)
	for _, op := range []string{"pause", "mute"} {
		r.handle("POST", "/recordings/live/{recordingName}/"+op, liveQuiet)
		r.handle("DELETE", "/recordings/live/{recordingName}/"+op, liveQuiet)
	}
}

func appendLiveRecording(b []byte, r *recording, withDuration bool) []byte {
	b = append(b, `{"name":`...)
	b = appendStr(b, r.name)
	b = appendKeyStr(b, "format", r.format)
	b = appendKeyStr(b, "state", r.state)
	b = appendKeyStr(b, "target_uri", "channel:"+r.ch.id)
	if withDuration {
		b = appendKeyInt(b, "duration", int64(r.length/time.Second))
	}
	return append(b, '}')
}

func appendStored(b []byte, r *storedRecording) []byte {
	b = append(b, `{"name":`...)
	b = appendStr(b, r.name)
	b = appendKeyStr(b, "format", r.format)
	return append(b, '}')
}

// recordChannel serves POST /channels/{id}/record: 201 with state "queued",
// and RecordingStarted ("recording") at once, beep or not.
func recordChannel(s *Server, rq *request) reply {
	ch, rep := s.stasisChannelLocked(rq.vars[0])
	if ch == nil {
		return rep
	}
	name, format := rq.str("name"), rq.str("format")
	if name == "" || format == "" {
		return errReply(http.StatusBadRequest, "Invalid parameters")
	}
	maxDur, ok := rq.intParam("maxDurationSeconds", 0)
	if !ok || maxDur < 0 {
		return errReply(http.StatusBadRequest, "Invalid parameters")
	}
	ifExists := rq.str("ifExists")
	if s.liveRecs[name] != nil || s.storedRecs[name] != nil && (ifExists == "" || ifExists == "fail") {
		return errReply(http.StatusConflict, "Recording '"+name+"' already exists and can not be overwritten")
	}
	if ch.rec != nil || ch.bridge != nil {
		return errReply(http.StatusConflict, "Channel is already recording or bridged")
	}
	terminate := rq.str("terminateOn")
	r := &recording{name: name, format: format, ch: ch, state: "queued", started: s.clk.Now(), terminateOn: terminate}
	body := appendLiveRecording(make([]byte, 0, 160), r, false)
	r.state = "recording"
	ch.rec = r
	s.liveRecs[name] = r
	s.evRecording(r, "RecordingStarted", false)
	if rq.boolParam("beep") {
		s.mediaStartedLocked(ch) // the beep is audio towards the far end
	}
	if maxDur > 0 {
		r.timer = s.clk.AfterFunc(time.Duration(maxDur)*time.Second, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !r.gone && !s.closed {
				r.timer = nil
				s.finishRecordingLocked(r)
			}
		})
	}
	return jsonReply(http.StatusCreated, body)
}

func (s *Server) evRecording(r *recording, typ string, withDuration bool) {
	a := s.targetLocked(r.ch)
	if a == nil {
		return
	}
	b := s.beginEvent(nil, typ)
	b = appendLiveRecording(appendKey(b, "recording"), r, withDuration)
	s.sendLocked(a, b, typ)
}

// finishRecordingLocked ends r: RecordingFinished ("done", whole seconds)
// and the recording is stored.
func (s *Server) finishRecordingLocked(r *recording) {
	if r.gone {
		return
	}
	r.gone = true
	r.stopTimer()
	r.length = s.clk.Now().Sub(r.started)
	r.state = "done"
	s.evRecording(r, "RecordingFinished", true)
	s.storedRecs[r.name] = &storedRecording{name: r.name, format: r.format, length: r.length}
	delete(s.liveRecs, r.name)
	if r.ch.rec == r {
		r.ch.rec = nil
	}
}

func listStored(s *Server, _ *request) reply {
	names := make([]string, 0, len(s.storedRecs))
	for n := range s.storedRecs {
		names = append(names, n)
	}
	slices.Sort(names)
	b := []byte{'['}
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStored(b, s.storedRecs[n])
	}
	return jsonReply(http.StatusOK, append(b, ']'))
}

func getStored(s *Server, rq *request) reply {
	r := s.storedRecs[rq.vars[0]]
	if r == nil {
		return replyNoRecording
	}
	return jsonReply(http.StatusOK, appendStored(nil, r))
}

func deleteStored(s *Server, rq *request) reply {
	if s.storedRecs[rq.vars[0]] == nil {
		return replyNoRecording
	}
	delete(s.storedRecs, rq.vars[0])
	return noContent
}

func copyStored(s *Server, rq *request) reply {
	r := s.storedRecs[rq.vars[0]]
	if r == nil {
		return replyNoRecording
	}
	dst := rq.str("destinationRecordingName")
	if dst == "" {
		return errReply(http.StatusBadRequest, "Invalid parameters")
	}
	if s.storedRecs[dst] != nil {
		return errReply(http.StatusConflict, "A recording with the same name already exists on the system")
	}
	cp := *r
	cp.name = dst
	s.storedRecs[dst] = &cp
	return jsonReply(http.StatusOK, appendStored(nil, &cp))
}

func getLive(s *Server, rq *request) reply {
	r := s.liveRecs[rq.vars[0]]
	if r == nil {
		return replyNoRecording
	}
	return jsonReply(http.StatusOK, appendLiveRecording(nil, r, false))
}

func stopLive(s *Server, rq *request) reply {
	r := s.liveRecs[rq.vars[0]]
	if r == nil {
		return replyNoRecording
	}
	s.finishRecordingLocked(r)
	return noContent
}

// cancelLive serves DELETE /recordings/live/{name}: the recording stops and
// is discarded.
func cancelLive(s *Server, rq *request) reply {
	r := s.liveRecs[rq.vars[0]]
	if r == nil {
		return replyNoRecording
	}
	s.finishRecordingLocked(r)
	delete(s.storedRecs, r.name)
	return noContent
}

func liveQuiet(s *Server, rq *request) reply {
	if s.liveRecs[rq.vars[0]] == nil {
		return replyNoRecording
	}
	return noContent
}
