package admin

import (
	"context"
	"errors"
	"time"

	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/prometheus/client_golang/prometheus"
)

// ARIMetrics are the REST request metrics; feed them with ObserveRequest as
// ariclient.Options.OnRequest:
//
//	flowrunner_ari_request_duration_seconds{op}   histogram, slot wait included
//	flowrunner_ari_requests_total{op,result}      counter; result ok, 4xx, 5xx, timeout or error
//
// It is safe for concurrent use.
type ARIMetrics struct {
	duration *prometheus.HistogramVec
	total    *prometheus.CounterVec
}

// NewARIMetrics creates the REST request metrics and registers them with reg.
func NewARIMetrics(reg prometheus.Registerer) *ARIMetrics {
	m := &ARIMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowrunner_ari_request_duration_seconds",
			Help:    "ARI REST request latency, including the wait for a free request slot, by operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"op"}),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowrunner_ari_requests_total",
			Help: "ARI REST requests by operation and result (ok, 4xx, 5xx, timeout, error).",
		}, []string{"op", "result"}),
	}
	reg.MustRegister(m.duration, m.total)
	return m
}

// ObserveRequest records one REST request; its signature is
// ariclient.Options.OnRequest's.
func (m *ARIMetrics) ObserveRequest(op string, d time.Duration, err error) {
	m.duration.WithLabelValues(op).Observe(d.Seconds())
	m.total.WithLabelValues(op, requestResult(err)).Inc()
}

func requestResult(err error) string {
	var ae *engine.ActionError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500:
		return "4xx"
	case errors.As(err, &ae) && ae.Status >= 500:
		return "5xx"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}

// ARIState is what RegisterARIState reads of an ariclient.Client.
type ARIState interface {
	Stats() ariclient.Stats
	Apps() []string
	AppsDown() []string
	InFlight() int
}

// RegisterARIState registers metrics read from the ARI client at scrape time:
//
//	flowrunner_ari_app_connected{app}               gauge: 1 while the app's event stream is up, else 0
//	flowrunner_ari_connects_total                   counter: event streams established and resynchronised
//	flowrunner_ari_reconnects_total                 counter: of those, the ones after an app's first
//	flowrunner_ari_connect_errors_total             counter: failed dials, handshakes and resyncs
//	flowrunner_ari_requests_in_flight               gauge: REST requests holding a slot
//	flowrunner_ari_event_frames_total               counter: WebSocket event frames read
//	flowrunner_events_dropped_total{reason="unknown_type"|"malformed"}  counter
func RegisterARIState(reg prometheus.Registerer, c ARIState) {
	counter := func(name, help string, labels prometheus.Labels, f func(ariclient.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(f(c.Stats())) })
	}
	reg.MustRegister(
		appsCollector{c: c},
		counter("flowrunner_ari_connects_total", "ARI event streams established and resynchronised.", nil,
			func(s ariclient.Stats) uint64 { return s.Connects }),
		counter("flowrunner_ari_reconnects_total", "ARI event streams re-established after an application's first connection.", nil,
			func(s ariclient.Stats) uint64 { return s.Reconnects }),
		counter("flowrunner_ari_connect_errors_total", "Failed ARI WebSocket dials, handshakes and resyncs.", nil,
			func(s ariclient.Stats) uint64 { return s.ConnectErrors }),
		counter("flowrunner_ari_event_frames_total", "Event frames read from the ARI WebSockets.", nil,
			func(s ariclient.Stats) uint64 { return s.EventsReceived }),
		counter("flowrunner_events_dropped_total", eventsDroppedHelp, prometheus.Labels{"reason": "unknown_type"},
			func(s ariclient.Stats) uint64 { return s.EventsUnknown }),
		counter("flowrunner_events_dropped_total", eventsDroppedHelp, prometheus.Labels{"reason": "malformed"},
			func(s ariclient.Stats) uint64 { return s.EventsMalformed }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flowrunner_ari_requests_in_flight", Help: "ARI REST requests holding a request slot."},
			func() float64 { return float64(c.InFlight()) }),
	)
}

var appConnectedDesc = prometheus.NewDesc("flowrunner_ari_app_connected",
	"Whether the ARI event stream of a Stasis application is up (1) or not (0).", []string{"app"}, nil)

// appsCollector reports one flowrunner_ari_app_connected per application.
type appsCollector struct{ c ARIState }

func (a appsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- appConnectedDesc }

func (a appsCollector) Collect(ch chan<- prometheus.Metric) {
	down := map[string]bool{}
	for _, app := range a.c.AppsDown() {
		down[app] = true
	}
	for _, app := range a.c.Apps() {
		v := 1.0
		if down[app] {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(appConnectedDesc, prometheus.GaugeValue, v, app)
	}
}
