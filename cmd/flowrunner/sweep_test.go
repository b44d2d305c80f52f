package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
)

// deafSink connects but never handles a call: a StasisStart "still on its
// way" when serve stops.
type deafSink struct{ connected chan struct{} }

func (deafSink) HandleEvent(*engine.Event) {}
func (s deafSink) Connected(string, []string) {
	select {
	case s.connected <- struct{}{}:
	default:
	}
}
func (deafSink) Disconnected(string, error) {}

func TestSweepHandsBackCallsTheEngineNeverSaw(t *testing.T) {
	for _, tc := range []struct {
		policy engine.UnroutedPolicy
		name   string
	}{{engine.UnroutedContinue, "continue"}, {engine.UnroutedHangup, "hangup"}} {
		t.Run(tc.name, func(t *testing.T) {
			sim := arisim.New(arisim.Options{Username: "u", Password: "p"})
			srv := httptest.NewServer(sim)
			defer srv.Close()
			defer sim.Close()
			client, err := ariclient.New(ariclient.Options{URL: srv.URL + "/ari", Username: "u", Password: "p", Apps: []string{"hello-world"}})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			sink := deafSink{connected: make(chan struct{}, 1)}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = client.Run(ctx, sink); close(done) }()
			defer func() { cancel(); <-done }()
			select {
			case <-sink.connected:
			case <-time.After(10 * time.Second):
				t.Fatal("never connected")
			}
			if _, err := sim.PlaceCall(arisim.CallSpec{App: "hello-world", Inbound: true}); err != nil {
				t.Fatal(err)
			}
			if sim.InStasis() != 1 {
				t.Fatalf("%d channels in Stasis before the sweep, want 1", sim.InStasis())
			}
			sweepApps(client, tc.policy, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if n := sim.InStasis(); n != 0 {
				t.Fatalf("%d channels still in Stasis after the sweep", n)
			}
		})
	}
}
