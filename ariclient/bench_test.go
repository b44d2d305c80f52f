package ariclient

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v6"
	"github.com/flowrunner/flowrunner/engine"
)

// libDecode is the alternative to decodeEvent measured by the benchmark:
// ari.DecodeEvent and a type switch into engine.Event.
func libDecode(data []byte) (*engine.Event, error) {
	e, err := ari.DecodeEvent(data)
	if err != nil {
		return nil, err
	}
	chanEvent := func(t engine.EventType, d ari.EventData, ch ari.ChannelData) *engine.Event {
		ev := &engine.Event{Type: t, Time: time.Time(d.Timestamp), Application: d.Application, ChannelID: ch.ID,
			Channel: engine.ChannelInfo{Name: ch.Name, State: ch.State, Language: ch.Language}}
		if ch.Caller != nil {
			ev.Channel.CallerName, ev.Channel.CallerNumber = ch.Caller.Name, ch.Caller.Number
		}
		if ch.Dialplan != nil {
			ev.Channel.Context, ev.Channel.Extension = ch.Dialplan.Context, ch.Dialplan.Exten
			ev.Channel.Priority = int(ch.Dialplan.Priority)
		}
		return ev
	}
	pbEvent := func(t engine.EventType, d ari.EventData, pb ari.PlaybackData) *engine.Event {
		id, _ := strings.CutPrefix(pb.TargetURI, "channel:")
		return &engine.Event{Type: t, Time: time.Time(d.Timestamp), Application: d.Application,
			ChannelID: id, PlaybackID: pb.ID, PlaybackState: pb.State, MediaURI: pb.MediaURI}
	}
	switch e := e.(type) {
	case *ari.StasisStart:
		ev := chanEvent(engine.EventStasisStart, e.EventData, e.Channel)
		if len(e.Args) > 0 {
			ev.Args = e.Args
		}
		return ev, nil
	case *ari.StasisEnd:
		return chanEvent(engine.EventStasisEnd, e.EventData, e.Channel), nil
	case *ari.ChannelStateChange:
		return chanEvent(engine.EventChannelStateChange, e.EventData, e.Channel), nil
	case *ari.ChannelDtmfReceived:
		ev := chanEvent(engine.EventChannelDtmfReceived, e.EventData, e.Channel)
		ev.Digit = e.Digit
		return ev, nil
	case *ari.ChannelHangupRequest:
		ev := chanEvent(engine.EventChannelHangupRequest, e.EventData, e.Channel)
		ev.Cause = e.Cause
		return ev, nil
	case *ari.ChannelDestroyed:
		ev := chanEvent(engine.EventChannelDestroyed, e.EventData, e.Channel)
		ev.Cause = e.Cause
		return ev, nil
	case *ari.PlaybackStarted:
		return pbEvent(engine.EventPlaybackStarted, e.EventData, e.Playback), nil
	case *ari.PlaybackContinuing:
		return pbEvent(engine.EventPlaybackContinuing, e.EventData, e.Playback), nil
	case *ari.PlaybackFinished:
		return pbEvent(engine.EventPlaybackFinished, e.EventData, e.Playback), nil
	}
	return nil, errUnknownType
}

// TestLibDecodeAgrees checks that the benchmark compares like with like.
func TestLibDecodeAgrees(t *testing.T) {
	for i, f := range traceFrames(t) {
		a, _, errA := decodeEvent([]byte(f))
		b, errB := libDecode([]byte(f))
		if errors.Is(errA, errUnknownType) != errors.Is(errB, errUnknownType) {
			t.Fatalf("frame %d: %v vs %v", i, errA, errB)
		}
		if errA == nil && !sameEvent(a, b) {
			t.Errorf("frame %d:\n local %+v\n   lib %+v", i, *a, *b)
		}
	}
}

func benchDecode(b *testing.B, decode func([]byte) error) {
	frames := traceFrames(b)
	data := make([][]byte, len(frames))
	size := 0
	for i, f := range frames {
		data[i] = []byte(f)
		size += len(f)
	}
	b.SetBytes(int64(size / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := decode(data[i%len(data)]); err != nil && !errors.Is(err, errUnknownType) {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode cycles through the captured frames (13 engine events and 4
// others), per frame.
func BenchmarkDecode(b *testing.B) {
	b.Run("local", func(b *testing.B) {
		benchDecode(b, func(d []byte) error { _, _, err := decodeEvent(d); return err })
	})
	b.Run("ari.DecodeEvent", func(b *testing.B) {
		benchDecode(b, func(d []byte) error { _, err := libDecode(d); return err })
	})
}
