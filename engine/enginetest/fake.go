// Package enginetest provides a hand-written fake of the engine's ARI port, for
// tests that drive the engine with events directly, without HTTP.
package enginetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/clock"
	"github.com/flowrunner/flowrunner/engine"
)

// Action is one call the engine made on the fake.
type Action struct {
	Op       string // answer, play, stop, hangup, continue, get_var, set_var, moh, ring, send_dtmf, record, stop_recording, originate
	Channel  string
	Playback string
	Media    []string
	Language string
	Reason   string
	Target   engine.DialplanTarget
	Name     string // get_var, set_var: the variable; record, stop_recording: the recording
	Value    string // set_var; moh: the class
	Stop     bool   // moh, ring
	DTMF     engine.DTMFRequest
	Record   engine.RecordRequest
	Orig     engine.OriginateRequest // originate
}

// String renders the action compactly, e.g. `play 1.1 [sound:hello-world]`.
func (a Action) String() string {
	switch a.Op {
	case "play":
		return fmt.Sprintf("play %s %v", a.Channel, a.Media)
	case "stop":
		return "stop " + a.Playback
	case "hangup":
		return strings.TrimSpace(fmt.Sprintf("hangup %s %s", a.Channel, a.Reason))
	case "continue":
		return strings.TrimSpace(fmt.Sprintf("continue %s %s %s", a.Channel, a.Target.Context, a.Target.Extension))
	case "get_var":
		return fmt.Sprintf("get_var %s %s", a.Channel, a.Name)
	case "set_var":
		return fmt.Sprintf("set_var %s %s=%s", a.Channel, a.Name, a.Value)
	case "moh", "ring":
		if a.Stop {
			return fmt.Sprintf("%s %s stop", a.Op, a.Channel)
		}
		return strings.TrimSpace(fmt.Sprintf("%s %s start %s", a.Op, a.Channel, a.Value))
	case "send_dtmf":
		return fmt.Sprintf("send_dtmf %s %s", a.Channel, a.DTMF.Digits)
	case "record":
		return fmt.Sprintf("record %s %s", a.Channel, a.Record.Name)
	case "stop_recording":
		return "stop_recording " + a.Name
	case "create":
		return fmt.Sprintf("create %s %s", a.Channel, a.Name)
	case "dial":
		return fmt.Sprintf("dial %s", a.Channel)
	case "bridge_create":
		return "bridge_create " + a.Name
	case "bridge_add":
		return fmt.Sprintf("bridge_add %s %s", a.Name, a.Value)
	case "bridge_delete":
		return "bridge_delete " + a.Name
	case "originate":
		return fmt.Sprintf("originate %s %s %s %v", a.Channel, a.Orig.Endpoint, a.Orig.App, a.Orig.AppArgs)
	}
	return a.Op + " " + a.Channel
}

// FakeARI records every action and answers with the error the test chose for
// that operation (nil by default). It is safe for concurrent use.
//
// With a virtual clock, the test plays Asterisk, so time must not pass while the
// test is deciding what Asterisk does next: the test holds the clock whenever
// it is active. NewFakeARI takes that hold; each recorded action comes with a
// new hold, and Next releases the previous one before it waits, so virtual time
// passes only while the test waits for the engine's next action.
type FakeARI struct {
	t       testing.TB
	clock   clock.Clock
	actions chan Action

	mu    sync.Mutex
	errs  map[string]error              // by op
	chans map[string]engine.ChannelInfo // what GetChannel answers
	vars  map[string]string             // channel variables GetVar answers with
}

// NewFakeARI returns a fake whose actions the test reads with Next. It holds
// clk on behalf of the test (see FakeARI).
func NewFakeARI(t testing.TB, clk clock.Clock) *FakeARI {
	clk.Hold()
	return &FakeARI{t: t, clock: clk, actions: make(chan Action, 1024), errs: map[string]error{}, vars: map[string]string{}}
}

// Idle lets virtual time pass until f returns, then holds the clock again.
func (f *FakeARI) Idle(wait func()) {
	f.clock.Release()
	defer f.clock.Hold()
	wait()
}

