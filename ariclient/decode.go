package ariclient

import (
	"errors"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// ariTimeLayout is Asterisk's event timestamp format.
const ariTimeLayout = "2006-01-02T15:04:05.000-0700"

// errUnknownType marks a well-formed event outside engine.EventType.
var errUnknownType = errors.New("event type not used by the engine")

// errReplaced is the session error when Asterisk hands the app to another
// WebSocket (ApplicationReplaced).
var errReplaced = errors.New("application replaced by another WebSocket connection")

// wireEvent holds the fields of an ARI event that engine.Event needs;
// decodeWire fills it and skips everything else, as json.Unmarshal would.
type wireEvent struct {
	Type        string       `json:"type"`
	Timestamp   string       `json:"timestamp"`
	Application string       `json:"application"`
	Args        []string     `json:"args"`
	Digit       string       `json:"digit"`
	Cause       int          `json:"cause"`
	Channel     wireChannel  `json:"channel"`
	Playback    wirePlayback `json:"playback"`
	Recording   wirePlayback `json:"recording"`
	Peer        wireChannel  `json:"peer"`
	DialStatus  string       `json:"dialstatus"`
}

type wireChannel struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Caller struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	} `json:"caller"`
	Language string `json:"language"`
	Dialplan struct {
		Context  string `json:"context"`
		Exten    string `json:"exten"`
		Priority int    `json:"priority"`
	} `json:"dialplan"`
}

// wirePlayback is a playback or a live recording (which has a name, no id).
type wirePlayback struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MediaURI  string `json:"media_uri"`
	State     string `json:"state"`
	TargetURI string `json:"target_uri"`
}

// decodeEvent turns one WebSocket frame into an engine.Event. It returns
// errUnknownType (with the event's type name in typ) for events the engine
// does not consume, and another error for malformed frames.
func decodeEvent(data []byte) (ev *engine.Event, typ string, err error) {
	var w wireEvent
	if err := decodeWire(data, &w); err != nil {
		return nil, "", err
	}
	if w.Type == "" {
		return nil, "", errors.New("event has no type")
	}
	t := engine.ParseEventType(w.Type)
	if t == engine.EventUnknown {
		return nil, w.Type, errUnknownType
	}
	// A missing or unreadable timestamp leaves Time zero for the reader to
	// fill in: it must not cost the event.
	ev = &engine.Event{Type: t, Application: w.Application, Time: parseTime(w.Timestamp)}
	switch t {
	case engine.EventPlaybackStarted, engine.EventPlaybackContinuing, engine.EventPlaybackFinished:
		if w.Playback.ID == "" {
			return nil, w.Type, errors.New("playback event without playback id")
		}
		ev.PlaybackID = w.Playback.ID
		ev.PlaybackState = w.Playback.State
		ev.MediaURI = w.Playback.MediaURI
		// "channel:<id>"; a bridge target leaves ChannelID empty.
		if id, ok := strings.CutPrefix(w.Playback.TargetURI, "channel:"); ok {
			ev.ChannelID = id
		}
		return ev, w.Type, nil
	case engine.EventRecordingStarted, engine.EventRecordingFinished, engine.EventRecordingFailed:
		if w.Recording.Name == "" {
			return nil, w.Type, errors.New("recording event without recording name")
		}
		ev.RecordingName = w.Recording.Name
		if id, ok := strings.CutPrefix(w.Recording.TargetURI, "channel:"); ok {
			ev.ChannelID = id
		}
		return ev, w.Type, nil
	}
	if t == engine.EventDial {
		// The channel being dialled is the peer.
		if w.Peer.ID == "" {
			return nil, w.Type, errors.New("dial event without peer")
		}
		ev.DialStatus = w.DialStatus
		w.Channel = w.Peer
	}
	if w.Channel.ID == "" {
		return nil, w.Type, errors.New("channel event without channel id")
	}
	ev.ChannelID = w.Channel.ID
	ev.Channel = engine.ChannelInfo{
		Name:         w.Channel.Name,
		State:        w.Channel.State,
		CallerName:   w.Channel.Caller.Name,
		CallerNumber: w.Channel.Caller.Number,
		Language:     w.Channel.Language,
		Context:      w.Channel.Dialplan.Context,
		Extension:    w.Channel.Dialplan.Exten,
		Priority:     w.Channel.Dialplan.Priority,
	}
	switch t {
	case engine.EventStasisStart:
		if len(w.Args) > 0 {
			ev.Args = w.Args
		}
	case engine.EventChannelDtmfReceived:
		ev.Digit = w.Digit
	case engine.EventChannelHangupRequest, engine.EventChannelDestroyed:
		ev.Cause = w.Cause
	}
	return ev, w.Type, nil
}

// parseTime reads Asterisk's timestamp, also accepting RFC 3339; anything
// else gives the zero time.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(ariTimeLayout, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	return time.Time{}
}
