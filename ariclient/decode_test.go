package ariclient

import (
	"bufio"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// traceFrames reads testdata/events.jsonl: event frames captured from
// Asterisk 22.10.1, one per line.
func traceFrames(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(ariTimeLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func chanInfo(name, state, ctx string, prio int) engine.ChannelInfo {
	return engine.ChannelInfo{Name: name, State: state, Language: "en", Context: ctx, Extension: "s", Priority: prio}
}

// wantTraceEvents are the decodings of the first 13 lines of events.jsonl;
// the remaining lines are events outside the engine's set.
func wantTraceEvents(t *testing.T) []engine.Event {
	const app = "hello-world"
	silent := chanInfo("Local/s@cap-silent-00000029;1", "Up", "cap-silent", 1)
	inbound := chanInfo("Local/s@stasis-hello-0000002a;2", "Ring", "stasis-hello", 2)
	inboundUp := inbound
	inboundUp.State = "Up"
	return []engine.Event{
		{Type: engine.EventStasisStart, Time: ts(t, "2026-11-25T22:02:16.016+0000"), Application: app,
			ChannelID: "1795644136.82", Channel: silent},
		{Type: engine.EventStasisStart, Time: ts(t, "2026-11-25T22:02:19.450+0000"), Application: app,
			ChannelID: "1795644139.85", Channel: inbound},
		{Type: engine.EventChannelStateChange, Time: ts(t, "2026-11-25T22:02:16.016+0000"), Application: app,
			ChannelID: "1795644136.82", Channel: engine.ChannelInfo{Name: silent.Name, State: "Up",
				Language: "en", Context: "cap-silent", Extension: "s", Priority: 1}},
		{Type: engine.EventChannelStateChange, Time: ts(t, "2026-11-25T22:02:19.455+0000"), Application: app,
			ChannelID: "1795644139.85", Channel: inboundUp},
		{Type: engine.EventChannelDtmfReceived, Time: ts(t, "2026-11-25T22:02:29.813+0000"), Application: app,
			ChannelID: "1795644148.90", Digit: "1",
			Channel: chanInfo("Local/s@cap-dtmf-0000002d;1", "Up", "cap-dtmf", 1)},
		{Type: engine.EventPlaybackStarted, Time: ts(t, "2026-11-25T22:02:39.557+0000"), Application: app,
			ChannelID: "1795644159.94", PlaybackID: "214adc7a-c35a-4b2d-b933-b087a0befe3b",
			PlaybackState: "playing", MediaURI: "number:42"},
		{Type: engine.EventPlaybackContinuing, Time: ts(t, "2026-11-25T22:02:42.959+0000"), Application: app,
			ChannelID: "1795644159.94", PlaybackID: "cap-pb-1", PlaybackState: "continuing", MediaURI: "sound:hello-world"},
		{Type: engine.EventPlaybackFinished, Time: ts(t, "2026-11-25T22:02:17.426+0000"), Application: app,
			ChannelID: "1795644136.82", PlaybackID: "b7c7495c-d72b-4493-902e-27bdf40a8ea1",
			PlaybackState: "done", MediaURI: "sound:hello-world"},
		{Type: engine.EventPlaybackFinished, Time: ts(t, "2026-11-25T22:02:23.473+0000"), Application: app,
			ChannelID: "1795644142.86", PlaybackID: "484b79af-86aa-45d1-ac9c-23dbddb4a434",
			PlaybackState: "failed", MediaURI: "sound:demo-congrats"},
		{Type: engine.EventChannelHangupRequest, Time: ts(t, "2026-11-25T22:02:18.429+0000"), Application: app,
			ChannelID: "1795644136.82", Cause: 32, Channel: silent},
		{Type: engine.EventChannelHangupRequest, Time: ts(t, "2026-11-25T22:02:23.473+0000"), Application: app,
			ChannelID: "1795644142.86", Cause: 16,
			Channel: chanInfo("Local/s@cap-hangup-0000002b;1", "Up", "cap-hangup", 1)},
		{Type: engine.EventStasisEnd, Time: ts(t, "2026-11-25T22:02:18.429+0000"), Application: app,
			ChannelID: "1795644136.82", Channel: silent},
		{Type: engine.EventChannelDestroyed, Time: ts(t, "2026-11-25T22:02:18.430+0000"), Application: app,
			ChannelID: "1795644136.82", Cause: 16, Channel: silent},
	}
}

func sameEvent(a, b *engine.Event) bool {
	x, y := *a, *b
	if !x.Time.Equal(y.Time) {
		return false
	}
	x.Time, y.Time = time.Time{}, time.Time{}
	x.Received, y.Received = time.Time{}, time.Time{} // when read: the decoder's caller sets it
	return reflect.DeepEqual(x, y)
}

func TestDecodeTraceFrames(t *testing.T) {
	frames := traceFrames(t)
	want := wantTraceEvents(t)
	unknown := []string{"BridgeDestroyed", "ChannelVarset", "ChannelDialplan", "ChannelEnteredBridge"}
	if len(frames) != len(want)+len(unknown) {
		t.Fatalf("testdata has %d frames, want %d", len(frames), len(want)+len(unknown))
	}
	covered := map[engine.EventType]bool{}
	for i, f := range frames[:len(want)] {
		ev, typ, err := decodeEvent([]byte(f))
		if err != nil {
			t.Fatalf("frame %d (%s): %v", i, typ, err)
		}
		if !sameEvent(ev, &want[i]) {
			t.Errorf("frame %d:\n got %+v\nwant %+v", i, *ev, want[i])
		}
		covered[ev.Type] = true
	}
	for typ := engine.EventStasisStart; typ <= engine.EventPlaybackFinished; typ++ {
		if !covered[typ] {
			t.Errorf("no trace frame covers %v", typ)
		}
	}
	for i, f := range frames[len(want):] {
		ev, typ, err := decodeEvent([]byte(f))
		if !errors.Is(err, errUnknownType) || ev != nil || typ != unknown[i] {
			t.Errorf("frame %s: got %v, %q, %v; want unknown", unknown[i], ev, typ, err)
		}
	}
}

// TestDecodeDialAndRecording decodes the events of dial and record steps,
// as captured in originate-bridge.jsonl and record.jsonl.
func TestDecodeDialAndRecording(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  engine.Event
	}{
		{`{"type":"Dial","timestamp":"2026-11-25T22:02:31.553+0000","dialstatus":"ANSWER","forward":"","dialstring":"",` +
			`"peer":{"id":"1795644150.91","name":"Local/1000@flowtest-0000002e;1","state":"Up","protocol_id":"",` +
			`"caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"",` +
			`"dialplan":{"context":"flowtest","exten":"1000","priority":1,"app_name":"","app_data":""},` +
			`"creationtime":"2026-11-25T22:02:31.448+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"hello-world"}`,
			engine.Event{Type: engine.EventDial, Time: ts(t, "2026-11-25T22:02:31.553+0000"), Application: "hello-world", ChannelID: "1795644150.91", DialStatus: "ANSWER",
				Channel: engine.ChannelInfo{Name: "Local/1000@flowtest-0000002e;1", State: "Up", Language: "en", Context: "flowtest", Extension: "1000", Priority: 1}}},
		{`{"type":"RecordingFinished","timestamp":"2026-11-25T22:02:48.337+0000","recording":{"name":"capture-record-1",` +
			`"format":"wav","state":"done","target_uri":"channel:1795644162.96","duration":1},"asterisk_id":"02:fc:00:00:00:01","application":"hello-world"}`,
			engine.Event{Type: engine.EventRecordingFinished, Time: ts(t, "2026-11-25T22:02:48.337+0000"), Application: "hello-world", ChannelID: "1795644162.96", RecordingName: "capture-record-1"}},
	} {
		ev, typ, err := decodeEvent([]byte(tc.frame))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if !sameEvent(ev, &tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", typ, *ev, tc.want)
		}
	}
	if _, _, err := decodeEvent([]byte(`{"type":"Dial","dialstatus":"BUSY"}`)); err == nil {
		t.Error("a Dial event without peer decoded")
	}
}

func TestDecodeDetails(t *testing.T) {
	ev, _, err := decodeEvent([]byte(`{"type":"StasisStart","timestamp":"2026-11-25T22:02:16.016Z",` +
		`"args":["a","b c"],"channel":{"id":"9.1","name":"PJSIP/alice-1","state":"Ring",` +
		`"caller":{"name":"Alice","number":"1001"},"language":"fr",` +
		`"dialplan":{"context":"in","exten":"100","priority":3}},"application":"menu"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := engine.Event{Type: engine.EventStasisStart, Time: time.Date(2026, 11, 25, 22, 2, 16, 16e6, time.UTC),
		Application: "menu", ChannelID: "9.1", Args: []string{"a", "b c"},
		Channel: engine.ChannelInfo{Name: "PJSIP/alice-1", State: "Ring", CallerName: "Alice",
			CallerNumber: "1001", Language: "fr", Context: "in", Extension: "100", Priority: 3}}
	if !sameEvent(ev, &want) {
		t.Errorf("got %+v\nwant %+v", *ev, want)
	}

	// A playback on a bridge has no channel; an unreadable timestamp is
	// left zero rather than dropping the event.
	ev, _, err = decodeEvent([]byte(`{"type":"PlaybackFinished","timestamp":"yesterday",` +
		`"playback":{"id":"p1","target_uri":"bridge:b1","state":"done","media_uri":"sound:x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ChannelID != "" || ev.PlaybackID != "p1" || !ev.Time.IsZero() {
		t.Errorf("bridge playback: %+v", *ev)
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, frame := range []string{
		``,
		`{`,
		`[]`,
		`"StasisStart"`,
		`{"timestamp":"2026-11-25T22:02:16.016+0000"}`,
		`{"type":""}`,
		`{"type":42}`,
		`{"type":"StasisStart"}`,
		`{"type":"StasisStart","channel":"1.2"}`,
		`{"type":"ChannelDtmfReceived","digit":5,"channel":{"id":"1.2"}}`,
		`{"type":"PlaybackStarted","playback":{"target_uri":"channel:1.2"}}`,
		`{"type":"ChannelDestroyed","cause":"16","channel":{"id":"1.2"}}`,
	} {
		ev, _, err := decodeEvent([]byte(frame))
		if err == nil || errors.Is(err, errUnknownType) || ev != nil {
			t.Errorf("%q: got %v, %v; want malformed", frame, ev, err)
		}
	}
}
