package sandbox_test

import (
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

func TestHelloWorldOverHTTP(t *testing.T) {
	flow, diags := engine.Load("hello.yaml", []byte(`
name: hello-world
steps:
  - answer: {}
  - play: sound:hello-world
  - wait: 1s
  - hangup: {}
`))
	if flow == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(flow)
	sb, err := sandbox.Start(sandbox.Options{Flows: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sum, err := sb.Call(arisim.CallSpec{App: "hello-world", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Reason != engine.EndFlowHangup {
		t.Fatalf("reason = %q", sum.Reason)
	}
	// The prompt (1.403 s from PlaybackStarted to PlaybackFinished in the
	// captured hello-world trace) plus the 1 s wait, in virtual time.
	if got, want := sum.Ended.Sub(sum.Started), 2403*time.Millisecond; got != want {
		t.Fatalf("call lasted %v, want %v", got, want)
	}
}
