package ariclient

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/flowrunner/flowrunner/clock"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/engine/enginetest"
)

// idleClock is the real clock counting the work held in flight, so that a
// benchmark can wait until the engine has handled everything it was sent.
type idleClock struct {
	clock.Real
	mu    sync.Mutex
	holds int
	idle  *sync.Cond
}

func newIdleClock() *idleClock {
	c := &idleClock{}
	c.idle = sync.NewCond(&c.mu)
	return c
}

func (c *idleClock) Hold() { c.mu.Lock(); c.holds++; c.mu.Unlock() }
func (c *idleClock) Release() {
	c.mu.Lock()
	c.holds--
	if c.holds == 0 {
		c.idle.Broadcast()
	}
	c.mu.Unlock()
}

func (c *idleClock) waitIdle() {
	c.mu.Lock()
	for c.holds > 0 {
		c.idle.Wait()
	}
	c.mu.Unlock()
}

// traceFrame returns the captured frame of type typ (testdata/events.jsonl)
// and the channel id it is about.
func traceFrame(b *testing.B, typ string) (frame, channelID string) {
	b.Helper()
	for _, f := range traceFrames(b) {
		if !strings.HasPrefix(f, `{"type":"`+typ+`"`) {
			continue
		}
		ev, _, err := decodeEvent([]byte(f))
		if err != nil {
			b.Fatal(err)
		}
		return f, ev.ChannelID
	}
	b.Fatalf("no %s frame in testdata/events.jsonl", typ)
	return "", ""
}

// BenchmarkDecodeDispatch measures what one event frame costs from the
// WebSocket reader on, while N calls are live (each held in a one-hour wait
// step): Client.deliver decodes a ChannelDtmfReceived frame as Asterisk sends
// it (captured from Asterisk 22.10.1, about 600 bytes), and the engine routes
// it to its call and handles it on the call's shard (a key pressed during a
// wait is ignored, and the call keeps waiting). Each frame is for a different
// live call in turn. The timer stops once every event has been handled, so
// the figures include the shard workers' share. The cost per frame should not
// grow with N.
func BenchmarkDecodeDispatch(b *testing.B) {
	const app = "hello-world"
	start, startID := traceFrame(b, "StasisStart")
	dtmf, dtmfID := traceFrame(b, "ChannelDtmfReceived")
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			flow, diags := engine.Load("hold.yaml", []byte("name: "+app+"\nsteps:\n  - wait: 1h\n"))
			if flow == nil {
				b.Fatal(diags.Error())
			}
			reg, err := engine.NewRegistry(flow)
			if err != nil {
				b.Fatal(err)
			}
			clk := newIdleClock()
			eng := engine.New(engine.Config{ARI: enginetest.NopARI{}, Clock: clk, Logger: slog.New(slog.DiscardHandler)})
			defer eng.Close()
			eng.SetFlows(reg)
			c, err := New(Options{URL: "http://127.0.0.1:8088/ari", Username: "u", Password: "p", Apps: []string{app}})
			if err != nil {
				b.Fatal(err)
			}
			frames := make([][]byte, n)
			for i := range frames {
				id := fmt.Sprintf("1795644012.%d", i)
				c.deliver([]byte(strings.ReplaceAll(start, startID, id)), app, eng, c.log)
				frames[i] = []byte(strings.ReplaceAll(dtmf, dtmfID, id))
			}
			clk.waitIdle()
			if got := eng.ActiveCalls(); got != n {
				b.Fatalf("%d live calls, want %d", got, n)
			}
			before := eng.Stats().EventsReceived.Load()
			b.SetBytes(int64(len(frames[0])))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				c.deliver(frames[i%n], app, eng, c.log)
			}
			clk.waitIdle()
			b.StopTimer()
			st := eng.Stats()
			if got := st.EventsReceived.Load() - before; got != uint64(b.N) || st.EventsUnknownChannel.Load() != 0 {
				b.Fatalf("the engine received %d events (%d for unknown channels), want %d", got, st.EventsUnknownChannel.Load(), b.N)
			}
			if got := eng.ActiveCalls(); got != n {
				b.Fatalf("%d live calls after the events, want %d", got, n)
			}
		})
	}
}
