package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ARI is the narrow set of Asterisk actions the engine issues. The engine calls
// these methods from its own bounded executor, never from event handling, and
// always with a context that carries a deadline. Implementations must be safe for
// concurrent use and must return an *ActionError for responses Asterisk rejected.
type ARI interface {
	// Answer answers the channel (POST /channels/{id}/answer).
	Answer(ctx context.Context, channelID string) error
	// Play starts media on the channel under the caller-chosen playbackID
	// (POST /channels/{id}/play/{playbackId}); several media play in order as
	// one playback.
	Play(ctx context.Context, channelID, playbackID string, req PlayRequest) error
	// StopPlayback stops a playback (DELETE /playbacks/{id}).
	StopPlayback(ctx context.Context, playbackID string) error
	// Hangup hangs up the channel with an ARI reason such as "normal" or "busy"
	// (DELETE /channels/{id}?reason=).
	Hangup(ctx context.Context, channelID, reason string) error
	// Continue sends the channel back to the dialplan
	// (POST /channels/{id}/continue); empty fields keep the channel's own.
	Continue(ctx context.Context, channelID string, to DialplanTarget) error
	// GetVar reads a channel variable or dialplan function
	// (GET /channels/{id}/variable); a variable the channel does not have
	// reads as "" with no error.
	GetVar(ctx context.Context, channelID, name string) (string, error)
	// SetVar sets a channel variable (POST /channels/{id}/variable).
	SetVar(ctx context.Context, channelID, name, value string) error
	// MOH starts music on hold of a class ("" for the default)
	// (POST /channels/{id}/moh), or stops it (DELETE) when stop is set.
	MOH(ctx context.Context, channelID, class string, stop bool) error
	// Ring starts ringing indication (POST /channels/{id}/ring), or stops it
	// (DELETE) when stop is set.
	Ring(ctx context.Context, channelID string, stop bool) error
	// SendDTMF sends tones on the channel (POST /channels/{id}/dtmf).
	SendDTMF(ctx context.Context, channelID string, req DTMFRequest) error
	// Record starts recording the channel (POST /channels/{id}/record).
	Record(ctx context.Context, channelID string, req RecordRequest) error
	// StopRecording stops a live recording, keeping it
	// (POST /recordings/live/{name}/stop).
	StopRecording(ctx context.Context, name string) error
	// CreateChannel creates an outbound channel in the application without
	// dialling it (POST /channels/create), so it is in Stasis before it rings.
	CreateChannel(ctx context.Context, req CreateRequest) error
	// Dial dials a created channel (POST /channels/{id}/dial).
	Dial(ctx context.Context, channelID, caller string, timeout time.Duration) error
	// CreateBridge creates a bridge of a type such as "mixing" (POST /bridges/{id}).
	CreateBridge(ctx context.Context, bridgeID, bridgeType string) error
	// AddToBridge puts channels into a bridge (POST /bridges/{id}/addChannel).
	AddToBridge(ctx context.Context, bridgeID string, channelIDs []string) error
	// DeleteBridge destroys a bridge (DELETE /bridges/{id}); its channels stay.
	DeleteBridge(ctx context.Context, bridgeID string) error
	// Originate creates an outbound channel and dials it (POST /channels);
	// answered, it enters req.App with req.AppArgs as its Stasis arguments.
	Originate(ctx context.Context, req OriginateRequest) error
	// GetChannel reads a channel's snapshot (GET /channels/{id}), including
	// the dialplan application it is in.
	GetChannel(ctx context.Context, channelID string) (ChannelInfo, error)
}

// CreateRequest describes an outbound channel to create.
type CreateRequest struct {
	ChannelID  string // chosen by the engine, registered before the request
	Endpoint   string // e.g. PJSIP/alice
	App        string
	Originator string            // the caller's channel, for linkedid and codecs
	Variables  map[string]string // e.g. CALLERID(num)
}

// PlayRequest is what to play.
type PlayRequest struct {
	Media    []string
	Language string // "" for the channel's language
}

// DTMFRequest is what SendDTMF sends; zero durations take Asterisk's defaults.
type DTMFRequest struct {
	Digits   string
	Between  time.Duration
	Duration time.Duration
}

// RecordRequest describes a recording.
type RecordRequest struct {
	Name        string
	Format      string
	MaxDuration time.Duration // 0: none
	MaxSilence  time.Duration // 0: none
	Beep        bool
	TerminateOn string // none, any, *, #
}

// DialplanTarget is where Continue sends a channel.
type DialplanTarget struct {
	Context   string
	Extension string
	Priority  int    // 0 means the next priority
	Label     string // a priority label, instead of Priority
}

