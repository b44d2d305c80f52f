package ariclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	good := testOptions("http://127.0.0.1:8088/ari", "hello-world")
	for _, tc := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"no URL", func(o *Options) { o.URL = "" }, "URL is required"},
		{"bad scheme", func(o *Options) { o.URL = "ws://127.0.0.1:8088/ari" }, "scheme must be http or https"},
		{"no host", func(o *Options) { o.URL = "http:///ari" }, "missing host"},
		{"credentials in URL", func(o *Options) { o.URL = "http://flow:secret@127.0.0.1/ari" }, "must not carry credentials"},
		{"query", func(o *Options) { o.URL = "http://127.0.0.1/ari?x=1" }, "query"},
		{"no user", func(o *Options) { o.Username = "" }, "Username is required"},
		{"no password", func(o *Options) { o.Password = "" }, "Password is required"},
		{"no apps", func(o *Options) { o.Apps = nil }, "at least one"},
		{"empty app", func(o *Options) { o.Apps = []string{""} }, "empty application name"},
		{"comma app", func(o *Options) { o.Apps = []string{"a,b"} }, "separator"},
		{"duplicate app", func(o *Options) { o.Apps = []string{"a", "a"} }, "listed twice"},
		{"negative timeout", func(o *Options) { o.RequestTimeout = -time.Second }, "RequestTimeout must not be negative"},
		{"negative in flight", func(o *Options) { o.MaxInFlight = -1 }, "MaxInFlight"},
		{"backoff order", func(o *Options) { o.ReconnectMin, o.ReconnectMax = time.Minute, time.Second }, "must not exceed"},
	} {
		o := good
		tc.mod(&o)
		_, err := New(o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error leaks the password: %v", tc.name, err)
		}
	}
	// Every problem is reported at once.
	_, err := New(Options{})
	for _, want := range []string{"URL", "Username", "Password", "Apps"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("empty options: %v does not mention %s", err, want)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Options{URL: "https://pbx.example:8089/ari/", Username: "u", Password: "p", Apps: []string{"ivr"}})
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	if o.RequestTimeout != DefaultRequestTimeout || o.HandshakeTimeout != DefaultHandshakeTimeout ||
		o.MaxInFlight != DefaultMaxInFlight || o.ReconnectMin != DefaultReconnectMin ||
		o.ReconnectMax != DefaultReconnectMax || o.PingInterval != DefaultPingInterval ||
		o.StableAfter != DefaultStableAfter || o.Clock == nil || o.Logger == nil {
		t.Errorf("defaults not applied: %+v", o)
	}
	if c.base != "https://pbx.example:8089/ari" || c.eventsURL("ivr") != "wss://pbx.example:8089/ari/events?app=ivr" {
		t.Errorf("base %q, events %q", c.base, c.eventsURL("ivr"))
	}
	if c.tr.MaxConnsPerHost != DefaultMaxInFlight || c.tr.ResponseHeaderTimeout != DefaultRequestTimeout ||
		c.tr.IdleConnTimeout >= 15*time.Second || c.tr.Proxy != nil {
		t.Errorf("transport not tuned: %+v", c.tr)
	}
}

func TestTLSWithCustomCA(t *testing.T) {
	f := newFakeARITLS(t)
	f.setChannels("secure", "9.9")
	roots := x509.NewCertPool()
	roots.AddCert(f.srv.Certificate())
	opts := testOptions(f.url(), "secure")
	opts.TLSConfig = &tls.Config{RootCAs: roots}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if !strings.HasPrefix(c.eventsURL("secure"), "wss://") {
		t.Fatalf("events URL %q", c.eventsURL("secure"))
	}
	if err := c.Answer(context.Background(), "9.9"); err != nil {
		t.Fatalf("https: %v", err)
	}
	f.nextRequest(t)
	sink := newRecSink(nil)
	startRun(t, c, sink)
	f.nextConn(t)
	if got := sink.next(t, "connected"); len(got.channels) != 1 || got.channels[0] != "9.9" {
		t.Errorf("Connected %v", got.channels)
	}

	// Without the CA, both fail.
	opts.TLSConfig = nil
	c2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c2.Close)
	if err := c2.Answer(context.Background(), "9.9"); err == nil {
		t.Error("https without the CA succeeded")
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	base := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, d := range base {
		d *= time.Millisecond
		if got := b.next(); got < d/2 || got > d {
			t.Errorf("wait %d: %v not in [%v, %v]", i, got, d/2, d)
		}
	}
	b.reset()
	if got := b.next(); got > 100*time.Millisecond {
		t.Errorf("after reset: %v", got)
	}
	b.saturate()
	if got := b.next(); got < 500*time.Millisecond {
		t.Errorf("after saturate: %v", got)
	}
	huge := backoff{min: time.Second, max: 1<<63 - 1}
	for range 100 {
		if huge.next() < 0 {
			t.Fatal("backoff overflowed")
		}
	}
}
