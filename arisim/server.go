package arisim

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// DefaultAsteriskID is the asterisk_id (entity id) the simulator reports unless
// Options.AsteriskID is set; it is the one in the captured traces.
const DefaultAsteriskID = "02:fc:00:00:00:01"

// Options configures a Server. The zero value is usable: real clock, no
// authentication, built-in media durations.
type Options struct {
	// Clock drives all simulator time. Default clock.Real{}. With a shared
	// *clock.Virtual, see the accounting rule in the package documentation.
	Clock clock.Clock
	// Username and Password are the ARI credentials (HTTP Basic auth, or the
	// api_key=user:pass query parameter). Both empty: anything is accepted.
	Username, Password string
	// AsteriskID is the asterisk_id of events and the entity_id of
	// /asterisk/info. Default DefaultAsteriskID.
	AsteriskID string
	// Media gives the duration of media URIs ("sound:hello-world"), overriding
	// the built-in table.
	Media map[string]time.Duration
	// DefaultSoundDuration is the length of a sound: the tables do not know.
	// Default 2s.
	DefaultSoundDuration time.Duration
	// MissingSounds lists media URIs that do not exist: playing them fails as
	// on Asterisk. Sounds whose name contains "does-not-exist" are always
	// missing.
	MissingSounds []string
	// Scripts are named scripted callers: originating to Local/<name>@<ctx>
	// makes the ;2 half follow Scripts[name].
	Scripts map[string]Script
	// Callees say what the far ends of non-Local endpoints do, by endpoint
	// ("PJSIP/alice"); see Callee. POST /sim/callees adds more at run time.
	Callees map[string]Callee
	// DefaultCallee is the far end of a non-Local endpoint that neither
	// Callees nor the resource naming convention (busy, noanswer,
	// unavailable, congestion) covers. nil: StandardCallee (ring 1 s,
	// answer, hang up 10 s after answering).
	DefaultCallee *Callee
	// Dialplan adds or replaces dialplan contexts, each a list of applications
	// in priority order, e.g. {"ivr": {"Answer()", "Wait(2)", "Hangup()"}}.
	Dialplan map[string][]string
	// Logger receives the simulator's diagnostics. Default: discard.
	Logger *slog.Logger
	// Observer, if set, is called for every transcript entry as it happens,
	// in order, with the server's lock held: it must be quick and must not
	// call the Server's methods.
	Observer func(Entry)
	// NoTranscript stops the server from keeping entries for Transcript (for
	// long runs and benchmarks); Observer still sees them.
	NoTranscript bool
	// Faults injects misbehaviour; see Faults. It can be changed later with
	// SetFaults.
	Faults Faults
}

// Server is an ARI simulator. It is an http.Handler serving Asterisk's REST
// API under /ari (the WebSocket at /ari/events) and the simulator's own
// endpoints under /sim. All methods are safe for concurrent use.
type Server struct {
	clk       clock.Clock
	log       *slog.Logger
	user      string
	pass      string
	id        string // asterisk_id
	media     mediaTable
	scripts   map[string]Script
	defCallee *Callee
	dialplan  map[string][]dpStep
	observer  func(Entry)
	keep      bool // keep transcript entries
	start     time.Time
	ari, sim  *node
	faults    atomic.Pointer[Faults]

	mu         sync.Mutex // guards everything below
	closed     bool
	silent     bool // Restart is forgetting everything: no event goes out
	channels   map[string]*channel
	apps       map[string]*app
	playbacks  map[string]*playback
	bridges    map[string]*bridge
	liveRecs   map[string]*recording
	storedRecs map[string]*storedRecording
	callees    map[string]Callee
	load       *Load // the load started by POST /sim/load, if any
	conns      map[*wsConn]struct{}
	chanSeq    uint64
	localSeq   uint32
	liveCalls  int
	inStasis   int
	idle       chan struct{} // closed while no call is live
	entries    []Entry
	reqSeq     int
	tsMilli    int64  // the millisecond tsText shows
	tsText     []byte // quoted timestamp cache
}

// New returns a Server ready to serve; stop it with Close.
func New(opts Options) *Server {
	s := &Server{
		clk:        opts.Clock,
		log:        opts.Logger,
		user:       opts.Username,
		pass:       opts.Password,
		id:         opts.AsteriskID,
		scripts:    maps.Clone(opts.Scripts),
		callees:    maps.Clone(opts.Callees),
		defCallee:  opts.DefaultCallee,
		observer:   opts.Observer,
		keep:       !opts.NoTranscript,
		channels:   map[string]*channel{},
		apps:       map[string]*app{},
		playbacks:  map[string]*playback{},
		bridges:    map[string]*bridge{},
		liveRecs:   map[string]*recording{},
		storedRecs: map[string]*storedRecording{},
		conns:      map[*wsConn]struct{}{},
		idle:       make(chan struct{}),
	}
	close(s.idle)
	if s.callees == nil {
		s.callees = map[string]Callee{}
	}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.id == "" {
		s.id = DefaultAsteriskID
	}
	s.media = newMediaTable(opts.Media, opts.MissingSounds, opts.DefaultSoundDuration)
	s.dialplan = builtinDialplan()
	for ctx, apps := range opts.Dialplan {
		s.dialplan[ctx] = parseDialplan(apps)
	}
	f := opts.Faults
	s.faults.Store(&f)
	s.start = s.clk.Now()
	s.ari = newNode()
	s.sim = newNode()
	registerAsterisk(s.ari)
	registerApplications(s.ari)
	registerChannels(s.ari)
	registerPlaybacks(s.ari)
	registerBridges(s.ari)
	registerRecordings(s.ari)
	registerSim(s.sim)
	return s
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s }

