package engine_test

import (
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

// TestResyncAdoptsCallsWhoseStasisStartWasLost: after a reconnect, a channel
// Asterisk lists in the application that is in Stasis for it, but that the
// engine never heard of, gets its call; other unknown channels do not.
func TestResyncAdoptsCallsWhoseStasisStartWasLost(t *testing.T) {
	h := newHarness(t, helloWorld, engine.Config{})
	h.ari.SetChannel("7.7", engine.ChannelInfo{State: "Ring", AppName: "Stasis", AppData: "hello-world,first"})
	h.ari.SetChannel("7.8", engine.ChannelInfo{State: "Up", AppName: "Wait", AppData: "30"}) // a Local ;2 half
	h.eng.Connected("hello-world", []string{"7.7", "7.8"})
	// The adopted call runs while the second lookup goes on: only "the
	// lookup of 7.7 comes before its answer" is ordered.
	h.ari.Expect("get_channel 7.7")
	got := map[string]bool{h.ari.Next().String(): true, h.ari.Next().String(): true}
	if !got["get_channel 7.8"] || !got["answer 7.7"] {
		t.Fatalf("actions %v, want get_channel 7.8 and answer 7.7", got)
	}
	if n := h.eng.Stats().CallsAdopted.Load(); n != 1 {
		t.Fatalf("adopted %d calls, want 1", n)
	}
	if n := h.eng.ActiveCalls(); n != 1 {
		t.Fatalf("%d active calls, want 1", n)
	}
}
