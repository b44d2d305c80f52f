package ariclient

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/gorilla/websocket"
)

const (
	testUser = "flow"
	testPass = "flowpass"
)

// seenRequest is a REST request as the fake server received it.
type seenRequest struct {
	Method, Path, RawQuery, Body, ContentType string
}

// wsConn is a WebSocket the fake accepted, for the test to write to.
type wsConn struct {
	app   string
	query string
	conn  *websocket.Conn
	mu    sync.Mutex  // one writer at a time
	mute  atomic.Bool // stop answering pings
	pings atomic.Int64
}

func (w *wsConn) send(t *testing.T, frame string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Errorf("write frame: %v", err)
	}
}

// fakeARI is a small ARI server: Basic auth, GET /applications/{app},
// /events WebSockets, and a pluggable REST responder.
type fakeARI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	channels map[string][]string // app -> channel_ids for the next resync
	resyncs  map[string]int
	respond  func(w http.ResponseWriter, r *http.Request, body string) // nil: 204

	failResyncs atomic.Int64 // answer this many resyncs with 500

	requests chan seenRequest // every non-resync REST request
	conns    chan *wsConn     // every accepted WebSocket
}

func newFakeARI(t *testing.T) *fakeARI {
	f := newFakeARIUnstarted(t)
	f.srv.Start()
	return f
}

// newFakeARITLS serves https/wss with a certificate from its own CA.
func newFakeARITLS(t *testing.T) *fakeARI {
	f := newFakeARIUnstarted(t)
	f.srv.StartTLS()
	return f
}

func newFakeARIUnstarted(t *testing.T) *fakeARI {
	f := &fakeARI{
		t:        t,
		channels: map[string][]string{},
		resyncs:  map[string]int{},
		requests: make(chan seenRequest, 256),
		conns:    make(chan *wsConn, 16),
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeARI) url() string { return f.srv.URL + "/ari" }

func (f *fakeARI) setChannels(app string, ids ...string) {
	f.mu.Lock()
	f.channels[app] = ids
	f.mu.Unlock()
}

func (f *fakeARI) setResponder(fn func(w http.ResponseWriter, r *http.Request, body string)) {
	f.mu.Lock()
	f.respond = fn
	f.mu.Unlock()
}

func (f *fakeARI) resyncCount(app string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resyncs[app]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeARI) serve(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Authentication required"})
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/ari")
	switch {
	case path == "/events" && r.Method == http.MethodGet:
		f.serveEvents(w, r)
		return
	case strings.HasPrefix(path, "/applications/") && r.Method == http.MethodGet:
		app := strings.TrimPrefix(path, "/applications/")
		if f.failResyncs.Add(-1) >= 0 {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "busy"})
			return
		}
		f.mu.Lock()
		f.resyncs[app]++
		ids := append([]string{}, f.channels[app]...)
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"name": app, "channel_ids": ids,
			"bridge_ids": []string{}, "endpoint_ids": []string{}, "device_names": []string{}})
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.requests <- seenRequest{Method: r.Method, Path: path, RawQuery: r.URL.RawQuery,
		Body: string(body), ContentType: r.Header.Get("Content-Type")}
	f.mu.Lock()
	respond := f.respond
	f.mu.Unlock()
	if respond == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	respond(w, r, string(body))
}

var upgrader = websocket.Upgrader{}

func (f *fakeARI) serveEvents(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{app: r.URL.Query().Get("app"), query: r.URL.RawQuery, conn: conn}
	conn.SetPingHandler(func(data string) error {
		c.pings.Add(1)
		if c.mute.Load() {
			return nil
		}
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	f.conns <- c
	// Read so that pings are answered and the client's close is seen.
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			conn.Close()
			return
		}
	}
}

// nextConn waits for the next accepted WebSocket.
func (f *fakeARI) nextConn(t *testing.T) *wsConn {
	t.Helper()
	select {
	case c := <-f.conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no WebSocket connection")
		return nil
	}
}

// nextRequest waits for the next REST request.
func (f *fakeARI) nextRequest(t *testing.T) seenRequest {
	t.Helper()
	select {
	case r := <-f.requests:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no REST request")
		return seenRequest{}
	}
}

// sinkCall is one call the client made on the sink.
type sinkCall struct {
	kind     string // "event", "connected", "disconnected"
	app      string
	event    *engine.Event
	channels []string
	err      error
	released uint64 // releases counted on the test clock when the call came
}

// recSink records sink calls on a channel.
type recSink struct {
	calls chan sinkCall
	clock *countClock
}

func newRecSink(clk *countClock) *recSink {
	return &recSink{calls: make(chan sinkCall, 1024), clock: clk}
}

func (s *recSink) released() uint64 {
	if s.clock == nil {
		return 0
	}
	return s.clock.releases.Load()
}

func (s *recSink) HandleEvent(ev *engine.Event) {
	s.calls <- sinkCall{kind: "event", app: ev.Application, event: ev, released: s.released()}
}

func (s *recSink) Connected(app string, live []string) {
	s.calls <- sinkCall{kind: "connected", app: app, channels: live}
}

func (s *recSink) Disconnected(app string, err error) {
	s.calls <- sinkCall{kind: "disconnected", app: app, err: err}
}

// next waits for the next sink call of the given kind, skipping none.
func (s *recSink) next(t *testing.T, kind string) sinkCall {
	t.Helper()
	select {
	case c := <-s.calls:
		if c.kind != kind {
			t.Fatalf("sink got %s (%+v), want %s", c.kind, c, kind)
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("sink: no %s call", kind)
		return sinkCall{}
	}
}
