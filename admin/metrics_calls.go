package admin

import (
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/prometheus/client_golang/prometheus"
)

// CallMetrics are the call, step and event metrics; it is the engine's
// Observer (engine.Config.Observer):
//
//	flowrunner_calls_started_total{flow}          counter
//	flowrunner_calls_ended_total{flow,reason}     counter; reason is a CallSummary reason
//	flowrunner_call_duration_seconds{flow}        histogram
//	flowrunner_steps_total{type}                  counter: steps begun, by action
//	flowrunner_step_duration_seconds{type}        histogram: time in a step
//	flowrunner_events_total{type}                 counter: ARI events delivered to the engine
//	flowrunner_action_latency_seconds{cause}      histogram: from what caused a REST action
//	                                              (event, response, timer) to its request
//
// It is safe for concurrent use.
type CallMetrics struct {
	started      *prometheus.CounterVec
	ended        *prometheus.CounterVec
	callDuration *prometheus.HistogramVec
	steps        *prometheus.CounterVec
	stepDuration *prometheus.HistogramVec
	eventsVec    *prometheus.CounterVec
	events       [engine.EventDial + 1]prometheus.Counter // resolved once, by type
	latencyVec   *prometheus.HistogramVec
	latency      [engine.CauseTimer + 1]prometheus.Observer // resolved once, by cause
}

var _ engine.Observer = (*CallMetrics)(nil)

// NewCallMetrics creates the call metrics and registers them with reg.
func NewCallMetrics(reg prometheus.Registerer) *CallMetrics {
	m := &CallMetrics{
		started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowrunner_calls_started_total",
			Help: "Calls that entered a flow, by flow.",
		}, []string{"flow"}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowrunner_calls_ended_total",
			Help: "Calls that ended, by flow and end reason.",
		}, []string{"flow", "reason"}),
		callDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowrunner_call_duration_seconds",
			Help:    "How long calls lasted, from StasisStart to their end, by flow.",
			Buckets: []float64{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"flow"}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowrunner_steps_total",
			Help: "Steps begun, by step type (the step's action).",
		}, []string{"type"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowrunner_step_duration_seconds",
			Help:    "Time calls spent in a step, by step type.",
			Buckets: []float64{.001, .01, .1, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"type"}),
		eventsVec: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowrunner_events_total",
			Help: "ARI events delivered to the engine, by event type.",
		}, []string{"type"}),
		latencyVec: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowrunner_action_latency_seconds",
			Help:    "Time from what caused a call's REST action (an ARI event's arrival, an earlier response, a timer) to the request, by cause.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"cause"}),
	}
	for c := range m.latency {
		m.latency[c] = m.latencyVec.WithLabelValues(engine.Cause(c).String())
	}
	for t := range m.events {
		m.events[t] = m.eventsVec.WithLabelValues(engine.EventType(t).String())
	}
	reg.MustRegister(m.started, m.ended, m.callDuration, m.steps, m.stepDuration, m.eventsVec, m.latencyVec)
	return m
}

// EventReceived implements engine.Observer.
func (m *CallMetrics) EventReceived(t engine.EventType) {
	if int(t) < len(m.events) {
		m.events[t].Inc()
		return
	}
	m.eventsVec.WithLabelValues(t.String()).Inc()
}

// CallStarted implements engine.Observer.
func (m *CallMetrics) CallStarted(flow string) { m.started.WithLabelValues(flow).Inc() }

// CallEnded implements engine.Observer.
func (m *CallMetrics) CallEnded(flow, reason string, d time.Duration) {
	m.ended.WithLabelValues(flow, reason).Inc()
	m.callDuration.WithLabelValues(flow).Observe(d.Seconds())
}

// StepStarted implements engine.Observer.
func (m *CallMetrics) StepStarted(stepType string) { m.steps.WithLabelValues(stepType).Inc() }

// StepEnded implements engine.Observer.
func (m *CallMetrics) StepEnded(stepType string, d time.Duration) {
	m.stepDuration.WithLabelValues(stepType).Observe(d.Seconds())
}

// EngineState is what RegisterEngineStats reads of an engine.Engine.
type EngineState interface {
	ActiveCalls() int
	Stats() *engine.Stats
}

// RegisterEngineStats registers metrics read from the engine's counters at
// scrape time:
//
//	flowrunner_calls_active                        gauge: calls in progress
//	flowrunner_calls_unrouted_total                counter: calls no flow took (sent back or hung up)
//	flowrunner_calls_adopted_total                 counter: calls started at a resync, their StasisStart lost
//	flowrunner_events_dropped_total{reason="unknown_channel"}  counter: events for no known call
//	flowrunner_action_errors_total                 counter: failed REST actions
//	flowrunner_call_panics_total                   counter: calls ended by a recovered panic
func RegisterEngineStats(reg prometheus.Registerer, e EngineState) {
	st := e.Stats()
	counter := func(name, help string, labels prometheus.Labels, f func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(f()) })
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flowrunner_calls_active", Help: "Calls in progress."},
			func() float64 { return float64(e.ActiveCalls()) }),
		counter("flowrunner_calls_unrouted_total", "Calls whose flow was unknown (or that came while draining), sent back to the dialplan or hung up.",
			nil, st.CallsUnrouted.Load),
		counter("flowrunner_calls_adopted_total", "Calls started at a resync because their StasisStart was lost when the event stream dropped.",
			nil, st.CallsAdopted.Load),
		counter("flowrunner_events_dropped_total", eventsDroppedHelp,
			prometheus.Labels{"reason": "unknown_channel"}, st.EventsUnknownChannel.Load),
		counter("flowrunner_action_errors_total", "REST actions of calls that failed.", nil, st.ActionErrors.Load),
		counter("flowrunner_call_panics_total", "Calls ended because of a recovered panic (a bug).", nil, st.Panics.Load),
	)
}

const eventsDroppedHelp = "ARI events dropped, by reason: unknown_channel (no call has the channel or playback), unknown_type (not an event the engine uses), malformed (undecodable)."

// ActionIssued implements engine.Observer.
func (m *CallMetrics) ActionIssued(_ string, cause engine.Cause, latency time.Duration) {
	if int(cause) < len(m.latency) {
		m.latency[cause].Observe(latency.Seconds())
	}
}
