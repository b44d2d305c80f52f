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
	h.ari.Expect("get_channel 7.7")
	h.ari.Expect("get_channel 7.8")
	h.ari.Expect("answer 7.7")
	if n := h.eng.Stats().CallsAdopted.Load(); n != 1 {
		t.Fatalf("adopted %d calls, want 1", n)
	}
	if n := h.eng.ActiveCalls(); n != 1 {
		t.Fatalf("%d active calls, want 1", n)
	}
}
