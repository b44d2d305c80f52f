package schema

import (
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Document is one parsed flow file. It is produced by Parse, checked by Validate
// and compiled by engine.Compile; nothing else reads YAML. Every node carries the
// position it came from, so later stages report file:line:col.
type Document struct {
	File        string // the name given to Parse, used in diagnostics
	Pos         Pos    // the root mapping
	Name        String
	Description string
	Vars        []Var // declaration order
	Steps       []*Step
	OnHangup    []*Step
	OnError     []*Step
	MaxDuration *Duration // nil when absent

	// root is the YAML mapping Parse decoded the document from; Validate checks
	// it against the JSON Schema and maps schema errors back to its nodes. It is
	// nil for a Document built in Go, which gets only the semantic checks.
	root *yaml.Node
	// dups holds the key nodes of repeated mapping keys, which Parse reports;
	// the decoder and the schema see only the first occurrence of a key.
	dups map[*yaml.Node]bool
}

// Section names the list of steps a step belongs to.
type Section string

// The step lists of a flow.
const (
	SectionSteps    Section = "steps"
	SectionOnHangup Section = "on_hangup"
	SectionOnError  Section = "on_error"
)

// Sections returns the document's step lists in document order, each with its name.
func (d *Document) Sections() []StepList {
	return []StepList{
		{SectionSteps, d.Steps},
		{SectionOnHangup, d.OnHangup},
		{SectionOnError, d.OnError},
	}
}

// StepList is one named list of steps.
type StepList struct {
	Section Section
	Steps   []*Step
}

// String is a scalar string with its position.
type String struct {
	Value string
	Pos   Pos
}

// Duration is a Go-style duration ("500ms", "5s", "2m") with its source text.
type Duration struct {
	D   time.Duration
	Src string
	Pos Pos
}

// Expr is an expr-lang expression (a `when:` condition, a `set:` value). Pos is the
// position of the expression's first character in the file; Col is exact for plain
// and quoted single-line scalars.
type Expr struct {
	Src string
	Pos Pos
}

// Template is a string that may hold `${expr}` interpolations, e.g. a media URI
// "sound:${lang}/hello" or a log message.
type Template struct {
	Src string
	Pos Pos
}

// Var is a flow variable declared under `vars:`, with its initial value as decoded
// from YAML (string, int, float64, bool, nil, []any or map[string]any).
type Var struct {
	Name     string
	Value    any
	Pos      Pos // the key
	ValuePos Pos
}

// Step is one entry of a step list: exactly one action plus the common keys
// `id`, `next` and `on`.
type Step struct {
	Pos     Pos     // the step's mapping
	Section Section // which list the step is in
	Index   int     // 0-based position in that list

	ID    string // optional; unique within the flow
	IDPos Pos

	Action    string // the action key: "answer", "play", ...
	ActionPos Pos

	// Exactly one of these is set, matching Action.
	Answer *AnswerAction
	Play   *PlayAction
	Wait   *WaitAction
	Hangup *HangupAction
	Set    *SetAction
	Log    *LogAction
	Goto   *GotoAction

	Gather   *GatherAction
	Menu     *MenuAction
	Say      *SayAction
	Switch   *SwitchAction
	Unset    *UnsetAction
	GetVar   *GetVarAction
	SetVar   *SetVarAction
	Transfer *TransferAction
	MOH      *MOHAction
	Ring     *RingAction
	SendDTMF *SendDTMFAction
	Record   *RecordAction
	Dial     *DialAction
	HTTP     *HTTPAction
	Call     *CallAction
	Return   *ReturnAction

	// Next is where to go when the step is done: branches tried in order, the
	// first whose When is nil or true wins; none matching falls through to the
	// following step. `next: id` is one unconditional branch.
	Next    []Branch
	NextPos Pos

	// On maps the step's outcomes (e.g. play: done, interrupted, failed) to
	// branches, in document order. An outcome without an entry continues with
	// Next, then with the following step.
	On    []Outcome
	OnPos Pos
}

// Label names the step in diagnostics and logs: its id in quotes, or its list,
// position and action when it has no id, e.g. `#3 (play)` or `on_hangup#1 (log)`.
func (s *Step) Label() string {
	if s.ID != "" {
		return `"` + s.ID + `"`
	}
	prefix := "#"
	if s.Section != SectionSteps && s.Section != "" {
		prefix = string(s.Section) + "#"
	}
	if s.Action == "" {
		return prefix + itoa(s.Index+1)
	}
	return prefix + itoa(s.Index+1) + " (" + s.Action + ")"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Branch is one conditional jump: `{when: expr, goto: id}`. A nil When always matches.
type Branch struct {
	Pos     Pos
	When    *Expr
	Goto    string
	GotoPos Pos
}

// Outcome routes one named outcome of a step.
type Outcome struct {
	Name     string
	Pos      Pos
	Branches []Branch
}

// AnswerAction answers the channel: `answer: {}`.
type AnswerAction struct{}

// PlayAction plays one or more media in order:
//
//	play: sound:hello-world
//	play: [sound:press-1, sound:for-sales]
//	play: {media: [sound:menu], interrupt: "#*0123456789"}
type PlayAction struct {
	Media []Template
	// Interrupt lists the DTMF keys that stop the playback (outcome
	// "interrupted"; the key lands in `digits`). Empty means not interruptible.
	Interrupt    string
	InterruptPos Pos
	// Timeout bounds the wait for the playback to finish; nil means the engine
	// default. It guards against Asterisk never sending PlaybackFinished.
	Timeout *Duration
}

// WaitAction pauses the flow: `wait: 1s`.
type WaitAction struct {
	Duration Duration
}

// HangupAction hangs up the channel: `hangup: {}` or `hangup: {reason: busy}`.
type HangupAction struct {
	Reason    string // an ARI hangup reason; "" means normal
	ReasonPos Pos
}

// SetAction assigns variables in order: `set: {tries: tries + 1}`. String values
// are expressions; other YAML values (numbers, booleans, lists, maps) are literals.
type SetAction struct {
	Assignments []Assignment
}

// Assignment is one `name: value` of a set action.
type Assignment struct {
	Name    string
	NamePos Pos
	// Expr is set when the value is a YAML string: an expression.
	Expr *Expr
	// Literal is the value when it is not a string.
	Literal any
}

// LogAction writes a line to the call's log: `log: "caller ${caller.number}"` or
// `log: {message: "...", level: warn}`.
type LogAction struct {
	Message  Template
	Level    string // debug, info (default), warn, error
	LevelPos Pos
}

// GotoAction jumps to a step by id: `goto: menu`.
type GotoAction struct {
	Target    string
	TargetPos Pos
}