// FailWith makes every later call of op return err.
func (f *FakeARI) FailWith(op string, err error) {
	f.mu.Lock()
	f.errs[op] = err
	f.mu.Unlock()
}

func (f *FakeARI) record(a Action) error {
	f.clock.Hold() // handed to the test with the action
	f.actions <- a
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errs[a.Op]
}

// Next returns the next action, failing the test if none comes within 5 s of
// wall time (a guard against a hung engine, not a timing assertion).
func (f *FakeARI) Next() Action {
	f.t.Helper()
	f.clock.Release()
	select {
	case a := <-f.actions:
		return a
	case <-time.After(5 * time.Second):
		f.t.Fatalf("no ARI action from the engine")
		return Action{}
	}
}

// Expect reads the next action and checks that its String() is want or starts
// with want followed by a space.
func (f *FakeARI) Expect(want string) Action {
	f.t.Helper()
	a := f.Next()
	if got := a.String(); got != want && !strings.HasPrefix(got, want+" ") {
		f.t.Fatalf("next ARI action = %q, want %q", a.String(), want)
	}
	return a
}

// Answer records an answer.
func (f *FakeARI) Answer(_ context.Context, ch string) error {
	return f.record(Action{Op: "answer", Channel: ch})
}

// Play records a play.
func (f *FakeARI) Play(_ context.Context, ch, pb string, req engine.PlayRequest) error {
	return f.record(Action{Op: "play", Channel: ch, Playback: pb, Media: req.Media, Language: req.Language})
}

// StopPlayback records a stop.
func (f *FakeARI) StopPlayback(_ context.Context, pb string) error {
	return f.record(Action{Op: "stop", Playback: pb})
}

// Hangup records a hangup.
func (f *FakeARI) Hangup(_ context.Context, ch, reason string) error {
	return f.record(Action{Op: "hangup", Channel: ch, Reason: reason})
}

// Continue records a continue.
func (f *FakeARI) Continue(_ context.Context, ch string, to engine.DialplanTarget) error {
	return f.record(Action{Op: "continue", Channel: ch, Target: to})
}

// SetChannel makes GetChannel of id answer info; other ids answer 404.
func (f *FakeARI) SetChannel(id string, info engine.ChannelInfo) {
	f.mu.Lock()
	if f.chans == nil {
		f.chans = map[string]engine.ChannelInfo{}
	}
	f.chans[id] = info
	f.mu.Unlock()
}

// GetChannel records a get_channel and answers what SetChannel gave.
func (f *FakeARI) GetChannel(_ context.Context, id string) (engine.ChannelInfo, error) {
	err := f.record(Action{Op: "get_channel", Channel: id})
	f.mu.Lock()
	defer f.mu.Unlock()
	info, ok := f.chans[id]
	if !ok && err == nil {
		err = &engine.ActionError{Op: "get_channel", Status: 404, Message: "Channel not found"}
	}
	return info, err
}

// SetChannelVar makes GetVar of name answer value.
func (f *FakeARI) SetChannelVar(name, value string) {
	f.mu.Lock()
	f.vars[name] = value
	f.mu.Unlock()
}

// GetVar records a get_var and answers with the variable set by SetChannelVar ("" if none).
func (f *FakeARI) GetVar(_ context.Context, ch, name string) (string, error) {
	err := f.record(Action{Op: "get_var", Channel: ch, Name: name})
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.vars[name], err
}

// SetVar records a set_var.
func (f *FakeARI) SetVar(_ context.Context, ch, name, value string) error {
	return f.record(Action{Op: "set_var", Channel: ch, Name: name, Value: value})
}

// MOH records a moh.
func (f *FakeARI) MOH(_ context.Context, ch, class string, stop bool) error {
	return f.record(Action{Op: "moh", Channel: ch, Value: class, Stop: stop})
}

// Ring records a ring.
func (f *FakeARI) Ring(_ context.Context, ch string, stop bool) error {
	return f.record(Action{Op: "ring", Channel: ch, Stop: stop})
}

// SendDTMF records a send_dtmf.
func (f *FakeARI) SendDTMF(_ context.Context, ch string, req engine.DTMFRequest) error {
	return f.record(Action{Op: "send_dtmf", Channel: ch, DTMF: req})
}

