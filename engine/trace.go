package engine

import "time"

// TraceKind says what a TraceEvent records.
type TraceKind uint8

// Trace event kinds.
const (
	TraceStart   TraceKind = iota + 1 // the call entered its flow
	TraceStep                         // a step began
	TraceOutcome                      // a step ended with an outcome
	TraceLog                          // a log step wrote a line
	TraceLeave                        // the caller left (or the channel ended); on_hangup begins
	TraceError                        // an action failed or a guard fired
	TraceEnd                          // the call ended

	// Only with Config.TraceARI:
	TraceARIEvent // an ARI event reached the call; Detail describes it
	TraceAction   // the call issued a REST action; Detail is its name
	TraceResult   // the action in flight finished; Detail is "ok" or the error
)

var traceKindNames = [...]string{"", "start", "step", "outcome", "log", "leave", "error", "end", "event", "action", "result"}

func (k TraceKind) String() string {
	if int(k) < len(traceKindNames) {
		return traceKindNames[k]
	}
	return "unknown"
}

// TraceEvent is one thing a call did, for timelines and per-call traces.
type TraceEvent struct {
	Time   time.Time
	CallID string // the channel id
	Flow   string
	Kind   TraceKind
	Step   string // step label, for step and outcome events
	Detail string
}

// End reasons reported in CallSummary.Reason.
const (
	EndFlowHangup      = "flow_hangup"      // the flow hung up (a hangup step or the end of its steps)
	EndCallerHangup    = "caller_hangup"    // the caller hung up first
	EndTransferred     = "transferred"      // a transfer step sent the call back to the dialplan
	EndError           = "error"            // an action failed and the flow had no way on
	EndStepBudget      = "step_budget"      // the flow ran more steps than the budget allows
	EndMaxDuration     = "max_duration"     // the flow's max_duration elapsed
	EndChannelVanished = "channel_vanished" // Asterisk no longer had the channel after a reconnect
	EndPanic           = "panic"            // a bug in the engine; the call was ended cleanly
)

// CallSummary describes a call that ended.
type CallSummary struct {
	CallID      string
	Flow        string
	FlowVersion string
	Reason      string // one of the End* constants
	Started     time.Time
	Ended       time.Time
	Steps       int
	// Vars are the flow's variables when the call ended (the top flow's, if
	// it ended inside a sub-flow).
	Vars map[string]any
}
