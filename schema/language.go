package schema

import (
	"slices"

	yaml "go.yaml.in/yaml/v3"
)

// The facts of the flow language that both the decoder and the semantic checks
// use. flow.schema.json states the same facts for editors; TestSchemaMatchesDecoder
// keeps the two in step.

// ReservedNames are the names every expression already has; a flow may not use
// them for its variables. This and the lists below are read-only.
var ReservedNames = []string{"args", "call", "caller", "channel", "digits", "now", "vars"}

// HangupReasons are the hangup causes ARI accepts (DELETE /channels/{id}?reason=).
var HangupReasons = []string{
	"normal", "busy", "congestion", "no_answer", "timeout", "rejected", "unallocated",
	"normal_unspecified", "number_incomplete", "codec_mismatch", "interworking",
	"failure", "answered_elsewhere",
}

// MediaSchemes are the URI schemes of media Asterisk can play.
var MediaSchemes = []string{"sound", "digits", "number", "characters", "tone", "recording"}

// SayKinds are the ways a say step reads a value out, each a key of say.
var SayKinds = []string{"digits", "number", "characters"}

// HTTPMethods are the methods an http step may use.
var HTTPMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}

// RecordFormats are the file formats a record step may use.
var RecordFormats = []string{"wav", "gsm", "ulaw", "alaw", "sln", "g722", "g729", "ogg"}

// TerminateKeys are the values of a record step's terminate_on.
var TerminateKeys = []string{"none", "any", "*", "#"}

// DialStrategies are how a dial step rings several endpoints.
var DialStrategies = []string{"simultaneous", "sequential"}

// Ringbacks are what the caller hears while a dial step rings.
var Ringbacks = []string{"ring", "moh", "none"}

// LogLevels are the levels a log step may use.
var LogLevels = []string{"debug", "info", "warn", "error"}

// actionSpec describes one action key of a step.
type actionSpec struct {
	name string
	// decode fills the step's action from the value node, leniently: shapes
	// the schema rejects are skipped, and Validate reports them.
	decode func(d *decoder, st *Step, val *yaml.Node)
	// outcomes are the names `on:` accepts, in the order messages list them.
	outcomes []string
	// waits is true for actions that take time, so a loop through one of them
	// is paced rather than busy.
	waits bool
	// ends is true for actions after which the flow never falls through to
	// the following step: `next` on them is an error, and they take no `on`.
	ends bool
}

// actions is the table of step actions, in the order messages list them. It is
// an explicit value, not an init-time registry.
var actions = []actionSpec{
	{name: "answer", decode: decodeAnswer},
	{name: "play", decode: decodePlay, outcomes: []string{"done", "interrupted", "failed"}, waits: true},
	{name: "wait", decode: decodeWait, waits: true},
	{name: "hangup", decode: decodeHangup, ends: true},
	{name: "set", decode: decodeSet},
	{name: "log", decode: decodeLog},
	{name: "goto", decode: decodeGoto, ends: true},
	{name: "gather", decode: decodeGather, outcomes: []string{"match", "noinput", "nomatch"}, waits: true},
	{name: "menu", decode: decodeMenu, outcomes: []string{"exhausted"}, waits: true},
	{name: "say", decode: decodeSay, outcomes: []string{"done", "interrupted", "failed"}, waits: true},
	{name: "switch", decode: decodeSwitch},
	{name: "unset", decode: decodeUnset},
	{name: "get_var", decode: decodeGetVar},
	{name: "set_var", decode: decodeSetVar},
	{name: "transfer", decode: decodeTransfer, ends: true},
	{name: "moh", decode: decodeMOH},
	{name: "ring", decode: decodeRing},
	{name: "send_dtmf", decode: decodeSendDTMF},
	{name: "http", decode: decodeHTTP, outcomes: []string{"ok", "error", "timeout"}, waits: true},
	{name: "record", decode: decodeRecord, outcomes: []string{"done", "hangup", "error"}, waits: true},
	{name: "dial", decode: decodeDial, outcomes: []string{"answered", "busy", "noanswer", "failed"}, waits: true},
	{name: "call", decode: decodeCall, waits: true},
	{name: "return", decode: decodeReturn, ends: true},
}

// action returns the spec of the named action.
func action(name string) (actionSpec, bool) {
	for _, a := range actions {
		if a.name == name {
			return a, true
		}
	}
	return actionSpec{}, false
}

// ActionNames returns the action keys a step may have, in catalogue order.
func ActionNames() []string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.name
	}
	return names
}

// Outcomes returns the outcome names an action accepts under `on:`; nil for an
// action without outcomes or an unknown action.
func Outcomes(action string) []string {
	for _, a := range actions {
		if a.name == action {
			return slices.Clone(a.outcomes)
		}
	}
	return nil
}
