package arisim

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Entry is one line of the simulator's transcript: a request it received, the
// response it gave, an event it queued on a WebSocket, a WebSocket going away,
// or an injected fault. Its JSON form (MarshalJSON) is the line format of the
// captured traces, so transcripts diff against them.
type Entry struct {
	// At is the time since the server started, on the server's clock.
	At time.Duration
	// Kind is "request", "response", "event", "ws" or "fault".
	Kind string
	// Seq numbers requests; a response carries its request's Seq.
	Seq int
	// Method, Path and Query describe a request (Query raw, as received).
	Method, Path, Query string
	// Status is a response's HTTP status (101 for a WebSocket upgrade).
	Status int
	// Body is a request's or response's body: JSON, or nil when empty.
	Body json.RawMessage
	// App is the application an event was sent to, or the apps of a socket.
	App string
	// Event is the event exactly as written to the WebSocket.
	Event json.RawMessage
	// Action says what happened to a socket ("close", "replaced", "drop") or
	// which fault fired ("abort", "lose").
	Action string
	// Detail is free text for ws and fault entries.
	Detail string
}

// EventType returns the "type" of an event entry ("" otherwise).
func (e Entry) EventType() string {
	if e.Kind != "event" && e.Event == nil {
		return ""
	}
	var t struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(e.Event, &t)
	return t.Type
}

// MarshalJSON writes the entry in the traces' line format:
//
//	{"t_ms":N,"kind":"request","method":"POST","path":"/ari/...","query":"...","body":null}
//	{"t_ms":N,"kind":"response","status":204,"body":null}
//	{"t_ms":N,"kind":"event","event":{...}}
//	{"t_ms":N,"kind":"ws","action":"close"}
func (e Entry) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 128+len(e.Body)+len(e.Event))
	b = append(b, `{"t_ms":`...)
	b = strconv.AppendInt(b, e.At.Milliseconds(), 10)
	b = appendKeyStr(b, "kind", e.Kind)
	switch e.Kind {
	case "request":
		b = appendKeyStr(b, "method", e.Method)
		b = appendKeyStr(b, "path", e.Path)
		b = appendKeyStr(b, "query", e.Query)
		b = appendRawOrNull(appendKey(b, "body"), e.Body)
	case "response":
		b = appendKeyInt(b, "status", int64(e.Status))
		b = appendRawOrNull(appendKey(b, "body"), e.Body)
	case "event":
		b = appendRawOrNull(appendKey(b, "event"), e.Event)
	default:
		b = appendKeyStr(b, "action", e.Action)
		if e.App != "" {
			b = appendKeyStr(b, "app", e.App)
		}
		if e.Detail != "" {
			b = appendKeyStr(b, "detail", e.Detail)
		}
		if e.Event != nil {
			b = appendRawOrNull(appendKey(b, "event"), e.Event)
		}
	}
	return append(b, '}'), nil
}

func appendRawOrNull(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

// Transcript returns a copy of every entry so far, in order.
func (s *Server) Transcript() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.entries...)
}

// WriteTranscript writes the transcript as JSON lines, the traces' format.
func (s *Server) WriteTranscript(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, e := range s.Transcript() {
		b, _ := e.MarshalJSON()
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func (s *Server) recording() bool { return s.keep || s.observer != nil }

func (s *Server) addLocked(e Entry) {
	e.At = s.clk.Now().Sub(s.start)
	if s.keep {
		s.entries = append(s.entries, e)
	}
	if s.observer != nil {
		s.observer(e)
	}
}

func (s *Server) logRequestLocked(r *http.Request, body []byte) int {
	s.reqSeq++
	if !s.recording() {
		return s.reqSeq
	}
	s.addLocked(Entry{Kind: "request", Seq: s.reqSeq, Method: r.Method, Path: r.URL.Path,
		Query: r.URL.RawQuery, Body: bodyJSON(body)})
	return s.reqSeq
}

func (s *Server) logResponseLocked(seq int, rep reply) {
	if !s.recording() {
		return
	}
	s.addLocked(Entry{Kind: "response", Seq: seq, Status: rep.status, Body: rep.body})
}

func (s *Server) logEventLocked(app string, ev []byte) {
	if !s.recording() {
		return
	}
	s.addLocked(Entry{Kind: "event", App: app, Event: ev})
}

func (s *Server) logWSLocked(action, apps, detail string) {
	if !s.recording() {
		return
	}
	s.addLocked(Entry{Kind: "ws", Action: action, App: apps, Detail: detail})
}

func (s *Server) logFaultLocked(action, detail string, ev []byte) {
	if !s.recording() {
		return
	}
	s.addLocked(Entry{Kind: "fault", Action: action, Detail: detail, Event: ev})
}

// bodyJSON returns body as JSON: itself if valid JSON, else a JSON string.
func bodyJSON(body []byte) json.RawMessage {
	if len(body) == 0 {
		return nil
	}
	if json.Valid(body) {
		return append(json.RawMessage(nil), body...)
	}
	return appendStr(nil, string(body))
}