// Clock returns the clock the server runs on.
func (s *Server) Clock() clock.Clock { return s.clk }

// Close closes every WebSocket, stops all timers and makes further requests
// fail with 503. Live channels stay as they are (Transcript and the counters
// still read them).
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	for _, ch := range s.channels {
		ch.stopTimersLocked()
	}
	for _, pb := range s.playbacks {
		pb.stopTimer()
	}
	for _, r := range s.liveRecs {
		r.stopTimer()
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
}

// ServeHTTP serves ARI under /ari and the simulator endpoints under /sim.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.requestFault(r)
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.DropWebSocket {
		s.DropWebSocket("")
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h, rq, rep := s.route(r, body)

	s.mu.Lock()
	seq := s.logRequestLocked(r, body)
	switch {
	case f.Abort:
		s.logFaultLocked("abort", r.Method+" "+r.URL.Path, nil)
		s.mu.Unlock()
		abort(w)
		return
	case s.closed:
		rep = errReply(http.StatusServiceUnavailable, "Simulator closed")
	case f.Status != 0:
		msg := f.Message
		if msg == "" {
			msg = "Injected fault"
		}
		rep = errReply(f.Status, msg)
	case rep.status != 0:
	case r.URL.Path == "/ari/events":
		s.mu.Unlock()
		s.serveEvents(w, r, seq)
		return
	default:
		rep = s.runLocked(r, h, rq)
	}
	s.logResponseLocked(seq, rep)
	s.mu.Unlock()
	writeReply(w, rep)
}

// route authenticates and resolves a request. A reply with a status means it
// is answered without a handler (401, 404, 405, 400); the WebSocket has
// neither handler nor reply.
func (s *Server) route(r *http.Request, body []byte) (handlerFunc, *request, reply) {
	if !s.authorized(r) {
		return nil, nil, replyAuth
	}
	path := r.URL.Path
	var tree *node
	switch {
	case path == "/ari/events":
		return nil, nil, reply{}
	case strings.HasPrefix(path, "/ari/"):
		tree, path = s.ari, path[len("/ari"):]
	case strings.HasPrefix(path, "/sim/"):
		tree, path = s.sim, path[len("/sim"):]
	default:
		return nil, nil, replyNoResource
	}
	n, vars := tree.match(path)
	if n == nil {
		return nil, nil, replyNoResource
	}
	h := n.methods[r.Method]
	if h == nil {
		return nil, nil, replyBadMethod
	}
	rq := &request{method: r.Method, vars: vars, query: r.URL.Query()}
	if len(body) > 0 && body[0] == '{' {
		if err := json.Unmarshal(body, &rq.body); err != nil {
			return nil, nil, errReply(http.StatusBadRequest, "Error parsing request body")
		}
	}
	return h, rq, reply{}
}

// runLocked runs a handler. A handler asking to wait (GET /sim/calls with
// wait=idle) is run again, without the wait, once its channel closes or its
// deadline passes; the lock is released meanwhile.
func (s *Server) runLocked(r *http.Request, h handlerFunc, rq *request) reply {
	for {
		rep := h(s, rq)
		if rep.wait == nil {
			return rep
		}
		s.mu.Unlock()
		t := time.NewTimer(time.Until(rep.deadline))
		select {
		case <-rep.wait:
		case <-t.C:
			rq = &request{method: rq.method, vars: rq.vars, query: withoutWait(rq.query), body: rq.body}
		case <-r.Context().Done():
			rq = &request{method: rq.method, vars: rq.vars, query: withoutWait(rq.query), body: rq.body}
		}
		t.Stop()
		s.mu.Lock()
	}
}

func writeReply(w http.ResponseWriter, rep reply) {
	h := w.Header()
	h.Set("Server", "Asterisk/22.10.1")
	if rep.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
	}
	if rep.body != nil {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
		return
	}
	w.WriteHeader(rep.status)
}

// abort closes the client's connection without an answer.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// authorized checks Basic auth or the api_key query parameter.
func (s *Server) authorized(r *http.Request) bool {
	if s.user == "" && s.pass == "" {
		return true
	}
	if u, p, ok := r.BasicAuth(); ok && s.credsOK(u, p) {
		return true
	}
	if key := r.URL.Query().Get("api_key"); key != "" {
		u, p, _ := strings.Cut(key, ":")
		return s.credsOK(u, p)
	}
	return false
}

func (s *Server) credsOK(u, p string) bool {
	return subtle.ConstantTimeCompare([]byte(u), []byte(s.user)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(s.pass)) == 1
}

// Live reports how many calls are live: a call is the channel or Local pair
// one placement or originate created; it ends when all its channels are gone.
func (s *Server) Live() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveCalls
}

// InStasis reports how many channels are in a Stasis application.
func (s *Server) InStasis() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inStasis
}

// Done returns a channel closed when the channel with the given id has been
// destroyed (at once if it does not exist).
func (s *Server) Done(channelID string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.channels[channelID]; ch != nil {
		return ch.done
	}
	return closedChan
}

// Idle returns a channel closed when no call is live. A call placed later
// does not reopen it; ask again.
func (s *Server) Idle() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idle
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
