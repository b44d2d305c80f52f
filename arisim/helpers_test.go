package arisim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/clock"
	"github.com/gorilla/websocket"
)

// testStart is the virtual clock's start, the time of the first trace.
var testStart = time.Date(2026, 11, 25, 22, 2, 16, 0, time.UTC)

const (
	testUser = "flow"
	testPass = "flowpass"
	testApp  = "hello-world"
	// realTimeout bounds every wait of a test on something the simulator
	// must do; it never paces the test.
	realTimeout = 10 * time.Second
)

// harness is a simulator on a virtual clock behind a real HTTP server.
type harness struct {
	t   *testing.T
	clk *clock.Virtual
	srv *Server
	hs  *httptest.Server

	wsLogs chan Entry // ws entries, from the observer
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, clk: clock.NewVirtual(testStart), wsLogs: make(chan Entry, 64)}
	opts.Clock = h.clk
	if opts.Username == "" {
		opts.Username, opts.Password = testUser, testPass
	}
	user := opts.Observer
	opts.Observer = func(e Entry) {
		if e.Kind == "ws" {
			select {
			case h.wsLogs <- e:
			default:
			}
		}
		if user != nil {
			user(e)
		}
	}
	h.srv = New(opts)
	h.hs = httptest.NewServer(h.srv)
	t.Cleanup(func() {
		h.srv.Close()
		h.hs.Close()
		h.clk.Close()
	})
	return h
}

// do sends a REST request with Basic auth (auth=false: none) and returns the
// status and body.
func (h *harness) do(method, path, query string, body []byte, auth bool) (int, []byte) {
	h.t.Helper()
	u := h.hs.URL + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.SetBasicAuth(testUser, testPass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// waitWS waits for a ws transcript entry (a socket going away).
func (h *harness) waitWS(action string) {
	h.t.Helper()
	timeout := time.After(realTimeout)
	for {
		select {
		case e := <-h.wsLogs:
			if e.Action == action {
				return
			}
		case <-timeout:
			h.t.Fatalf("no ws %q entry", action)
		}
	}
}

// waitIdle waits until no call is live. Frames arriving meanwhile are
// released through w (which may be nil).
func (h *harness) waitIdle(w *wsClient) {
	h.t.Helper()
	idle := h.srv.Idle()
	timeout := time.After(realTimeout)
	for {
		var sig <-chan struct{}
		if w != nil {
			w.releaseAll()
			sig = w.sig
		}
		select {
		case <-idle:
			if w != nil {
				w.releaseAll()
			}
			return
		case <-sig:
		case <-timeout:
			h.t.Fatalf("calls still live: %d (in Stasis %d)", h.srv.Live(), h.srv.InStasis())
		}
	}
}

// wsClient is the test's end of /ari/events. Every frame arrives holding the
// virtual clock once; the test releases it (take, releaseAll) when it has
// acted on it, as the engine's adapter does.
type wsClient struct {
	t    *testing.T
	clk  clock.Clock
	conn *websocket.Conn

	mu      sync.Mutex
	pending [][]byte
	closed  bool
	sig     chan struct{}
	all     [][]byte // every frame received
}

func (h *harness) dial(query string) *wsClient {
	h.t.Helper()
	u := "ws" + strings.TrimPrefix(h.hs.URL, "http") + "/ari/events?" + query
	hdr := http.Header{}
	if !strings.Contains(query, "api_key=") {
		hdr.Set("Authorization", "Basic ZmxvdzpmbG93cGFzcw==") // flow:flowpass
	}
	conn, resp, err := websocket.DefaultDialer.Dial(u, hdr)
	if err != nil {
		h.t.Fatalf("dial %s: %v", u, err)
	}
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" {
		h.t.Fatalf("handshake carries a subprotocol %q", p)
	}
	if x := resp.Header.Get("Sec-WebSocket-Extensions"); x != "" {
		h.t.Fatalf("handshake carries extensions %q", x)
	}
	w := &wsClient{t: h.t, clk: h.clk, conn: conn, sig: make(chan struct{}, 1)}
	go w.read()
	return w
}

func (w *wsClient) read() {
	for {
		typ, data, err := w.conn.ReadMessage()
		w.mu.Lock()
		if err != nil {
			w.closed = true
			w.mu.Unlock()
			w.signal()
			return
		}
		if typ == websocket.TextMessage {
			w.pending = append(w.pending, data)
			w.all = append(w.all, data)
		}
		w.mu.Unlock()
		w.signal()
	}
}

func (w *wsClient) signal() {
	select {
	case w.sig <- struct{}{}:
	default:
	}
}

// take returns the frames received and not taken yet; each still holds the
// clock once.
func (w *wsClient) take() (frames [][]byte, closed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	frames, w.pending = w.pending, nil
	return frames, w.closed
}

// releaseAll takes every pending frame and releases its hold.
func (w *wsClient) releaseAll() [][]byte {
	frames, _ := w.take()
	for range frames {
		w.clk.Release()
	}
	return frames
}

// next waits for the next event, releasing it at once: for tests that only
// look at what arrives.
func (w *wsClient) next() map[string]any {
	w.t.Helper()
	ev := w.nextHeld()
	w.clk.Release()
	return ev
}

// nextOf waits for the next event of type typ, releasing the others.
func (w *wsClient) nextOf(typ string) map[string]any {
	w.t.Helper()
	for {
		if ev := w.next(); ev["type"] == typ {
			return ev
		}
	}
}

func (w *wsClient) close() {
	_ = w.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
}

// eventTypes lists the types of the event entries of a transcript.
func eventTypes(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		if e.Kind == "event" {
			out = append(out, e.EventType())
		}
	}
	return out
}

