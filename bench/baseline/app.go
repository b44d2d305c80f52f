package baseline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/CyCoreSystems/ari/v6"
	"github.com/CyCoreSystems/ari/v6/client/native"
)

// Options configures an App. Only the credentials are required.
type Options struct {
	// URL is the ARI base URL. Default http://localhost:8088/ari. The event
	// WebSocket is URL+"/events" with the ws (or wss) scheme.
	URL string
	// Username and Password are the ARI credentials. The library falls back
	// to $ARI_USERNAME and $ARI_PASSWORD when they are empty.
	Username, Password string
	// App is the Stasis application name. Default "hello-world".
	App string
	// Media is played on every call. Default "sound:hello-world".
	Media string
	// Pause is the wait between PlaybackFinished and the hangup. Default 1s.
	Pause time.Duration
	// PlaybackTimeout bounds the wait for PlaybackFinished; when it expires
	// the call counts as an error and is hung up. Default 30s.
	PlaybackTimeout time.Duration
	// Logger receives failed calls. Default: discard.
	Logger *slog.Logger
}

// Stats are an App's counters. A started call ends as exactly one of
// Completed, HungUp or Errors, unless Run's context ends first.
type Stats struct {
	Started   int64 // StasisStart received
	Completed int64 // answered, played, paused and hung up by the app
	HungUp    int64 // the caller hung up first
	Errors    int64 // a request failed, or PlaybackFinished never came
}

// App is the hello-world application. Create it with New; its methods are
// safe for concurrent use.
type App struct {
	opts  Options
	log   *slog.Logger
	ready chan struct{}

	started, completed, hungUp, errs atomic.Int64
}

// New returns an App for opts, with the defaults filled in.
func New(opts Options) *App {
	if opts.URL == "" {
		opts.URL = "http://localhost:8088/ari"
	}
	if opts.App == "" {
		opts.App = "hello-world"
	}
	if opts.Media == "" {
		opts.Media = "sound:hello-world"
	}
	if opts.Pause == 0 {
		opts.Pause = time.Second
	}
	if opts.PlaybackTimeout == 0 {
		opts.PlaybackTimeout = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{opts: opts, log: log, ready: make(chan struct{})}
}

// Run is New(opts).Run(ctx).
func Run(ctx context.Context, opts Options) error {
	return New(opts).Run(ctx)
}

// Ready returns a channel closed once Run is connected and subscribed: calls
// placed from then on are served.
func (a *App) Ready() <-chan struct{} { return a.ready }

// Stats returns the counters so far.
func (a *App) Stats() Stats {
	return Stats{
		Started:   a.started.Load(),
		Completed: a.completed.Load(),
		HungUp:    a.hungUp.Load(),
		Errors:    a.errs.Load(),
	}
}

// Run connects to ARI, serves calls until ctx ends, then stops the client and
// returns once every call goroutine has returned. The library retries the
// connection every second until it succeeds or ctx ends (it sets no timeout
// on the WebSocket handshake, so a server that never completes one holds Run
// up). Run returns an error only when it could not connect, and may be
// called once per App.
func (a *App) Run(ctx context.Context) error {
	wsURL, err := eventsURL(a.opts.URL)
	if err != nil {
		return err
	}
	// The client lives as long as this context: cancelling it is how the
	// client is stopped (see the package documentation on Close).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	cl, err := native.ConnectWithContext(ctx, &native.Options{
		Application:  a.opts.App,
		URL:          a.opts.URL,
		WebsocketURL: wsURL,
		Username:     a.opts.Username,
		Password:     a.opts.Password,
	})
	if err != nil {
		return fmt.Errorf("baseline: connect to %s: %w", a.opts.URL, err)
	}
	if ctx.Err() != nil {
		return nil // ended before connecting; ConnectWithContext says nothing
	}
	sub := cl.Bus().Subscribe(nil, ari.Events.StasisStart, ari.Events.PlaybackFinished, ari.Events.StasisEnd)
	close(a.ready)

	var wg sync.WaitGroup
	a.dispatch(ctx, cl, sub.Events(), &wg)
	cancel() // stops the client, and every call waiting for an event
	wg.Wait()
	sub.Cancel()
	// The REST client is a zero http.Client, so its keep-alive connections
	// live in http.DefaultTransport: close the idle ones, nothing is in flight.
	new(http.Client).CloseIdleConnections()
	return nil
}

