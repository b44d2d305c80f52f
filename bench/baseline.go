package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/flowrunner/flowrunner/bench/baseline"
)

// baselineApp runs the hand-written app of package baseline.
type baselineApp struct {
	app    *baseline.App
	name   string
	log    *warnLog
	cancel context.CancelFunc
	done   chan error
	// restore puts back http.DefaultTransport's idle pool (see Start).
	restore func()
}

func newBaselineApp(appName string, log *warnLog) *baselineApp {
	return &baselineApp{name: appName, log: log}
}

func (a *baselineApp) Name() string { return "baseline" }

func (a *baselineApp) Start(t *target) error {
	// The library's REST client is a zero http.Client, on
	// http.DefaultTransport, which keeps 2 idle connections per host: under
	// load most requests would open a new TCP connection. Give it the same
	// pool as flowrunner's adapter, so the yardstick is like for like.
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		prev := tr.MaxIdleConnsPerHost
		tr.MaxIdleConnsPerHost = 64
		a.restore = func() { tr.MaxIdleConnsPerHost = prev; tr.CloseIdleConnections() }
	}
	a.app = baseline.New(baseline.Options{URL: t.URL, Username: t.Username, Password: t.Password,
		App: a.name, Logger: slog.New(a.log)})
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan error, 1)
	go func() { a.done <- a.app.Run(ctx) }()
	select {
	case <-a.app.Ready():
		return nil
	case err := <-a.done:
		a.done <- err
		a.Stop()
		return fmt.Errorf("baseline: %v", err)
	case <-time.After(10 * time.Second):
		a.Stop()
		return fmt.Errorf("baseline: not connected after 10s")
	}
}

func (a *baselineApp) Live() int {
	st := a.app.Stats()
	return int(st.Started - st.Completed - st.HungUp - st.Errors)
}

func (a *baselineApp) Counts() (ended, bad int) {
	st := a.app.Stats()
	return int(st.Completed + st.HungUp + st.Errors), int(st.Errors)
}

func (a *baselineApp) Stop() {
	a.cancel()
	<-a.done
	if a.restore != nil {
		a.restore()
	}
}
