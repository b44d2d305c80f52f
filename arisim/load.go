package arisim

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoadSpec describes a stream of calls placed by the simulator itself, for
// benchmarks: placing them inside the simulator keeps the cost of a load
// generator out of the process being measured.
type LoadSpec struct {
	// Call is the template of every call (App is required). ChannelID must
	// be empty: each call gets its own.
	Call CallSpec
	// Calls is how many calls to place; 0 means no limit (then Duration or
	// Stop ends the placing).
	Calls int
	// Rate is how many calls to place per second of wall-clock time; 0
	// places them as fast as Concurrency allows.
	Rate float64
	// Concurrency caps the calls of this load live at once: placing waits
	// for one to end. 0 means no cap.
	Concurrency int
	// Duration stops the placing after this much wall-clock time; 0 means no
	// limit.
	Duration time.Duration
}

// LoadStats counts what a Load has done so far.
type LoadStats struct {
	Placed   int  `json:"placed"`    // calls that entered their Stasis application
	Ended    int  `json:"ended"`     // of those, the calls whose channels are all gone
	Failed   int  `json:"failed"`    // placements refused (application not connected)
	Live     int  `json:"live"`      // Placed - Ended
	PeakLive int  `json:"peak_live"` // the most calls live at once
	Placing  bool `json:"placing"`   // still placing calls
	Done     bool `json:"done"`      // placing has finished and every call has ended
	// PlacingSeconds is how long placing has taken so far (wall clock).
	PlacingSeconds float64 `json:"placing_seconds"`
}

// Load is a running stream of calls started by StartLoad. Its pacing uses
// the wall clock, whatever the Server's clock: use it with the real clock.
type Load struct {
	s     *Server
	spec  LoadSpec
	stop  chan struct{}
	once  sync.Once
	freed chan struct{} // signalled (never blocking) when a call ends
	done  chan struct{} // closed when placing is over and no call is live

	mu       sync.Mutex // guards the fields below
	stats    LoadStats
	start    time.Time
	finished time.Time // when placing stopped
}

// loadTick is how often the placer wakes up to place the calls that are due:
// calls are placed in small batches, not one wake-up each.
const loadTick = 2 * time.Millisecond

// StartLoad starts placing calls per spec in the background.
func (s *Server) StartLoad(spec LoadSpec) (*Load, error) {
	switch {
	case spec.Call.App == "":
		return nil, errors.New("arisim: LoadSpec.Call.App is required")
	case spec.Call.ChannelID != "":
		return nil, errors.New("arisim: LoadSpec.Call.ChannelID must be empty")
	case spec.Calls < 0 || spec.Rate < 0 || spec.Concurrency < 0 || spec.Duration < 0:
		return nil, errors.New("arisim: LoadSpec values must not be negative")
	case spec.Calls == 0 && spec.Duration == 0:
		return nil, errors.New("arisim: LoadSpec needs Calls or Duration")
	}
	l := &Load{s: s, spec: spec, stop: make(chan struct{}), freed: make(chan struct{}, 1),
		done: make(chan struct{}), start: time.Now()}
	l.stats.Placing = true
	go l.run()
	return l, nil
}

// Stats returns the counters so far.
func (l *Load) Stats() LoadStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stats
	end := l.finished
	if st.Placing {
		end = time.Now()
	}
	st.PlacingSeconds = end.Sub(l.start).Seconds()
	return st
}

// Stop ends the placing; calls already placed go on.
func (l *Load) Stop() { l.once.Do(func() { close(l.stop) }) }

// Done is closed once placing is over and every call placed has ended.
func (l *Load) Done() <-chan struct{} { return l.done }

func (l *Load) run() {
	defer l.finishPlacing()
	var deadline <-chan time.Time
	if l.spec.Duration > 0 {
		t := time.NewTimer(l.spec.Duration)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(loadTick)
	defer tick.Stop()
	placed := 0
	for l.spec.Calls == 0 || placed < l.spec.Calls {
		due := l.due(placed)
		for range due {
			if l.capped() {
				break
			}
			if err := l.placeOne(); err != nil && !errors.Is(err, ErrNotConnected) {
				return // the server closed
			}
			placed++
		}
		wait := tick.C
		select {
		case <-l.stop:
			return
		case <-deadline:
			return
		case <-wait:
		case <-l.freed:
		}
	}
}

// maxPerTick bounds the calls placed in one wake-up, so that even unpaced
// placing looks at Stop and Duration often.
const maxPerTick = 100

// due is how many calls may be placed now, given placed so far.
func (l *Load) due(placed int) int {
	left := math.MaxInt
	if l.spec.Calls > 0 {
		left = l.spec.Calls - placed
	}
	if l.spec.Rate > 0 {
		left = min(left, int(time.Since(l.start).Seconds()*l.spec.Rate)+1-placed)
	}
	return max(0, min(left, maxPerTick))
}

// capped reports whether Concurrency calls are live.
func (l *Load) capped() bool {
	if l.spec.Concurrency == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats.Live >= l.spec.Concurrency
}

func (l *Load) placeOne() error {
	s := l.s
	s.mu.Lock()
	ch, err := s.placeCallLocked(l.spec.Call)
	if err == nil {
		ch.call.onEnd = l.ended
	}
	s.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.stats.Failed++
		return err
	}
	l.stats.Placed++
	l.stats.Live++
	l.stats.PeakLive = max(l.stats.PeakLive, l.stats.Live)
	return nil
}

