package sandbox_test

import (
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

// The end reasons a call may have; anything else is not a defined outcome.
var definedReasons = map[string]bool{
	engine.EndFlowHangup: true, engine.EndCallerHangup: true, engine.EndTransferred: true,
	engine.EndError: true, engine.EndStepBudget: true, engine.EndMaxDuration: true,
	engine.EndChannelVanished: true,
}

func startSandbox(t *testing.T, opts sandbox.Options, flows ...string) *sandbox.Sandbox {
	t.Helper()
	var fs []*engine.Flow
	for i, src := range flows {
		f, diags := engine.Load("flow"+string(rune('a'+i))+".yaml", []byte(src))
		if f == nil {
			t.Fatal(diags)
		}
		fs = append(fs, f)
	}
	reg, err := engine.NewRegistry(fs...)
	if err != nil {
		t.Fatal(err)
	}
	opts.Flows = reg
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// waitFor polls cond until it holds, failing the test after a wall-clock
// guard.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkGoroutines closes sb and waits until the goroutine count is back to
// base.
func checkGoroutines(t *testing.T, sb *sandbox.Sandbox, base int) {
	t.Helper()
	sb.Close()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const holdFlow = `
name: hold
steps:
  - answer: {}
  - wait: 20s
  - hangup: {}
`

const promptFlow = `
name: prompt
steps:
  - answer: {}
  - play: {media: sound:hello-world, timeout: 5s}
  - hangup: {}
`

// TestWebSocketDroppedMidCall drops the event stream while calls run and
// keeps it down while one caller hangs up and a PlaybackFinished is lost:
// after the reconnect and resync, the vanished call ends as such, the
// surviving call runs to its end, and the call whose PlaybackFinished was
// lost moves on at its play timeout.
func TestWebSocketDroppedMidCall(t *testing.T) {
	base := runtime.NumGoroutine()
	var refuse atomic.Bool
	var lostPlayback atomic.Bool
	sb := startSandbox(t, sandbox.Options{Timeout: 8 * time.Second, Sim: arisim.Options{Faults: arisim.Faults{
		Request: func(r *http.Request) arisim.Fault {
			if refuse.Load() && strings.HasSuffix(r.URL.Path, "/events") {
				return arisim.Fault{Status: http.StatusServiceUnavailable}
			}
			return arisim.Fault{}
		},
		LoseEvent: func(app, typ string) bool {
			return typ == "PlaybackFinished" && lostPlayback.CompareAndSwap(false, true)
		},
	}}}, holdFlow, promptFlow)

	// Virtual time stands still until the stream is back.
	sb.Clock.Hold()
	held := true
	defer func() {
		if held {
			sb.Clock.Release()
		}
	}()
	vanish, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hold", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	survive, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "hold", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both calls in their wait step", func() bool {
		n := 0
		for _, c := range sb.Engine.Calls() {
			if c.StepType == "wait" {
				n++
			}
		}
		return n == 2
	})
	prompt, err := sb.Sim.PlaceCall(arisim.CallSpec{App: "prompt", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}

	// A StasisStart lost in the gap would leave its channel unknown to the
	// engine (see the report); drop the stream once all three are known.
	waitFor(t, "the prompt call in its play step", func() bool {
		calls := sb.Engine.Calls()
		return len(calls) == 3 && slices.ContainsFunc(calls, func(c engine.CallInfo) bool { return c.StepType == "play" })
	})
	connects := sb.Client.Stats().Connects
	refuse.Store(true)
	if !sb.Sim.DropWebSocket("") {
		t.Fatal("no WebSocket to drop")
	}
	waitFor(t, "the engine to notice the drop", func() bool { return sb.Client.Ready() != nil })
	if err := sb.Sim.CallerHangup(vanish); err != nil { // its StasisEnd goes nowhere
		t.Fatal(err)
	}
	waitFor(t, "a refused reconnect", func() bool { return sb.Client.Stats().ConnectErrors > 0 })
	refuse.Store(false)
	waitFor(t, "the reconnect", func() bool { return sb.Client.Stats().Connects >= connects+2 })
	held = false
	sb.Clock.Release()

	for id, want := range map[string]string{vanish: engine.EndChannelVanished, survive: engine.EndFlowHangup} {
		sum, err := sb.Wait(id)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Reason != want {
			t.Errorf("call %s ended %q, want %q", id, sum.Reason, want)
		}
	}
	sum, err := sb.Wait(prompt)
	if err != nil {
		t.Fatalf("%v; calls %+v", err, sb.Engine.Calls())
	}
	if !definedReasons[sum.Reason] {
		t.Errorf("prompt call ended %q", sum.Reason)
	}
	if !lostPlayback.Load() {
		t.Error("no PlaybackFinished was lost")
	}
	waitFor(t, "the simulator to be idle", func() bool { return sb.Sim.Live() == 0 })
	if n := sb.Engine.ActiveCalls(); n != 0 {
		t.Errorf("%d calls still active", n)
	}
	checkGoroutines(t, sb, base)
}

const helloFlow = `
name: hello-world
steps:
  - answer: {}
  - play: sound:hello-world
  - wait: 1s
  - hangup: {}
`

// placeAll places n inbound calls into app and waits for each to end,
// returning the summaries.
func placeAll(t *testing.T, sb *sandbox.Sandbox, app string, n int) []engine.CallSummary {
	t.Helper()
	var wg sync.WaitGroup
	sums := make([]engine.CallSummary, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { sums[i], errs[i] = sb.Call(arisim.CallSpec{App: app, Inbound: true}) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return sums
}

// TestRESTServerErrors answers a quarter of the REST requests with 500 or
// 503: every call still ends with a defined outcome and no caller is left in
// the simulator (a failed hangup is retried).
func TestRESTServerErrors(t *testing.T) {
	base := runtime.NumGoroutine()
	var n, failed atomic.Int64
	sb := startSandbox(t, sandbox.Options{Sim: arisim.Options{Faults: arisim.Faults{
		Request: func(r *http.Request) arisim.Fault {
			if strings.HasSuffix(r.URL.Path, "/events") || strings.HasPrefix(r.URL.Path, "/ari/applications") {
				return arisim.Fault{}
			}
			if i := n.Add(1); i%4 == 0 {
				failed.Add(1)
				return arisim.Fault{Status: 500 + int(i%8/4)*3, Message: "Internal Server Error"}
			}
			return arisim.Fault{}
		},
	}}}, helloFlow)
	sums := placeAll(t, sb, "hello-world", 40)
	reasons := map[string]int{}
	for _, s := range sums {
		if !definedReasons[s.Reason] {
			t.Errorf("call %s ended %q", s.CallID, s.Reason)
		}
		reasons[s.Reason]++
	}
	t.Logf("%d of %d requests failed; reasons %v", failed.Load(), n.Load(), reasons)
	if failed.Load() == 0 || reasons[engine.EndError] == 0 {
		t.Fatalf("the faults did not bite: %d failed, reasons %v", failed.Load(), reasons)
	}
	waitFor(t, "no caller left in the simulator", func() bool { return sb.Sim.Live() == 0 })
	checkGoroutines(t, sb, base)
}

// TestSlowAsterisk delays every REST request: calls complete, and the
// requests in flight never exceed the client's bound.
func TestSlowAsterisk(t *testing.T) {
	base := runtime.NumGoroutine()
	var sb *sandbox.Sandbox
	var maxInFlight atomic.Int64
	var ready atomic.Bool
	sbx := startSandbox(t, sandbox.Options{Sim: arisim.Options{Faults: arisim.Faults{
		Request: func(r *http.Request) arisim.Fault {
			if !ready.Load() || strings.HasSuffix(r.URL.Path, "/events") {
				return arisim.Fault{}
			}
			if n := int64(sb.Client.InFlight()); n > maxInFlight.Load() {
				maxInFlight.Store(n) // racy max, good enough for a bound
			}
			return arisim.Fault{Delay: 20 * time.Millisecond}
		},
	}}}, helloFlow)
	sb = sbx
	ready.Store(true)
	sums := placeAll(t, sb, "hello-world", 150)
	for _, s := range sums {
		if s.Reason != engine.EndFlowHangup {
			t.Errorf("call %s ended %q", s.CallID, s.Reason)
		}
	}
	got := maxInFlight.Load()
	t.Logf("max REST requests in flight: %d", got)
	if got > int64(ariclientMaxInFlight) || got < 2 {
		t.Errorf("max in flight %d, want 2..%d", got, ariclientMaxInFlight)
	}
	waitFor(t, "no caller left in the simulator", func() bool { return sb.Sim.Live() == 0 })
	checkGoroutines(t, sb, base)
}

const ariclientMaxInFlight = 64 // ariclient.DefaultMaxInFlight, which the sandbox uses

// TestUnknownEventFlood floods the engine with events for channels it does
// not know while a call runs: they are counted and dropped, and the call is
// unaffected.
func TestUnknownEventFlood(t *testing.T) {
	base := runtime.NumGoroutine()
	sb := startSandbox(t, sandbox.Options{}, helloFlow)
	const senders, each = 8, 20000
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				id := "ghost-" + string(rune('a'+g)) + "-" + time.Duration(i).String()
				sb.Engine.HandleEvent(&engine.Event{Type: engine.EventPlaybackFinished, ChannelID: id, PlaybackID: id})
			}
		})
	}
	sums := placeAll(t, sb, "hello-world", 5)
	wg.Wait()
	for _, s := range sums {
		if s.Reason != engine.EndFlowHangup {
			t.Errorf("call %s ended %q", s.CallID, s.Reason)
		}
	}
	if n := sb.Engine.Stats().EventsUnknownChannel.Load(); n < senders*each {
		t.Errorf("%d events counted for unknown channels, want at least %d", n, senders*each)
	}
	checkGoroutines(t, sb, base)
}