// nextHeld waits for the next event and keeps its hold on the clock: time
// stands still until the test calls release, so the test can act on the
// event at the event's instant, as the engine does.
func (w *wsClient) nextHeld() map[string]any {
	w.t.Helper()
	timeout := time.After(realTimeout)
	for {
		w.mu.Lock()
		if len(w.pending) > 0 {
			f := w.pending[0]
			w.pending = w.pending[1:]
			w.mu.Unlock()
			var ev map[string]any
			if err := json.Unmarshal(f, &ev); err != nil {
				w.t.Fatalf("bad frame %s: %v", f, err)
			}
			return ev
		}
		closed := w.closed
		w.mu.Unlock()
		if closed {
			w.t.Fatal("socket closed while waiting for an event")
		}
		select {
		case <-w.sig:
		case <-timeout:
			w.t.Fatal("no event")
		}
	}
}

func (w *wsClient) release() { w.clk.Release() }

// evTime is an event's timestamp.
func evTime(t *testing.T, ev map[string]any) time.Time {
	t.Helper()
	ts, err := time.Parse(tsLayout, ev["timestamp"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// evDesc names an event for assertions: type plus its main field.
func evDesc(ev map[string]any) string {
	typ := ev["type"].(string)
	switch typ {
	case "ChannelDtmfReceived":
		return typ + " " + ev["digit"].(string)
	case "PlaybackStarted", "PlaybackFinished", "PlaybackContinuing":
		pb := ev["playback"].(map[string]any)
		return typ + " " + pb["media_uri"].(string) + " " + pb["state"].(string)
	case "ChannelStateChange":
		return typ + " " + ev["channel"].(map[string]any)["state"].(string)
	case "ChannelHangupRequest":
		if ev["soft"] == true {
			return typ + " soft"
		}
		return typ
	}
	return typ
}

func channelOf(ev map[string]any) string {
	for _, k := range []string{"channel", "peer"} {
		if ch, ok := ev[k].(map[string]any); ok {
			return ch["id"].(string)
		}
	}
	if pb, ok := ev["playback"].(map[string]any); ok {
		return strings.TrimPrefix(pb["target_uri"].(string), "channel:")
	}
	return ""
}

func websocketDial(httpURL string) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(httpURL, "http"), nil)
}

func httptestServer(s *Server) *httptest.Server { return httptest.NewServer(s) }

func benchDial(b testing.TB, httpURL string) *websocket.Conn {
	b.Helper()
	hdr := http.Header{"Authorization": {"Basic ZmxvdzpmbG93cGFzcw=="}}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(httpURL, "http")+"/ari/events?app="+testApp, hdr)
	if err != nil {
		b.Fatal(err)
	}
	return conn
}
