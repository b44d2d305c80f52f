package ariclient

import (
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/clock"
	"github.com/flowrunner/flowrunner/engine"
)

// Client is the ARI adapter: it runs the event WebSockets (Run) and issues
// REST actions (the engine.ARI methods). It is safe for concurrent use.
type Client struct {
	opts    Options
	log     *slog.Logger
	clock   clock.Clock
	base    string // REST base, e.g. http://127.0.0.1:8088/ari
	events  string // WebSocket events URL without query
	auth    string // Authorization header value
	tr      *http.Transport
	http    *http.Client
	sem     chan struct{} // one token per REST request in flight
	running atomic.Bool

	appsMu      sync.Mutex
	apps        []string      // the applications Run keeps connected; guarded by appsMu
	appsChanged chan struct{} // signalled (never blocking) when apps changes

	stats counters
	up    upSet // the apps whose event stream is up (AppsDown, Ready)
}

var _ engine.ARI = (*Client)(nil)

// counters are the live Stats.
type counters struct {
	events, unknown, malformed        atomic.Uint64
	connects, reconnects, connectErrs atomic.Uint64
	requests, restErrs                atomic.Uint64
	connected                         atomic.Int64
}

// Stats is a snapshot of the client's counters.
type Stats struct {
	EventsReceived  uint64 // event frames read from all sockets
	EventsUnknown   uint64 // frames of a type outside engine.EventType, dropped
	EventsMalformed uint64 // frames that could not be decoded, dropped
	Connects        uint64 // sessions established and resynchronised
	Reconnects      uint64 // of those, the ones after an app's first
	ConnectErrors   uint64 // failed dials, handshakes and resyncs
	RESTRequests    uint64 // REST requests issued (resyncs included)
	RESTErrors      uint64 // of those, failed or answered with a non-2xx status
	AppsConnected   int    // apps whose event stream is up right now
}

// New validates opts and returns a Client. It opens no connection.
func New(opts Options) (*Client, error) {
	o, base, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ev := *base
	ev.Path += "/events"
	if ev.Scheme == "https" {
		ev.Scheme = "wss"
	} else {
		ev.Scheme = "ws"
	}
	tr := &http.Transport{
		Proxy: nil, // ARI is reached directly; never through $HTTP_PROXY
		DialContext: (&net.Dialer{
			Timeout:   o.RequestTimeout,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:       o.TLSConfig.Clone(),
		TLSHandshakeTimeout:   o.HandshakeTimeout,
		MaxConnsPerHost:       o.MaxInFlight,
		MaxIdleConns:          o.MaxInFlight,
		MaxIdleConnsPerHost:   o.MaxInFlight,
		IdleConnTimeout:       idleConnTimeout,
		ResponseHeaderTimeout: o.RequestTimeout,
	}
	creds := base64.StdEncoding.EncodeToString([]byte(o.Username + ":" + o.Password))
	return &Client{
		opts:   o,
		log:    o.Logger,
		clock:  o.Clock,
		base:   base.String(),
		events: ev.String(),
		auth:   "Basic " + creds,
		tr:     tr,
		http:   &http.Client{Transport: tr, CheckRedirect: noRedirect},
		sem:    make(chan struct{}, o.MaxInFlight),

		apps:        o.Apps,
		appsChanged: make(chan struct{}, 1),
	}, nil
}

// noRedirect keeps credentials from following a redirect elsewhere; ARI
// never redirects.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats {
	s := &c.stats
	return Stats{
		EventsReceived:  s.events.Load(),
		EventsUnknown:   s.unknown.Load(),
		EventsMalformed: s.malformed.Load(),
		Connects:        s.connects.Load(),
		Reconnects:      s.reconnects.Load(),
		ConnectErrors:   s.connectErrs.Load(),
		RESTRequests:    s.requests.Load(),
		RESTErrors:      s.restErrs.Load(),
		AppsConnected:   int(s.connected.Load()),
	}
}

// Close releases idle HTTP connections. Call it after Run has returned and no
// more actions will be issued; the Client stays usable.
func (c *Client) Close() {
	c.tr.CloseIdleConnections()
}

// eventsURL is the WebSocket URL for one app; subscribeAll is never set.
func (c *Client) eventsURL(app string) string {
	return c.events + "?app=" + url.QueryEscape(app)
}