// call is one call's state shared between the dispatcher and its goroutine.
type call struct {
	id       string        // channel id
	playback string        // playback id, chosen before the play request
	finished chan struct{} // closed on PlaybackFinished
	ended    chan struct{} // closed on StasisEnd
}

// dispatch routes events to calls until ctx ends. It owns both maps and never
// blocks on a call.
func (a *App) dispatch(ctx context.Context, cl ari.Client, events <-chan ari.Event, wg *sync.WaitGroup) {
	calls := map[string]*call{}     // by channel id
	playbacks := map[string]*call{} // by playback id
	for {
		var e ari.Event
		select {
		case <-ctx.Done():
			return
		case e = <-events:
		}
		switch e := e.(type) {
		case *ari.StasisStart:
			id := e.Channel.ID
			if calls[id] != nil {
				continue
			}
			c := &call{id: id, playback: id + "-pb", finished: make(chan struct{}), ended: make(chan struct{})}
			calls[id] = c
			playbacks[c.playback] = c
			a.started.Add(1)
			wg.Go(func() { a.serve(ctx, cl, c) })
		case *ari.PlaybackFinished:
			if c := playbacks[e.Playback.ID]; c != nil {
				delete(playbacks, c.playback)
				close(c.finished)
			}
		case *ari.StasisEnd:
			if c := calls[e.Channel.ID]; c != nil {
				delete(calls, c.id)
				delete(playbacks, c.playback)
				close(c.ended)
			}
		case nil:
			return // the subscription was closed
		}
	}
}

var errNoPlaybackFinished = errors.New("no PlaybackFinished")

// serve runs the hello-world sequence on one call.
func (a *App) serve(ctx context.Context, cl ari.Client, c *call) {
	h := cl.Channel().Get(ari.NewKey(ari.ChannelKey, c.id))
	if err := h.Answer(); err != nil {
		a.fail(h, c, "answer", err)
		return
	}
	if _, err := h.Play(c.playback, a.opts.Media); err != nil {
		a.fail(h, c, "play", err)
		return
	}
	t := time.NewTimer(a.opts.PlaybackTimeout)
	defer t.Stop()
	select {
	case <-c.finished:
	case <-t.C:
		a.fail(h, c, "play", errNoPlaybackFinished)
		return
	case <-c.ended:
		a.hungUp.Add(1)
		return
	case <-ctx.Done():
		return
	}
	t.Reset(a.opts.Pause)
	select {
	case <-t.C:
	case <-c.ended:
		a.hungUp.Add(1)
		return
	case <-ctx.Done():
		return
	}
	if err := h.Hangup(); err != nil {
		a.fail(h, c, "hangup", err)
		return
	}
	a.completed.Add(1)
}

// fail ends a call whose step failed. A channel that is gone (StasisEnd seen,
// or 404) means the caller hung up; anything else is an error, and the call
// is hung up so that the caller is never left waiting.
func (a *App) fail(h *ari.ChannelHandle, c *call, step string, err error) {
	select {
	case <-c.ended:
		a.hungUp.Add(1)
		return
	default:
	}
	if native.CodeFromError(err) == http.StatusNotFound {
		a.hungUp.Add(1)
		return
	}
	a.errs.Add(1)
	a.log.Warn("call failed", "channel", c.id, "step", step, "error", err)
	if step != "hangup" {
		_ = h.Hangup()
	}
}

// eventsURL derives the event WebSocket URL from the ARI base URL.
func eventsURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("baseline: ARI URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("baseline: ARI URL %q: scheme must be http or https", base)
	}
	return u.JoinPath("events").String(), nil
}
