// Package calltrace writes one JSON file per finished call: its steps,
// outcomes, ARI events and REST actions with their timings, from the
// engine's Trace hook (with engine.Config.TraceARI) and OnCallEnd.
//
// # Files
//
// Each call's file is DIR/<start time>-<channel id>.json, written (through a
// temporary file and a rename) once the call has ended:
//
//	{"call_id": "1795654634.1", "flow": "hello-world", "flow_version": "080bf31bdcbb",
//	 "reason": "flow_hangup", "started": "...", "ended": "...", "duration_ms": 2403, "steps": 4,
//	 "entries": [
//	   {"t_ms": 0, "kind": "start", "detail": "app hello-world, args []"},
//	   {"t_ms": 0, "kind": "step", "step": "#1 (answer)", "detail": "answer"},
//	   {"t_ms": 0, "kind": "action", "detail": "answer"},
//	   {"t_ms": 3, "kind": "result", "step": "answer", "detail": "ok", "duration_ms": 3},
//	   {"t_ms": 1403, "kind": "event", "detail": "PlaybackFinished sound:hello-world done"}, ...]}
//
// A result's duration_ms is the time since its action was issued (a call has
// one action in flight at a time).
//
// # Concurrency
//
// Trace and End may be called from any goroutine and never block: files are
// written by one background goroutine, fed through a bounded queue; a call
// whose file cannot be queued or written is counted in Dropped and logged.
package calltrace

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// QueueLimit bounds the finished calls waiting for their file.
const QueueLimit = 1024

// maxEntries bounds one call's entries; later ones are counted, not kept.
const maxEntries = 10000

// Writer collects each call's trace and writes it when the call ends. Create
// it with New; stop it with Close.
type Writer struct {
	dir string
	log *slog.Logger

	mu    sync.Mutex
	calls map[string]*callTrace // by channel id; guarded by mu
	// queue is sent to and closed under mu.

	queue   chan *callTrace
	done    chan struct{}
	closed  atomic.Bool
	written atomic.Uint64
	dropped atomic.Uint64
}

type callTrace struct {
	CallID      string    `json:"call_id"`
	Flow        string    `json:"flow"`
	FlowVersion string    `json:"flow_version"`
	Reason      string    `json:"reason"`
	Started     time.Time `json:"started"`
	Ended       time.Time `json:"ended"`
	DurationMS  int64     `json:"duration_ms"`
	Steps       int       `json:"steps"`
	Entries     []entry   `json:"entries"`
	Truncated   int       `json:"entries_dropped,omitempty"`

	first    time.Time // the first entry's time
	actionAt time.Time // when the action in flight was issued
}

type entry struct {
	TMS        int64  `json:"t_ms"`
	Kind       string `json:"kind"`
	Step       string `json:"step,omitempty"`
	Detail     string `json:"detail,omitempty"`
	DurationMS *int64 `json:"duration_ms,omitempty"`
}

// New creates dir if needed and starts the writer.
func New(dir string, log *slog.Logger) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("trace directory: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{dir: dir, log: log, calls: map[string]*callTrace{},
		queue: make(chan *callTrace, QueueLimit), done: make(chan struct{})}
	go w.run()
	return w, nil
}

// Trace records one trace event; it is engine.Config.Trace.
func (w *Writer) Trace(ev engine.TraceEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Load() {
		return
	}
	ct := w.calls[ev.CallID]
	if ct == nil {
		ct = &callTrace{CallID: ev.CallID, Flow: ev.Flow, first: ev.Time}
		w.calls[ev.CallID] = ct
	}
	if len(ct.Entries) >= maxEntries {
		ct.Truncated++
		return
	}
	e := entry{TMS: ev.Time.Sub(ct.first).Milliseconds(), Kind: ev.Kind.String(), Step: ev.Step, Detail: ev.Detail}
	switch ev.Kind {
	case engine.TraceAction:
		ct.actionAt = ev.Time
	case engine.TraceResult:
		if !ct.actionAt.IsZero() {
			d := ev.Time.Sub(ct.actionAt).Milliseconds()
			e.DurationMS = &d
			ct.actionAt = time.Time{}
		}
	}
	ct.Entries = append(ct.Entries, e)
}

// End completes a call's trace and queues its file; it is
// engine.Config.OnCallEnd.
func (w *Writer) End(s engine.CallSummary) {
	w.mu.Lock()
	ct := w.calls[s.CallID]
	delete(w.calls, s.CallID)
	w.mu.Unlock()
	if ct == nil {
		ct = &callTrace{CallID: s.CallID}
	}
	ct.Flow, ct.FlowVersion, ct.Reason, ct.Steps = s.Flow, s.FlowVersion, s.Reason, s.Steps
	ct.Started, ct.Ended, ct.DurationMS = s.Started, s.Ended, s.Ended.Sub(s.Started).Milliseconds()
	if ct.Entries == nil {
		ct.Entries = []entry{}
	}
	w.mu.Lock()
	why := ""
	if w.closed.Load() {
		why = "the writer is closed"
	} else {
		select {
		case w.queue <- ct:
		default:
			why = "the queue is full"
		}
	}
	w.mu.Unlock()
	if why != "" {
		w.drop(ct, why)
	}
}

func (w *Writer) drop(ct *callTrace, why string) {
	w.dropped.Add(1)
	w.log.Warn("call trace not written", "call_id", ct.CallID, "reason", why)
}

// Written and Dropped count the files written and the traces lost.
func (w *Writer) Written() uint64 { return w.written.Load() }

// Dropped counts the call traces not written (queue full, write error).
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Close writes the calls already queued and stops the writer. Calls still in
// progress get no file.
func (w *Writer) Close() {
	w.mu.Lock()
	if w.closed.Swap(true) {
		w.mu.Unlock()
		return
	}
	close(w.queue)
	w.calls = map[string]*callTrace{}
	w.mu.Unlock()
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	for ct := range w.queue {
		if err := w.write(ct); err != nil {
			w.dropped.Add(1)
			w.log.Error("writing a call trace", "call_id", ct.CallID, "err", err)
			continue
		}
		w.written.Add(1)
	}
}

// FileName is the name of a call's trace file.
func FileName(started time.Time, callID string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, callID)
	return started.UTC().Format("20060102T150405.000Z") + "-" + safe + ".json"
}

func (w *Writer) write(ct *callTrace) error {
	b, err := json.MarshalIndent(ct, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(w.dir, ".trace-*")
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(w.dir, FileName(ct.Started, ct.CallID)))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
