package ariclient

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/gorilla/websocket"
)

const (
	maxFrame       = 16 << 20 // a bridge snapshot lists every member channel
	keepBuffer     = 1 << 20  // larger read buffers are not kept between frames
	controlTimeout = time.Second
	maxLoggedFrame = 256
)

// read delivers the connection's frames to sink until the connection fails or
// ctx ends. A keepalive goroutine pings every PingInterval; a connection that
// brings neither a frame nor a pong for two intervals times out.
func (c *Client) read(ctx context.Context, conn *websocket.Conn, app string, sink engine.EventSink, log *slog.Logger) error {
	ping := c.opts.PingInterval
	conn.SetReadLimit(maxFrame)
	_ = conn.SetReadDeadline(time.Now().Add(2 * ping))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(2 * ping))
	})

	stop, stopped := make(chan struct{}), make(chan struct{})
	go keepalive(ctx, conn, ping, stop, stopped)
	defer func() {
		close(stop)
		conn.Close()
		<-stopped
	}()

	var buf bytes.Buffer
	extended := time.Now()
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return err
		}
		replaced := c.deliver(buf.Bytes(), app, sink, log)
		c.clock.Release() // one per frame read, after the sink has it
		// Moving the deadline costs a timer update: do it at most a few
		// times per interval, not per frame, and after the sink returned.
		if now := time.Now(); now.Sub(extended) > ping/4 {
			_ = conn.SetReadDeadline(now.Add(2 * ping))
			extended = now
		}
		if replaced {
			return errReplaced
		}
		if buf.Cap() > keepBuffer {
			buf = bytes.Buffer{}
		}
	}
}

// keepalive pings conn every interval and, when ctx ends, sends a close frame
// and closes conn so that the reader returns. It exits when stop is closed.
func keepalive(ctx context.Context, conn *websocket.Conn, interval time.Duration, stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(controlTimeout))
			conn.Close()
			return
		case <-t.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(controlTimeout)); err != nil {
				conn.Close()
				return
			}
		}
	}
}

// deliver decodes one frame and hands it to sink, counting what it drops. It
// reports whether the frame says another connection took the app over.
func (c *Client) deliver(data []byte, app string, sink engine.EventSink, log *slog.Logger) (replaced bool) {
	c.stats.events.Add(1)
	received := c.clock.Now()
	ev, typ, err := decodeEvent(data)
	switch {
	case err == nil:
		ev.Received = received
		if ev.Time.IsZero() {
			ev.Time = received
		}
		if ev.Application == "" {
			ev.Application = app
		}
		sink.HandleEvent(ev)
		return false
	case errors.Is(err, errUnknownType):
		c.stats.unknown.Add(1)
		if typ == "ApplicationReplaced" {
			log.Error("another WebSocket connection took over the ARI application; check that no other process uses this app name")
			return true
		}
		if log.Enabled(context.Background(), slog.LevelDebug) {
			log.Debug("ignoring ARI event", "type", typ)
		}
	default:
		c.stats.malformed.Add(1)
		if log.Enabled(context.Background(), slog.LevelDebug) {
			if len(data) > maxLoggedFrame {
				data = data[:maxLoggedFrame]
			}
			log.Debug("dropping malformed ARI event", "err", err, "frame", string(data))
		}
	}
	return false
}
