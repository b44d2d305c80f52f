package ariclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// Defaults applied by New to zero-valued Options fields.
const (
	DefaultRequestTimeout   = 5 * time.Second
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultMaxInFlight      = 64
	DefaultReconnectMin     = 500 * time.Millisecond
	DefaultReconnectMax     = 30 * time.Second
	DefaultStableAfter      = 30 * time.Second
	DefaultPingInterval     = 15 * time.Second
)

// idleConnTimeout is kept below Asterisk's http.conf session_keep_alive
// (15 s by default) so that a pooled connection is never reused just as
// Asterisk closes it: net/http does not retry a POST on such a connection.
const idleConnTimeout = 10 * time.Second

// Options configures a Client. Zero values take the documented defaults.
type Options struct {
	// URL is the ARI base URL, e.g. http://127.0.0.1:8088/ari (https for TLS).
	// The event WebSocket is {URL}/events with the ws/wss scheme.
	URL string
	// Username and Password are the ari.conf credentials, sent as HTTP Basic
	// auth on every request and on the WebSocket upgrade.
	Username, Password string
	// Apps are the Stasis application names; each gets its own WebSocket.
	// Client.SetApps changes them later, also while Run runs.
	Apps []string
	// TLSConfig is used for https/wss (e.g. a custom CA); nil means the
	// system defaults.
	TLSConfig *tls.Config
	// Logger receives connection and decode diagnostics; nil discards them.
	Logger *slog.Logger
	// Clock is released once per event frame read; nil means clock.Real.
	Clock clock.Clock
	// RequestTimeout bounds every REST request, including the wait for a
	// free slot (default 5 s). A shorter deadline on the caller's context
	// wins.
	RequestTimeout time.Duration
	// HandshakeTimeout bounds a WebSocket dial: TCP, TLS and upgrade
	// (default 5 s).
	HandshakeTimeout time.Duration
	// MaxInFlight bounds concurrent REST requests and the HTTP connections
	// opened for them (default 64). Asterisk's HTTP server accepts 100
	// sessions in all (http.conf sessionlimit), shared with the WebSockets
	// and every other client: keep MaxInFlight+len(Apps) well below it.
	MaxInFlight int
	// ReconnectMin and ReconnectMax bound the exponential reconnect backoff
	// (defaults 500 ms and 30 s); each wait is jittered within [d/2, d].
	ReconnectMin, ReconnectMax time.Duration
	// StableAfter is how long a connection must have lasted for the backoff
	// to start again from ReconnectMin when it drops (default 30 s).
	StableAfter time.Duration
	// PingInterval is how often a WebSocket ping is sent (default 15 s). A
	// connection that delivers neither a frame nor a pong for two intervals
	// is considered dead.
	PingInterval time.Duration
	// OnRequest, if set, is called after every REST request (resyncs
	// included) with the request's operation (e.g. "play", "resync"), how
	// long it took, including the wait for a slot, and its error (an
	// *engine.ActionError for a non-2xx answer). It is called concurrently
	// from the requesting goroutines and must not block.
	OnRequest func(op string, d time.Duration, err error)
}

// withDefaults validates o and returns a copy with defaults filled in, the
// parsed base URL and the events URL.
func (o Options) withDefaults() (Options, *url.URL, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	base, err := parseBaseURL(o.URL)
	if err != nil {
		bad("%w", err)
	}
	if o.Username == "" {
		bad("Username is required (ari.conf user)")
	}
	if o.Password == "" {
		bad("Password is required (ari.conf password)")
	}
	if len(o.Apps) == 0 {
		bad("Apps needs at least one Stasis application name")
	}
	errs = append(errs, checkApps(o.Apps)...)
	durations := []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"RequestTimeout", &o.RequestTimeout, DefaultRequestTimeout},
		{"HandshakeTimeout", &o.HandshakeTimeout, DefaultHandshakeTimeout},
		{"ReconnectMin", &o.ReconnectMin, DefaultReconnectMin},
		{"ReconnectMax", &o.ReconnectMax, DefaultReconnectMax},
		{"StableAfter", &o.StableAfter, DefaultStableAfter},
		{"PingInterval", &o.PingInterval, DefaultPingInterval},
	}
	for _, d := range durations {
		if *d.p < 0 {
			bad("%s must not be negative (got %v)", d.name, *d.p)
		}
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if o.ReconnectMin > o.ReconnectMax {
		bad("ReconnectMin (%v) must not exceed ReconnectMax (%v)", o.ReconnectMin, o.ReconnectMax)
	}
	if o.MaxInFlight < 0 {
		bad("MaxInFlight must not be negative (got %d)", o.MaxInFlight)
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if len(errs) > 0 {
		return o, nil, fmt.Errorf("ariclient: invalid options: %w", errors.Join(errs...))
	}
	o.Apps = append([]string(nil), o.Apps...)
	return o, base, nil
}

// checkApps reports empty, malformed and repeated application names.
func checkApps(apps []string) []error {
	var errs []error
	seen := make(map[string]bool, len(apps))
	for _, a := range apps {
		switch {
		case a == "":
			errs = append(errs, errors.New("Apps: empty application name"))
		case strings.ContainsAny(a, ", \t\r\n/?#&"):
			errs = append(errs, fmt.Errorf("Apps: application name %q contains a character Asterisk treats as a separator", a))
		case seen[a]:
			errs = append(errs, fmt.Errorf("Apps: application %q is listed twice (Asterisk allows one connection per name)", a))
		}
		seen[a] = true
	}
	return errs
}

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("URL is required, e.g. http://127.0.0.1:8088/ari")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The parse error quotes the URL, which may hold a password.
		return nil, errors.New("URL is not a valid URL, e.g. http://127.0.0.1:8088/ari")
	}
	if u.User != nil {
		return nil, errors.New("URL must not carry credentials: use Username and Password")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %q: missing host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q: must not have a query or fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}
