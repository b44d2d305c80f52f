package engine_test

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/clock"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/engine/enginetest"
)

// countingClock is the real clock, counting work in flight so a benchmark can
// wait until the engine has processed everything it was sent.
type countingClock struct {
	clock.Real
	mu    sync.Mutex
	holds int
	idle  *sync.Cond
}

func newCountingClock() *countingClock {
	c := &countingClock{}
	c.idle = sync.NewCond(&c.mu)
	return c
}

func (c *countingClock) Hold() { c.mu.Lock(); c.holds++; c.mu.Unlock() }
func (c *countingClock) Release() {
	c.mu.Lock()
	c.holds--
	if c.holds == 0 {
		c.idle.Broadcast()
	}
	c.mu.Unlock()
}
func (c *countingClock) waitIdle() {
	c.mu.Lock()
	for c.holds > 0 {
		c.idle.Wait()
	}
	c.mu.Unlock()
}

// BenchmarkDispatch measures routing and handling one ARI event while N calls
// are live (each held in a one-hour wait step). The cost per event should not
// grow with N.
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			flow, diags := engine.Load("bench.yaml", []byte("name: hold\nsteps:\n  - wait: 1h\n"))
			if flow == nil {
				b.Fatal(diags)
			}
			reg, _ := engine.NewRegistry(flow)
			clk := newCountingClock()
			eng := engine.New(engine.Config{ARI: enginetest.NopARI{}, Clock: clk, Logger: discardLogger()})
			defer eng.Close()
			eng.SetFlows(reg)
			ids := make([]string, n)
			for i := range ids {
				ids[i] = "1795644012." + strconv.Itoa(i)
				eng.HandleEvent(&engine.Event{Type: engine.EventStasisStart, Application: "hold", ChannelID: ids[i]})
			}
			clk.waitIdle()
			if eng.ActiveCalls() != n {
				b.Fatalf("%d live calls, want %d", eng.ActiveCalls(), n)
			}
			events := make([]engine.Event, n)
			for i := range events {
				events[i] = engine.Event{Type: engine.EventChannelDtmfReceived, ChannelID: ids[i], Digit: "5", Time: time.Unix(0, 0)}
			}
			var sent atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				eng.HandleEvent(&events[i%n])
				sent.Add(1)
			}
			clk.waitIdle()
			b.StopTimer()
			if got := eng.Stats().EventsReceived.Load(); got < uint64(sent.Load()) {
				b.Fatalf("received %d events, sent %d", got, sent.Load())
			}
		})
	}
}
