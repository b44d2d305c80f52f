package admin

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/prometheus/client_golang/prometheus"
)

func TestCallMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewCallMetrics(reg)
	m.EventReceived(engine.EventStasisStart)
	m.EventReceived(engine.EventPlaybackFinished)
	m.EventReceived(engine.EventPlaybackFinished)
	m.EventReceived(engine.EventType(200)) // a type this build does not name
	m.CallStarted("hello-world")
	m.StepStarted("play")
	m.StepEnded("play", 1500*time.Millisecond)
	m.CallEnded("hello-world", engine.EndCallerHangup, 3*time.Second)
	m.ActionIssued("answer", engine.CauseEvent, 300*time.Microsecond)
	m.ActionIssued("hangup", engine.CauseTimer, 2*time.Millisecond)
	text := gather(t, reg)
	for _, line := range []string{
		`flowrunner_calls_ended_total{flow="hello-world",reason="caller_hangup"} 1`,
		`flowrunner_calls_started_total{flow="hello-world"} 1`,
		`flowrunner_steps_total{type="play"} 1`,
		`flowrunner_events_total{type="StasisStart"} 1`,
		`flowrunner_events_total{type="PlaybackFinished"} 2`,
		`flowrunner_events_total{type="Dial"} 0`,
		`flowrunner_events_total{type="EventType(200)"} 1`,
		`flowrunner_step_duration_seconds_bucket{type="play",le="2.5"} 1`,
		`flowrunner_step_duration_seconds_bucket{type="play",le="1"} 0`,
		`flowrunner_call_duration_seconds_sum{flow="hello-world"} 3`,
		`flowrunner_action_latency_seconds_bucket{cause="event",le="0.0005"} 1`,
		`flowrunner_action_latency_seconds_bucket{cause="event",le="0.00025"} 0`,
		`flowrunner_action_latency_seconds_count{cause="timer"} 1`,
		`flowrunner_action_latency_seconds_count{cause="response"} 0`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("missing %s in:\n%s", line, text)
		}
	}
}

type fakeEngine struct{ st engine.Stats }

func (f *fakeEngine) ActiveCalls() int     { return 3 }
func (f *fakeEngine) Stats() *engine.Stats { return &f.st }

type fakeARIState struct{}

func (fakeARIState) Stats() ariclient.Stats {
	return ariclient.Stats{Connects: 4, Reconnects: 2, ConnectErrors: 5, EventsReceived: 100, EventsUnknown: 7, EventsMalformed: 1}
}
func (fakeARIState) Apps() []string     { return []string{"sales", "support"} }
func (fakeARIState) AppsDown() []string { return []string{"support"} }
func (fakeARIState) InFlight() int      { return 9 }

func TestStateMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	eng := &fakeEngine{}
	eng.st.CallsUnrouted.Add(2)
	eng.st.EventsUnknownChannel.Add(11)
	eng.st.ActionErrors.Add(6)
	RegisterEngineStats(reg, eng)
	RegisterARIState(reg, fakeARIState{})
	text := gather(t, reg)
	for _, line := range []string{
		"flowrunner_calls_active 3",
		"flowrunner_calls_unrouted_total 2",
		"flowrunner_action_errors_total 6",
		"flowrunner_call_panics_total 0",
		`flowrunner_events_dropped_total{reason="unknown_channel"} 11`,
		`flowrunner_events_dropped_total{reason="unknown_type"} 7`,
		`flowrunner_events_dropped_total{reason="malformed"} 1`,
		`flowrunner_ari_app_connected{app="sales"} 1`,
		`flowrunner_ari_app_connected{app="support"} 0`,
		"flowrunner_ari_connects_total 4",
		"flowrunner_ari_reconnects_total 2",
		"flowrunner_ari_connect_errors_total 5",
		"flowrunner_ari_event_frames_total 100",
		"flowrunner_ari_requests_in_flight 9",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("missing %s in:\n%s", line, text)
		}
	}
}

func TestARIMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewARIMetrics(reg)
	m.ObserveRequest("answer", 2*time.Millisecond, nil)
	m.ObserveRequest("play", time.Millisecond, &engine.ActionError{Op: "play", Status: 404, Message: "Channel not found"})
	m.ObserveRequest("play", time.Millisecond, &engine.ActionError{Op: "play", Status: 503, Message: "Service Unavailable"})
	m.ObserveRequest("hangup", 5*time.Second, fmt.Errorf("ari hangup: %w", context.DeadlineExceeded))
	m.ObserveRequest("hangup", time.Millisecond, fmt.Errorf("connection refused"))
	text := gather(t, reg)
	for _, line := range []string{
		`flowrunner_ari_requests_total{op="answer",result="ok"} 1`,
		`flowrunner_ari_requests_total{op="play",result="4xx"} 1`,
		`flowrunner_ari_requests_total{op="play",result="5xx"} 1`,
		`flowrunner_ari_requests_total{op="hangup",result="timeout"} 1`,
		`flowrunner_ari_requests_total{op="hangup",result="error"} 1`,
		`flowrunner_ari_request_duration_seconds_count{op="play"} 2`,
		`flowrunner_ari_request_duration_seconds_bucket{op="answer",le="0.0025"} 1`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("missing %s in:\n%s", line, text)
		}
	}
}

// gather renders reg's metrics in the text format.
func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	srv, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("GET /metrics", MetricsHandler(reg))
	go func() { _ = srv.Serve() }()
	defer srv.Shutdown(context.Background())
	st, body := do(t, "GET", "http://"+srv.Addr().String()+"/metrics")
	if st != 200 {
		t.Fatalf("GET /metrics: %d", st)
	}
	return body
}
