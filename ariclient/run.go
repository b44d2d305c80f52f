package ariclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/gorilla/websocket"
)

// ErrRunning is returned by Run while another Run of the same Client is active:
// Asterisk keeps only the newest connection per app name.
var ErrRunning = errors.New("ariclient: Run is already running")

// Run keeps one event WebSocket per app connected until ctx is done, feeding
// sink, and returns nil once every connection has closed. The apps are those
// of Options.Apps, or of the latest SetApps: an app added while Run runs is
// connected, and a removed app's connection is closed. Each app's loop
// dials with HandshakeTimeout, resynchronises with GET /applications/{app},
// calls sink.Connected, delivers every event frame to sink.HandleEvent, and
// after a failure reconnects with jittered exponential backoff. Every
// Connected is followed by exactly one Disconnected, also when ctx ends.
func (c *Client) Run(ctx context.Context, sink engine.EventSink) error {
	if sink == nil {
		return errors.New("ariclient: Run needs an EventSink")
	}
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	var wg sync.WaitGroup
	loops := map[string]*appLoop{}
	for {
		c.reconcileApps(ctx, sink, loops, &wg)
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-c.appsChanged:
		}
	}
}

// runApp is one app's connect–read–backoff loop.
func (c *Client) runApp(ctx context.Context, app string, sink engine.EventSink) {
	log := c.log.With("app", app)
	bo := backoff{min: c.opts.ReconnectMin, max: c.opts.ReconnectMax}
	connectedBefore := false
	for ctx.Err() == nil {
		up, err := c.session(ctx, app, sink, log, &connectedBefore)
		if ctx.Err() != nil {
			return
		}
		switch {
		case errors.Is(err, errReplaced):
			bo.saturate()
		case up >= c.opts.StableAfter:
			bo.reset()
		}
		wait := bo.next()
		log.Warn("ARI event stream unavailable; reconnecting", "err", err, "retry_in", wait)
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// session runs one connection: dial, resync, read until it fails. It returns
// how long the stream was up (zero if it never got to Connected).
func (c *Client) session(ctx context.Context, app string, sink engine.EventSink, log *slog.Logger, connectedBefore *bool) (time.Duration, error) {
	conn, err := c.dial(ctx, app)
	if err != nil {
		c.countConnectErr(ctx)
		return 0, err
	}
	// Frames arriving meanwhile wait in the socket: nothing is lost between
	// the upgrade and the resync.
	data, err := c.application(ctx, app)
	if err != nil {
		conn.Close()
		c.countConnectErr(ctx)
		return 0, fmt.Errorf("resync: %w", err)
	}
	c.stats.connects.Add(1)
	if *connectedBefore {
		c.stats.reconnects.Add(1)
	}
	*connectedBefore = true
	c.stats.connected.Add(1)
	c.up.set(app, true)
	log.Info("ARI event stream connected", "live_channels", len(data.ChannelIDs))
	start := time.Now()
	sink.Connected(app, data.ChannelIDs)

	err = c.read(ctx, conn, app, sink, log)
	c.stats.connected.Add(-1)
	c.up.set(app, false)
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	sink.Disconnected(app, err)
	return time.Since(start), err
}

// countConnectErr counts a failed connect unless it failed because Run is
// stopping.
func (c *Client) countConnectErr(ctx context.Context) {
	if ctx.Err() == nil {
		c.stats.connectErrs.Add(1)
	}
}

// dial opens the app's event WebSocket, bounded by HandshakeTimeout.
func (c *Client) dial(ctx context.Context, app string) (*websocket.Conn, error) {
	d := websocket.Dialer{
		HandshakeTimeout: c.opts.HandshakeTimeout,
		TLSClientConfig:  c.tr.TLSClientConfig,
	}
	conn, resp, err := d.DialContext(ctx, c.eventsURL(app), http.Header{"Authorization": {c.auth}})
	if err == nil {
		return conn, nil
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorMessage))
		resp.Body.Close()
		return nil, fmt.Errorf("websocket upgrade: %w", &engine.ActionError{
			Op: "events", Status: resp.StatusCode, Message: errorMessage(resp.StatusCode, body)})
	}
	return nil, fmt.Errorf("websocket dial: %w", err)
}

// sleepCtx waits d, reporting false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
