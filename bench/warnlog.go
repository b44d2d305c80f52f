package bench

import (
	"context"
	"log/slog"
	"sync"
)

// warnLog is the slog handler of the app under test: it counts warnings and
// errors and keeps the first few for the report, so a run's problems are
// visible without flooding the terminal.
type warnLog struct {
	mu    sync.Mutex
	count int
	first []string
}

const keepWarnings = 5

func (w *warnLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (w *warnLog) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.count++
	if len(w.first) < keepWarnings {
		msg := r.Level.String() + " " + r.Message
		r.Attrs(func(a slog.Attr) bool {
			msg += " " + a.String()
			return true
		})
		w.first = append(w.first, msg)
	}
	return nil
}

// WithAttrs and WithGroup drop the context attributes: the count is what
// matters.
func (w *warnLog) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnLog) WithGroup(string) slog.Handler      { return w }

func (w *warnLog) snapshot() (int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count, append([]string(nil), w.first...)
}