// Record records a record.
func (f *FakeARI) Record(_ context.Context, ch string, req engine.RecordRequest) error {
	return f.record(Action{Op: "record", Channel: ch, Record: req, Name: req.Name})
}

// StopRecording records a stop_recording.
func (f *FakeARI) StopRecording(_ context.Context, name string) error {
	return f.record(Action{Op: "stop_recording", Name: name})
}

// NopARI accepts every action and does nothing: for benchmarks.
type NopARI struct{}

// Answer does nothing.
func (NopARI) Answer(context.Context, string) error { return nil }

// Play does nothing.
func (NopARI) Play(context.Context, string, string, engine.PlayRequest) error { return nil }

// StopPlayback does nothing.
func (NopARI) StopPlayback(context.Context, string) error { return nil }

// Hangup does nothing.
func (NopARI) Hangup(context.Context, string, string) error { return nil }

// Continue does nothing.
func (NopARI) Continue(context.Context, string, engine.DialplanTarget) error { return nil }

// GetVar answers "".
func (NopARI) GetVar(context.Context, string, string) (string, error) { return "", nil }

// SetVar does nothing.
func (NopARI) SetVar(context.Context, string, string, string) error { return nil }

// MOH does nothing.
func (NopARI) MOH(context.Context, string, string, bool) error { return nil }

// Ring does nothing.
func (NopARI) Ring(context.Context, string, bool) error { return nil }

// SendDTMF does nothing.
func (NopARI) SendDTMF(context.Context, string, engine.DTMFRequest) error { return nil }

// Record does nothing.
func (NopARI) Record(context.Context, string, engine.RecordRequest) error { return nil }

// StopRecording does nothing.
func (NopARI) StopRecording(context.Context, string) error { return nil }

// CreateChannel records a create.
func (f *FakeARI) CreateChannel(_ context.Context, req engine.CreateRequest) error {
	return f.record(Action{Op: "create", Channel: req.ChannelID, Name: req.Endpoint, Value: req.Variables["CALLERID(num)"]})
}

// Dial records a dial.
func (f *FakeARI) Dial(_ context.Context, ch, caller string, timeout time.Duration) error {
	return f.record(Action{Op: "dial", Channel: ch, Value: caller, DTMF: engine.DTMFRequest{Duration: timeout}})
}

// CreateBridge records a bridge_create.
func (f *FakeARI) CreateBridge(_ context.Context, id, typ string) error {
	return f.record(Action{Op: "bridge_create", Name: id, Value: typ})
}

// AddToBridge records a bridge_add.
func (f *FakeARI) AddToBridge(_ context.Context, id string, channels []string) error {
	return f.record(Action{Op: "bridge_add", Name: id, Value: strings.Join(channels, ",")})
}

// DeleteBridge records a bridge_delete.
func (f *FakeARI) DeleteBridge(_ context.Context, id string) error {
	return f.record(Action{Op: "bridge_delete", Name: id})
}

// CreateChannel does nothing.
func (NopARI) CreateChannel(context.Context, engine.CreateRequest) error { return nil }

// Dial does nothing.
func (NopARI) Dial(context.Context, string, string, time.Duration) error { return nil }

// CreateBridge does nothing.
func (NopARI) CreateBridge(context.Context, string, string) error { return nil }

// AddToBridge does nothing.
func (NopARI) AddToBridge(context.Context, string, []string) error { return nil }

// DeleteBridge does nothing.
func (NopARI) DeleteBridge(context.Context, string) error { return nil }

// Originate records an originate.
func (f *FakeARI) Originate(_ context.Context, req engine.OriginateRequest) error {
	return f.record(Action{Op: "originate", Channel: req.ChannelID, Orig: req})
}

// Originate does nothing.
func (NopARI) Originate(context.Context, engine.OriginateRequest) error { return nil }

// GetChannel answers 404.
func (NopARI) GetChannel(context.Context, string) (engine.ChannelInfo, error) {
	return engine.ChannelInfo{}, &engine.ActionError{Op: "get_channel", Status: 404, Message: "Channel not found"}
}
