package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

// progress polls the loader and the app, prints a line per second, and
// tracks the peak of calls live in the app.
type progress struct {
	w     io.Writer
	app   app
	start time.Time
	peak  int
	last  time.Time
}

// pollEvery is how often a run looks at the loader and the app.
const pollEvery = 50 * time.Millisecond

// until polls until done(stats) holds, ctx ends, or timeout (if > 0) passes.
func (p *progress) until(ctx context.Context, l loader, done func(arisim.LoadStats) bool, timeout time.Duration) (arisim.LoadStats, error) {
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		st, err := l.stats(ctx)
		if err != nil {
			return st, err
		}
		p.observe(st)
		if done(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-deadline:
			return st, nil // the caller counts what is left
		case <-tick.C:
		}
	}
}

func (p *progress) observe(st arisim.LoadStats) {
	live := p.app.Live()
	p.peak = max(p.peak, live)
	if p.w == nil || time.Since(p.last) < time.Second {
		return
	}
	p.last = time.Now()
	_, errs := p.app.Counts()
	fmt.Fprintf(p.w, "  %-10s %5.1fs  placed %7d  live %6d  ended %7d  errors %d\n",
		p.app.Name(), time.Since(p.start).Seconds(), st.Placed, live, st.Ended, errs+st.Failed)
}

// settle waits, briefly, until the app holds every call the loader says is
// live, so that a heap sample sees them all.
func (p *progress) settle(ctx context.Context, l loader) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		st, err := l.stats(ctx)
		if err != nil || p.app.Live() >= st.Live {
			return
		}
		time.Sleep(pollEvery / 5)
	}
}

// drainApp waits until the app has no call left (its last ends may trail
// the simulator's), up to timeout.
func (p *progress) drainApp(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for p.app.Live() > 0 && time.Now().Before(deadline) {
		time.Sleep(pollEvery / 5)
	}
}
