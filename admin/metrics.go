package admin

import (
	"net/http"

	"github.com/flowrunner/flowrunner/reload"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReloadMetrics are the reload metrics:
//
//	flowrunner_reload_success            gauge: 1 if the last reload rejected no file, else 0
//	flowrunner_reload_total{result}      counter: reloads by result, "success" or "failure"
//	flowrunner_reload_duration_seconds   histogram: time to scan, load and swap
//	flowrunner_reload_last_success_timestamp_seconds  gauge
//	flowrunner_flows_loaded              gauge: flows serving
//
// Feed it with Observe, e.g. as a reload.Reloader subscriber.
type ReloadMetrics struct {
	success     prometheus.Gauge
	total       *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	flows       prometheus.Gauge
}

// NewReloadMetrics creates the reload metrics and registers them with reg.
func NewReloadMetrics(reg prometheus.Registerer) *ReloadMetrics {
	m := &ReloadMetrics{
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flowrunner_reload_success",
			Help: "Whether the last reload of the flows directory rejected no file (1) or rejected one or more (0).",
		}),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowrunner_reload_total",
			Help: "Reloads of the flows directory, by result (success, failure).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "flowrunner_reload_duration_seconds",
			Help:    "Time to scan the flows directory, load the changed files and swap the flows.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flowrunner_reload_last_success_timestamp_seconds",
			Help: "Unix time of the last reload that rejected no file.",
		}),
		flows: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flowrunner_flows_loaded",
			Help: "Flows serving new calls.",
		}),
	}
	m.total.WithLabelValues("success")
	m.total.WithLabelValues("failure")
	reg.MustRegister(m.success, m.total, m.duration, m.lastSuccess, m.flows)
	return m
}

// Observe records one reload. It is safe for concurrent use.
func (m *ReloadMetrics) Observe(r reload.Result) {
	m.duration.Observe(r.Duration.Seconds())
	m.flows.Set(float64(len(r.Flows)))
	if r.OK() {
		m.success.Set(1)
		m.total.WithLabelValues("success").Inc()
		m.lastSuccess.Set(float64(r.Started.UnixMilli()) / 1000)
		return
	}
	m.success.Set(0)
	m.total.WithLabelValues("failure").Inc()
}

// MetricsHandler serves the metrics of g in the Prometheus text format.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
