package arisim

import (
	"net/http"
	"time"
)

// Fault is a misbehaviour injected into one request. The zero Fault does
// nothing. Several fields may be set; they apply in this order: Delay,
// DropWebSocket, Abort, Status.
type Fault struct {
	// Delay holds the request this long (wall-clock time, even with a virtual
	// clock: the client holds a virtual clock while its request is in flight,
	// so virtual time could not pass) before it is handled. On /ari/events
	// it delays the WebSocket handshake.
	Delay time.Duration
	// DropWebSocket closes every WebSocket abruptly (no close frame) before
	// the request is handled.
	DropWebSocket bool
	// Abort closes the TCP connection without any response.
	Abort bool
	// Status answers the request with this status and {"message":Message}
	// (default "Injected fault") instead of handling it. On /ari/events it
	// refuses the upgrade.
	Status  int
	Message string
}

// Faults are the fault hooks. Both are optional and are called for every
// request or event; they must be quick and safe for concurrent use.
type Faults struct {
	// Request picks the fault for a request (WebSocket upgrades included).
	Request func(r *http.Request) Fault
	// LoseEvent reports whether an event of type eventType for app must be
	// lost (never sent). It is called with the server's lock held and must
	// not call the Server's methods.
	LoseEvent func(app, eventType string) bool
}

// SetFaults replaces the fault hooks.
func (s *Server) SetFaults(f Faults) { s.faults.Store(&f) }

func (s *Server) requestFault(r *http.Request) Fault {
	if f := s.faults.Load(); f != nil && f.Request != nil {
		return f.Request(r)
	}
	return Fault{}
}

func (s *Server) loseEvent(app, typ string) bool {
	f := s.faults.Load()
	return f != nil && f.LoseEvent != nil && f.LoseEvent(app, typ)
}

// DropWebSocket abruptly closes (no close frame) the WebSocket serving app,
// or every WebSocket when app is "". It reports whether any was closed.
// Events queued on them are lost, as on a broken TCP connection.
func (s *Server) DropWebSocket(app string) bool {
	s.mu.Lock()
	var victims []*wsConn
	for c := range s.conns {
		if app == "" || c.serves(app) {
			victims = append(victims, c)
		}
	}
	for _, c := range victims {
		s.logWSLocked("drop", c.appList(), "injected")
	}
	s.mu.Unlock()
	for _, c := range victims {
		c.kill()
	}
	return len(victims) > 0
}
