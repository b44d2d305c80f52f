package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
)

// Timeline writes what happens during a call, one line per step, outcome, ARI
// request, response and event, in the order it happens, with virtual times.
// Wire its Observe and Trace methods into Options. It is safe for concurrent use.
type Timeline struct {
	w     io.Writer
	json  bool
	start time.Time

	mu sync.Mutex
	on bool
}

// NewTimeline returns a timeline writing to w, as text or, with asJSON, as one
// JSON object per line (simulator entries in the captured traces' format).
// start is the sandbox's start time (Options.Start). Nothing is written until
// Begin.
func NewTimeline(w io.Writer, asJSON bool, start time.Time) *Timeline {
	return &Timeline{w: w, json: asJSON, start: start}
}

// Begin starts writing; what happened before (the connection set-up) is skipped.
func (t *Timeline) Begin() {
	t.mu.Lock()
	t.on = true
	t.mu.Unlock()
}

// End stops writing; what follows (the connection closing) is skipped.
func (t *Timeline) End() {
	t.mu.Lock()
	t.on = false
	t.mu.Unlock()
}

// Observe records a simulator entry.
func (t *Timeline) Observe(e arisim.Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return
	}
	if t.json {
		b, err := e.MarshalJSON()
		if err == nil {
			t.w.Write(append(b, '\n'))
		}
		return
	}
	switch e.Kind {
	case "request":
		target := e.Path
		if e.Query != "" {
			target += "?" + e.Query
		}
		if len(e.Body) > 0 && string(e.Body) != "null" {
			target += " " + string(e.Body)
		}
		t.line(e.At, "request", e.Method+" "+target)
	case "response":
		detail := fmt.Sprint(e.Status)
		if e.Status >= 400 && len(e.Body) > 0 {
			detail += " " + string(e.Body)
		}
		t.line(e.At, "response", detail)
	case "event":
		t.line(e.At, "event", summarizeEvent(e.Event))
	default:
		t.line(e.At, e.Kind, strings.TrimSpace(e.Action+" "+e.Detail))
	}
}

// Trace records an engine trace event.
func (t *Timeline) Trace(ev engine.TraceEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return
	}
	at := ev.Time.Sub(t.start)
	if t.json {
		b, _ := json.Marshal(struct {
			TMs    int64  `json:"t_ms"`
			Kind   string `json:"kind"`
			Call   string `json:"call"`
			Flow   string `json:"flow"`
			Step   string `json:"step,omitempty"`
			Detail string `json:"detail,omitempty"`
		}{at.Milliseconds(), "flow." + ev.Kind.String(), ev.CallID, ev.Flow, ev.Step, ev.Detail})
		t.w.Write(append(b, '\n'))
		return
	}
	detail := ev.Detail
	switch ev.Kind {
	case engine.TraceStep:
		detail = ev.Step
		if !strings.HasSuffix(ev.Step, ")") {
			detail += " (" + ev.Detail + ")"
		}
	case engine.TraceOutcome:
		detail = ev.Step + " → " + ev.Detail
	case engine.TraceStart:
		detail = fmt.Sprintf("flow %q on channel %s: %s", ev.Flow, ev.CallID, ev.Detail)
	case engine.TraceEnd:
		detail = "call ended: " + ev.Detail
	default:
		if ev.Step != "" {
			detail = ev.Step + ": " + ev.Detail
		}
	}
	t.line(at, ev.Kind.String(), detail)
}

// Note writes a free-form line at virtual time at.
func (t *Timeline) Note(at time.Duration, kind, detail string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.json {
		b, _ := json.Marshal(struct {
			TMs    int64  `json:"t_ms"`
			Kind   string `json:"kind"`
			Detail string `json:"detail"`
		}{at.Milliseconds(), kind, detail})
		t.w.Write(append(b, '\n'))
		return
	}
	t.line(at, kind, detail)
}

func (t *Timeline) line(at time.Duration, kind, detail string) {
	fmt.Fprintf(t.w, "%8.3fs  %-8s  %s\n", at.Seconds(), kind, detail)
}

// summarizeEvent renders an ARI event JSON in one short line.
func summarizeEvent(raw json.RawMessage) string {
	var ev struct {
		Type    string   `json:"type"`
		Digit   string   `json:"digit"`
		Cause   *int     `json:"cause"`
		Args    []string `json:"args"`
		Var     string   `json:"variable"`
		Value   *string  `json:"value"`
		Channel *struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"channel"`
		Playback *struct {
			ID       string `json:"id"`
			MediaURI string `json:"media_uri"`
			State    string `json:"state"`
		} `json:"playback"`
		Peer *struct {
			ID string `json:"id"`
		} `json:"peer"`
		DialStatus *string `json:"dialstatus"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return string(raw)
	}
	parts := []string{ev.Type}
	if ev.Channel != nil {
		parts = append(parts, ev.Channel.ID, ev.Channel.State)
	}
	if ev.Peer != nil {
		parts = append(parts, "peer "+ev.Peer.ID)
	}
	if ev.DialStatus != nil && *ev.DialStatus != "" {
		parts = append(parts, *ev.DialStatus)
	}
	if ev.Playback != nil {
		parts = append(parts, ev.Playback.MediaURI, ev.Playback.State)
	}
	if ev.Digit != "" {
		parts = append(parts, "digit "+ev.Digit)
	}
	if ev.Cause != nil {
		parts = append(parts, fmt.Sprintf("cause %d", *ev.Cause))
	}
	if ev.Var != "" {
		v := ""
		if ev.Value != nil {
			v = *ev.Value
		}
		parts = append(parts, fmt.Sprintf("%s=%q", ev.Var, v))
	}
	if ev.Type == "StasisStart" {
		parts = append(parts, fmt.Sprintf("args %q", ev.Args))
	}
	return strings.Join(parts, " ")
}
