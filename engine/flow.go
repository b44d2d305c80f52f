package engine

import (
	"log/slog"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/flowrunner/flowrunner/schema"
)

// Flow is a compiled flow: immutable once Compile returns, shared by every call
// that runs it, and safe for concurrent use. A call holds only its position,
// variables, timers and pending operations.
type Flow struct {
	Name        string
	Description string
	File        string
	Version     string // content hash of the source file
	MaxDuration time.Duration

	states   []*state
	entry    int // first state of steps, or -1
	onHangup int // first state of on_hangup, or -1
	onError  int // first state of on_error, or -1
	vars     map[string]any
	calls    []CallRef
}

// Steps returns the number of compiled steps in all sections.
func (f *Flow) Steps() int { return len(f.states) }

type stepKind uint8

const (
	kindAnswer stepKind = iota + 1
	kindPlay
	kindWait
	kindHangup
	kindSet
	kindLog
	kindGoto
	kindGather   // gather and menu
	kindSwitch   // switch
	kindUnset    // unset
	kindGetVar   // get_var
	kindSetVar   // set_var
	kindTransfer // transfer
	kindMOH      // moh
	kindRing     // ring
	kindSendDTMF // send_dtmf
	kindRecord   // record
	kindHTTP     // http
	kindDial     // dial
	kindCall     // call
	kindReturn   // return
)

// outcome is a step's typed result.
type outcome uint8

const (
	outcomeNone outcome = iota // the step finished in its only way
	outcomeDone
	outcomeInterrupted
	outcomeFailed
	outcomeMatch
	outcomeNoInput
	outcomeNoMatch
	outcomeExhausted
	outcomeHangup
	outcomeError
	outcomeOK
	outcomeTimeout
	outcomeAnswered
	outcomeBusy
	outcomeNoAnswer
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"", "done", "interrupted", "failed",
	"match", "noinput", "nomatch", "exhausted", "hangup", "error", "ok", "timeout",
	"answered", "busy", "noanswer"}

func (o outcome) String() string { return outcomeNames[o] }

func parseOutcome(name string) (outcome, bool) {
	for i, n := range outcomeNames {
		if n == name && i != 0 {
			return outcome(i), true
		}
	}
	return 0, false
}

// state is one compiled step.
type state struct {
	index   int
	label   string
	id      string
	kind    stepKind
	action  string // the action's name in the flow file, e.g. "say"
	section schema.Section
	pos     schema.Pos

	// follow is the state that runs when no branch applies: the next step of
	// the same section, or -1 at the end of the section.
	follow int
	next   []branch
	on     [numOutcomes][]branch

	// Action data; which fields are used depends on kind.
	media       []template // play, say
	language    string     // play (say)
	interrupt   string
	playTimeout time.Duration
	wait        time.Duration
	reason      string
	assigns     []assign
	message     template
	level       slog.Level
	target      int            // kindGoto
	cases       []branch       // kindSwitch
	names       []string       // kindUnset
	chanVars    []chanVar      // kindGetVar, kindSetVar
	dialplan    DialplanTarget // kindTransfer
	stop        bool           // kindMOH, kindRing
	class       string         // kindMOH
	dtmf        dtmfSpec       // kindSendDTMF
	gather      *gatherSpec    // kindGather
	record      *recordSpec    // kindRecord
	http        *httpSpec      // kindHTTP
	dial        *dialSpec      // kindDial
	call        *callSpec      // kindCall
}

// chanVar is one channel variable of get_var (into var) or set_var (value).
type chanVar struct {
	channel string
	varName string   // get_var
	value   template // set_var
}

type dtmfSpec struct {
	digits            template
	between, duration time.Duration
}

// branch is a compiled `{when, goto}`; a nil when always matches.
type branch struct {
	when   *vm.Program
	target int
}

// assign is one compiled `name: value` of a set step.
type assign struct {
	name    string
	program *vm.Program // nil for a literal
	literal any
}

// template is a string with `${expr}` parts, compiled.
type template struct {
	src   string
	parts []templatePart
}

type templatePart struct {
	text    string
	program *vm.Program // nil for a text part
}

func (t *template) constant() bool {
	return len(t.parts) <= 1 && (len(t.parts) == 0 || t.parts[0].program == nil)
}
