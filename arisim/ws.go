package arisim

import (
	"encoding/binary"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The WebSocket side: gorilla/websocket performs the handshake and parses the
// client's frames; the simulator writes its own (unmasked, unfragmented)
// frames straight to the connection so that one wake-up of the writer flushes
// every queued event in one write.

const (
	opText  = 0x1
	opClose = 0x8
	opPong  = 0xA

	writeTimeout = 10 * time.Second
	closeGrace   = time.Second
)

var upgrader = websocket.Upgrader{
	// No subprotocol and no extension: the x/net/websocket client of the Go
	// ARI library rejects a handshake carrying either.
	EnableCompression: false,
	CheckOrigin:       func(*http.Request) bool { return true },
	ReadBufferSize:    1024,
	WriteBufferSize:   1024,
}

// wsConn is one /ari/events WebSocket. apps is guarded by Server.mu; the queue
// by mu. Lock order: Server.mu, then wsConn.mu.
type wsConn struct {
	s    *Server
	ws   *websocket.Conn
	nc   net.Conn
	apps []string

	mu      sync.Mutex
	queue   []frame
	closing bool // a close frame is queued: accept nothing more
	dead    bool // connection gone: nothing more is written
	wake    chan struct{}

	wmu sync.Mutex // serialises writes to nc
}

type frame struct {
	op   byte
	data []byte
	held bool // the clock was held for it; release if never written
}

// serveEvents upgrades GET /ari/events?app=a[,b] and serves the socket until
// it closes.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, seq int) {
	var names []string
	for _, n := range strings.Split(r.URL.Query().Get("app"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		rep := errReply(http.StatusBadRequest, "Missing parameter app")
		s.mu.Lock()
		s.logResponseLocked(seq, rep)
		s.mu.Unlock()
		writeReply(w, rep)
		return
	}
	// Register first: a client may originate the moment it reads the 101,
	// and events queued before the writer starts simply wait in the queue.
	c := &wsConn{s: s, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.closed {
		rep := errReply(http.StatusServiceUnavailable, "Simulator closed")
		s.logResponseLocked(seq, rep)
		s.mu.Unlock()
		writeReply(w, rep)
		return
	}
	s.logResponseLocked(seq, reply{status: http.StatusSwitchingProtocols})
	s.conns[c] = struct{}{}
	for _, name := range names {
		s.attachLocked(c, name)
	}
	s.mu.Unlock()
	s.log.Debug("arisim: WebSocket connected", "apps", names)

	ws, err := upgrader.Upgrade(w, r, http.Header{"Server": {"Asterisk/22.10.1"}})
	if err != nil {
		s.detach(c)
		return
	}
	c.mu.Lock()
	c.ws, c.nc = ws, ws.NetConn()
	dead := c.dead
	c.mu.Unlock()
	if dead {
		_ = c.nc.Close()
		return
	}
	go c.writeLoop()
	c.readLoop()
	s.detach(c)
}

// attachLocked makes c the socket of app name, replacing (and, when it serves
// nothing else, closing) the previous one.
func (s *Server) attachLocked(c *wsConn, name string) {
	a := s.appLocked(name, true)
	if old := a.conn; old != nil && old != c {
		s.sendAppReplacedLocked(a)
		old.dropApp(name)
		s.logWSLocked("replaced", name, "")
		s.log.Debug("arisim: application replaced", "app", name)
		if len(old.apps) == 0 {
			delete(s.conns, old)
			old.closeGracefully()
		}
	}
	a.conn = c
	c.apps = append(c.apps, name)
}

// sendAppReplacedLocked tells a's current socket it lost a. Asterisk builds
// this message itself, application included, before adding asterisk_id.
func (s *Server) sendAppReplacedLocked(a *app) {
	c := a.conn
	if c == nil || s.loseEvent(a.name, "ApplicationReplaced") {
		return
	}
	b := s.beginEvent(nil, "ApplicationReplaced")
	b = appendKeyStr(b, "application", a.name)
	b = appendKeyStr(b, "asterisk_id", s.id)
	b = append(b, '}')
	s.clk.Hold()
	if !c.push(frame{op: opText, data: b, held: true}) {
		s.clk.Release()
		return
	}
	s.logEventLocked(a.name, b)
}

// detach forgets c after its reader stopped.
func (s *Server) detach(c *wsConn) {
	s.mu.Lock()
	if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.logWSLocked("close", c.appList(), "")
		s.log.Debug("arisim: WebSocket closed", "apps", c.appList())
	}
	for _, name := range c.apps {
		if a := s.apps[name]; a != nil && a.conn == c {
			a.conn = nil
			s.maybeForgetAppLocked(a)
		}
	}
	c.apps = nil
	s.mu.Unlock()
	c.kill()
}

func (c *wsConn) serves(app string) bool {
	for _, n := range c.apps {
		if n == app {
			return true
		}
	}
	return false
}

func (c *wsConn) appList() string { return strings.Join(c.apps, ",") }

func (c *wsConn) dropApp(name string) {
	for i, n := range c.apps {
		if n == name {
			c.apps = append(c.apps[:i], c.apps[i+1:]...)
			return
		}
	}
}

// push queues a frame; false when the socket takes no more frames.
func (c *wsConn) push(f frame) bool {
	c.mu.Lock()
	if c.dead || c.closing {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, f)
	if f.op == opClose {
		c.closing = true
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// closeGracefully sends a normal close frame after what is queued.
func (c *wsConn) closeGracefully() {
	c.push(frame{op: opClose, data: []byte{0x03, 0xe8}})
}

// kill closes the connection now. Frames never written are released.
func (c *wsConn) kill() {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return
	}
	c.dead = true
	pending := c.queue
	c.queue = nil
	nc := c.nc
	c.mu.Unlock()
	var closeFrame []byte
	for _, f := range pending {
		if f.op == opClose {
			closeFrame = appendFrame(nil, f.op, f.data)
		}
	}
	c.release(pending)
	if nc == nil {
		return // the handshake has not finished; serveEvents closes it
	}
	if closeFrame != nil {
		c.wmu.Lock()
		_ = nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = nc.Write(closeFrame)
		c.wmu.Unlock()
	}
	_ = nc.Close()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *wsConn) release(frames []frame) {
	for _, f := range frames {
		if f.held {
			c.s.clk.Release()
		}
	}
}

// writeLoop flushes the queue, one write per wake-up.
func (c *wsConn) writeLoop() {
	var buf []byte
	var spare []frame
	for range c.wake {
		c.mu.Lock()
		if c.dead {
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = spare[:0]
		c.mu.Unlock()
		if len(batch) == 0 {
			spare = batch
			continue
		}
		buf = buf[:0]
		closed := false
		for _, f := range batch {
			buf = appendFrame(buf, f.op, f.data)
			closed = closed || f.op == opClose
		}
		c.wmu.Lock()
		_ = c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err := c.nc.Write(buf)
		c.wmu.Unlock()
		if err != nil {
			c.release(batch)
			c.kill()
			return
		}
		clear(batch)
		spare = batch[:0]
		if closed {
			time.AfterFunc(closeGrace, c.kill)
		}
	}
}

// readLoop reads (and ignores) the client's messages until the socket
// closes, answering pings and the close handshake.
func (c *wsConn) readLoop() {
	c.ws.SetReadLimit(1 << 16)
	c.ws.SetPingHandler(func(data string) error {
		c.push(frame{op: opPong, data: []byte(data)})
		return nil
	})
	c.ws.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		c.push(frame{op: opClose, data: binary.BigEndian.AppendUint16(nil, uint16(code))})
		return nil
	})
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// appendFrame appends one unmasked, final WebSocket frame.
func appendFrame(b []byte, op byte, data []byte) []byte {
	b = append(b, 0x80|op)
	switch n := len(data); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, data...)
}