// ended is the calls' onEnd hook; it runs with the Server's lock held.
func (l *Load) ended() {
	l.mu.Lock()
	l.stats.Ended++
	l.stats.Live--
	closeNow := !l.stats.Placing && l.stats.Live == 0
	if closeNow {
		l.stats.Done = true
	}
	l.mu.Unlock()
	if closeNow {
		close(l.done)
	}
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

func (l *Load) finishPlacing() {
	l.mu.Lock()
	l.stats.Placing = false
	l.finished = time.Now()
	closeNow := l.stats.Live == 0
	if closeNow {
		l.stats.Done = true
	}
	l.mu.Unlock()
	if closeNow {
		close(l.done)
	}
}

// simStartLoad serves POST /sim/load?app=APP&calls=N[&rate=R][&concurrency=C]
// [&duration=D][&script=...][&endpoint=PJSIP/caller][&args=a,b]
// [&shape=inbound|originate]: the simulator places the calls itself (see
// LoadSpec). Only one load runs at a time: 409 while one is placing.
func simStartLoad(s *Server, rq *request) reply {
	if s.load != nil && s.load.Stats().Placing {
		return errReply(http.StatusConflict, "A load is already placing calls")
	}
	spec := LoadSpec{Call: CallSpec{
		App:      rq.str("app"),
		Endpoint: rq.str("endpoint"),
		Inbound:  rq.str("shape") != "originate",
	}}
	if spec.Call.App == "" {
		return errReply(http.StatusBadRequest, "Missing parameter app")
	}
	if v := rq.str("args"); v != "" {
		spec.Call.Args = strings.Split(v, ",")
	}
	sc, err := ParseScript(rq.str("script"))
	if err != nil {
		return errReply(http.StatusBadRequest, err.Error())
	}
	spec.Call.Script = sc
	var ok bool
	if spec.Calls, ok = rq.intParam("calls", 0); !ok {
		return errReply(http.StatusBadRequest, "calls: want a whole number")
	}
	if spec.Concurrency, ok = rq.intParam("concurrency", 0); !ok {
		return errReply(http.StatusBadRequest, "concurrency: want a whole number")
	}
	if v := rq.str("rate"); v != "" {
		if spec.Rate, err = strconv.ParseFloat(v, 64); err != nil {
			return errReply(http.StatusBadRequest, "rate: want calls per second, e.g. 1000")
		}
	}
	if v := rq.str("duration"); v != "" {
		if spec.Duration, err = parseDur(v); err != nil {
			return errReply(http.StatusBadRequest, "duration: want a duration, e.g. 30s")
		}
	}
	l, err := s.StartLoad(spec)
	if err != nil {
		return errReply(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "arisim: "))
	}
	s.load = l
	return loadReply(l)
}

// simLoadStats serves GET /sim/load[?wait=done[&timeout=10s]]: the
// LoadStats of the last load, as JSON. With wait=done it answers once the
// load is done, or at the timeout (default 10s, wall clock).
func simLoadStats(s *Server, rq *request) reply {
	if s.load == nil {
		return errReply(http.StatusNotFound, "No load has been started")
	}
	if rq.str("wait") == "done" && !s.load.Stats().Done {
		timeout := 10 * time.Second
		if d, err := parseDur(rq.str("timeout")); err == nil && d > 0 {
			timeout = d
		}
		return reply{wait: s.load.Done(), deadline: time.Now().Add(timeout)}
	}
	return loadReply(s.load)
}

// simStopLoad serves DELETE /sim/load: placing stops; live calls go on.
func simStopLoad(s *Server, _ *request) reply {
	if s.load == nil {
		return errReply(http.StatusNotFound, "No load has been started")
	}
	s.load.Stop()
	return loadReply(s.load)
}

func loadReply(l *Load) reply {
	b, _ := json.Marshal(l.Stats())
	return jsonReply(http.StatusOK, b)
}
