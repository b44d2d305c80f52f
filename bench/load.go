package bench

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

// loader places the calls of a run.
type loader interface {
	// start begins placing calls into app.
	start(ctx context.Context, app string) error
	// stats returns the counts so far. Ended may lag behind for an
	// originating loader (it learns of ends from the app).
	stats(ctx context.Context) (arisim.LoadStats, error)
	// stop stops placing calls.
	stop(ctx context.Context)
}

// loadShape is what every loader is asked to place.
type loadShape struct {
	calls       int
	rate        float64
	concurrency int
	duration    time.Duration
	hold        time.Duration // callers hang up after this (simulator only)
}

// simLoader asks the simulator to place the calls itself (POST /sim/load),
// so placing them costs the measured process nothing.
type simLoader struct {
	t     *target
	shape loadShape
}

func (l *simLoader) start(ctx context.Context, app string) error {
	q := url.Values{"app": {app}, "endpoint": {"PJSIP/bench-caller"},
		"calls": {strconv.Itoa(l.shape.calls)}, "concurrency": {strconv.Itoa(l.shape.concurrency)},
		"rate": {strconv.FormatFloat(l.shape.rate, 'f', -1, 64)}}
	if l.shape.duration > 0 {
		q.Set("duration", l.shape.duration.String())
	}
	if l.shape.hold > 0 {
		q.Set("script", "hangup="+l.shape.hold.String())
	}
	return l.t.simCall(ctx, "POST", "/load?"+q.Encode(), nil)
}

func (l *simLoader) stats(ctx context.Context) (arisim.LoadStats, error) {
	var st arisim.LoadStats
	err := l.t.simCall(ctx, "GET", "/load", &st)
	return st, err
}

func (l *simLoader) stop(ctx context.Context) { _ = l.t.simCall(ctx, "DELETE", "/load", nil) }

// originateLoader places calls from this process with ARI originate (POST
// /channels), for a real Asterisk: each call is a Local channel whose ;2 half
// runs the dialplan at endpoint and whose ;1 half enters the app.
type originateLoader struct {
	t        *target
	shape    loadShape
	endpoint string
	ended    func() int // calls the app has seen end

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	st     arisim.LoadStats
	begun  time.Time
	over   time.Time
}

func (l *originateLoader) start(_ context.Context, app string) error {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done, l.begun = cancel, make(chan struct{}), time.Now()
	l.st.Placing = true
	go l.run(ctx, app)
	return nil
}

func (l *originateLoader) run(ctx context.Context, app string) {
	defer close(l.done)
	defer func() {
		l.mu.Lock()
		l.st.Placing, l.over = false, time.Now()
		l.mu.Unlock()
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	q := url.Values{"endpoint": {l.endpoint}, "app": {app}, "formats": {"ulaw"}}
	target := l.t.URL + "/channels?" + q.Encode()
	tick := time.NewTicker(loadTickInterval)
	defer tick.Stop()
	var deadline <-chan time.Time
	if l.shape.duration > 0 {
		dt := time.NewTimer(l.shape.duration)
		defer dt.Stop()
		deadline = dt.C
	}
	placed := 0
	for l.shape.calls == 0 || placed < l.shape.calls {
		due := maxPerTick
		if l.shape.calls > 0 {
			due = min(due, l.shape.calls-placed)
		}
		if l.shape.rate > 0 {
			due = min(due, int(time.Since(l.begun).Seconds()*l.shape.rate)+1-placed)
		}
		for ; due > 0; due-- {
			if l.shape.concurrency > 0 && placed-l.ended() >= l.shape.concurrency {
				break
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", target, nil)
			req.SetBasicAuth(l.t.Username, l.t.Password)
			resp, err := client.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				resp.Body.Close()
			}
			l.mu.Lock()
			if ok {
				l.st.Placed++
			} else {
				l.st.Failed++
			}
			l.mu.Unlock()
			placed++
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			return
		case <-tick.C:
		}
	}
}

// loadTickInterval is how often the originating loader places the calls due,
// at most maxPerTick at a time (so that it looks at its deadline often).
const (
	loadTickInterval = 2 * time.Millisecond
	maxPerTick       = 100
)

func (l *originateLoader) stats(context.Context) (arisim.LoadStats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.st
	st.Ended = min(l.ended(), st.Placed)
	st.Live = st.Placed - st.Ended
	end := l.over
	if st.Placing {
		end = time.Now()
	}
	st.PlacingSeconds = end.Sub(l.begun).Seconds()
	st.Done = !st.Placing && st.Live == 0
	return st, nil
}

func (l *originateLoader) stop(context.Context) {
	if l.cancel != nil {
		l.cancel()
		<-l.done
	}
}
