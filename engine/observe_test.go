package engine_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// recObserver records what the engine reports, as strings.
type recObserver struct {
	mu  sync.Mutex
	got []string
}

func (o *recObserver) add(format string, args ...any) {
	o.mu.Lock()
	o.got = append(o.got, fmt.Sprintf(format, args...))
	o.mu.Unlock()
}

func (o *recObserver) EventReceived(t engine.EventType) { o.add("event %s", t) }
func (o *recObserver) CallStarted(flow string)          { o.add("start %s", flow) }
func (o *recObserver) CallEnded(flow, reason string, d time.Duration) {
	o.add("end %s %s %v", flow, reason, d)
}
func (o *recObserver) StepStarted(typ string)                { o.add("step %s", typ) }
func (o *recObserver) StepEnded(typ string, d time.Duration) { o.add("step-end %s %v", typ, d) }
func (o *recObserver) ActionIssued(op string, cause engine.Cause, d time.Duration) {
	o.add("action %s after %s %v", op, cause, d)
}

func (o *recObserver) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

func TestObserver(t *testing.T) {
	obs := &recObserver{}
	h := newHarness(t, helloWorld, engine.Config{Observer: obs})
	// The StasisStart frame was read 3 ms before the engine handles it: the
	// answer it causes reports that latency.
	h.send(&engine.Event{Type: engine.EventStasisStart, Application: "hello-world", ChannelID: "1.1",
		Received: h.clk.Now().Add(-3 * time.Millisecond), Channel: engine.ChannelInfo{State: "Ring"}})
	h.ari.Expect("answer 1.1")
	play := h.ari.Expect("play 1.1 [sound:hello-world]")
	h.finished(play, "done")
	h.ari.Expect("hangup 1.1")
	h.send(&engine.Event{Type: engine.EventDial, ChannelID: "nobody"}) // for no call: received, then dropped
	h.stasisEnd("1.1")
	h.end()
	want := []string{
		"event StasisStart", "start hello-world",
		"step answer", "action answer after event 3ms", "step-end answer 0s",
		"step play", "action play after response 0s",
		"event PlaybackFinished", "step-end play 0s", "step wait",
		"step-end wait 1s", "step hangup", "action hangup after timer 0s",
		"event Dial", "event StasisEnd",
		"step-end hangup 0s", "end hello-world flow_hangup 1s",
	}
	if got := obs.list(); !slices.Equal(got, want) {
		t.Fatalf("observed:\n%q\nwant:\n%q", got, want)
	}
	if n := h.eng.Stats().EventsUnknownChannel.Load(); n != 1 {
		t.Errorf("EventsUnknownChannel = %d, want 1", n)
	}
}
