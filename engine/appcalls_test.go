package engine_test

import (
	"maps"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/engine/enginetest"
)

func TestCallsByApp(t *testing.T) {
	flow, diags := engine.Load("hold.yaml", []byte("name: hold\nsteps:\n  - wait: 1h\n"))
	if flow == nil {
		t.Fatal(diags)
	}
	reg, _ := engine.NewRegistry(flow)
	eng := engine.New(engine.Config{ARI: enginetest.NopARI{}, Logger: discardLogger()})
	defer eng.Close()
	eng.SetFlows(reg)
	for i, app := range []string{"a", "a", "b"} {
		eng.HandleEvent(&engine.Event{Type: engine.EventStasisStart, Application: app, Args: []string{"hold"},
			ChannelID: "1795644012." + string(rune('1'+i))})
	}
	if got, want := eng.CallsByApp(), map[string]int{"a": 2, "b": 1}; !maps.Equal(got, want) {
		t.Fatalf("CallsByApp = %v, want %v", got, want)
	}
}