// ActionError is an ARI request that Asterisk answered with an error status.
type ActionError struct {
	Op      string // e.g. "play"
	Status  int    // HTTP status
	Message string // Asterisk's message
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("ari %s: %d %s", e.Op, e.Status, e.Message)
}

// IsNotFound reports whether err says the channel, playback or other object no
// longer exists (HTTP 404); for hangup and stop that means the work is done.
func IsNotFound(err error) bool {
	var ae *ActionError
	return errors.As(err, &ae) && ae.Status == 404
}

// EventType is the closed set of ARI events the engine acts on.
type EventType uint8

// The events the engine consumes. Adapters translate Asterisk's JSON events into
// these and drop (and count) the rest.
const (
	EventUnknown EventType = iota
	EventStasisStart
	EventStasisEnd
	EventChannelStateChange
	EventChannelDtmfReceived
	EventChannelHangupRequest
	EventChannelDestroyed
	EventPlaybackStarted
	EventPlaybackContinuing
	EventPlaybackFinished
	EventRecordingStarted
	EventRecordingFinished
	EventRecordingFailed
	EventDial
)

var eventTypeNames = [...]string{
	EventUnknown:              "Unknown",
	EventStasisStart:          "StasisStart",
	EventStasisEnd:            "StasisEnd",
	EventChannelStateChange:   "ChannelStateChange",
	EventChannelDtmfReceived:  "ChannelDtmfReceived",
	EventChannelHangupRequest: "ChannelHangupRequest",
	EventChannelDestroyed:     "ChannelDestroyed",
	EventPlaybackStarted:      "PlaybackStarted",
	EventPlaybackContinuing:   "PlaybackContinuing",
	EventPlaybackFinished:     "PlaybackFinished",
	EventRecordingStarted:     "RecordingStarted",
	EventRecordingFinished:    "RecordingFinished",
	EventRecordingFailed:      "RecordingFailed",
	EventDial:                 "Dial",
}

// String returns the ARI name of the event type.
func (t EventType) String() string {
	if int(t) < len(eventTypeNames) {
		return eventTypeNames[t]
	}
	return fmt.Sprintf("EventType(%d)", t)
}

// ParseEventType maps an ARI event name to its EventType, or EventUnknown.
func ParseEventType(name string) EventType {
	for i, n := range eventTypeNames {
		if n == name && i != int(EventUnknown) {
			return EventType(i)
		}
	}
	return EventUnknown
}

// Event is one ARI event, reduced to what the engine needs. Which fields are set
// depends on Type.
type Event struct {
	Type EventType
	Time time.Time // Asterisk's timestamp
	// Received is when the adapter read the event's frame; the engine times
	// the actions an event causes from it (Observer.ActionIssued). Zero
	// means when the engine handles it.
	Received    time.Time
	Application string // the Stasis app the event was delivered to
	ChannelID   string // the channel the event is about (playback events: from target_uri)
	PlaybackID  string // playback events
	// PlaybackState is "playing", "continuing", "done" or "failed".
	PlaybackState string
	MediaURI      string
	// RecordingName identifies recording events; ChannelID is taken from the
	// recording's target_uri.
	RecordingName string
	// DialStatus is a Dial event's status ("", RINGING, ANSWER, BUSY,
	// NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL...); ChannelID is the peer,
	// the channel being dialled.
	DialStatus string
	Digit      string // ChannelDtmfReceived
	Cause      int    // ChannelHangupRequest, ChannelDestroyed
	Args       []string
	Channel    ChannelInfo // StasisStart, ChannelStateChange
}

// ChannelInfo is the channel snapshot carried by StasisStart and state changes.
type ChannelInfo struct {
	Name         string
	State        string // "Ring", "Up", "Down", ...
	CallerName   string
	CallerNumber string
	Language     string
	Context      string
	Extension    string
	Priority     int
	// AppName and AppData are the dialplan application the channel is in,
	// e.g. "Stasis" and "hello-world,arg1" (GetChannel only).
	AppName string
	AppData string
}

// EventSink receives what an ARI connection delivers. The engine implements it;
// adapters call it from their read loop. HandleEvent must not block for long:
// the engine queues the event and returns.
type EventSink interface {
	// HandleEvent delivers one event.
	HandleEvent(ev *Event)
	// Connected is called after every (re)connect, once the adapter has
	// resynchronised: liveChannels are the channel ids Asterisk reports in
	// the application (GET /applications/{app}). The engine ends calls whose
	// channel is not among them.
	Connected(app string, liveChannels []string)
	// Disconnected is called when the event stream of app is lost.
	Disconnected(app string, err error)
}

func isStatus(err error, status int) bool {
	var ae *ActionError
	return errors.As(err, &ae) && ae.Status == status
}
