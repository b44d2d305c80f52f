package schema

// The actions of the full step catalogue. Each type documents its YAML forms;
// defaults named here are applied by the engine when the field is zero.

// GatherAction collects DTMF digits with VoiceXML 2.0 (Appendix D) timing:
//
//	gather:
//	  prompt: [sound:enter-account]   # one media or a list; any key barges in
//	  min_digits: 1                   # default 1
//	  max_digits: 10                  # default 20; reaching it ends input at once
//	  terminator: "#"                 # default "#"; "" for none; not part of the digits
//	  timeout: 5s                     # first digit, counted from the end of the prompt; default 5s
//	  inter_digit_timeout: 3s         # between digits; default 3s
//	  overall_timeout: 30s            # whole input, from the end of the prompt; default none
//	  pattern: '^[0-9]{6}$'           # optional regular expression the digits must match
//	  valid: len(digits) == 6         # optional boolean expression over `digits`
//	  into: account                   # optional variable that receives the digits
//
// Outcomes: match (digits collected and valid), noinput (no digit before
// timeout), nomatch (too few digits, or pattern/valid rejected them). The
// digits land in `digits` in every case.
type GatherAction struct {
	Prompt            []Template
	MinDigits         int // 0: default 1
	MinDigitsPos      Pos
	MaxDigits         int // 0: default 20
	MaxDigitsPos      Pos
	Terminator        *string // nil: default "#"
	TerminatorPos     Pos
	Timeout           *Duration
	InterDigitTimeout *Duration
	OverallTimeout    *Duration
	Pattern           *String // a Go regular expression (RE2)
	Valid             *Expr
	Into              string
	IntoPos           Pos
}

// MenuAction plays a menu and jumps to the step of the key pressed, retrying
// on no input or a wrong key:
//
//	menu:
//	  prompt: [sound:press-1-sales, sound:press-2-support]
//	  options: {"1": sales, "2": support}   # key → step id
//	  attempts: 3                           # default 3
//	  timeout: 5s                           # wait for a key after the prompt; default 5s
//	  noinput_prompt: sound:are-you-still-there   # played before a retry after silence
//	  nomatch_prompt: sound:invalid-option        # played before a retry after a wrong key
//
// The key lands in `digits`. Outcome: exhausted (attempts ran out), which falls
// through to the next step when not handled.
type MenuAction struct {
	Prompt        []Template
	Options       []MenuOption // document order
	Attempts      int          // 0: default 3
	AttemptsPos   Pos
	Timeout       *Duration
	NoInputPrompt []Template
	NoMatchPrompt []Template
}

// MenuOption is one `key: step-id` of a menu.
type MenuOption struct {
	Key       string // one DTMF key: 0-9 * # A-D
	KeyPos    Pos
	Target    string
	TargetPos Pos
}

// SayAction reads a value out with Asterisk's built-in prompts:
//
//	say: {digits: "${account}"}        # one digit at a time
//	say: {number: "${balance}"}        # as a number: "forty-two"
//	say: {characters: "${code}"}       # letter by letter
//	say: {number: "42", language: fr, interrupt: "#"}
//
// Outcomes as play: done, interrupted, failed.
type SayAction struct {
	Kind         string // "digits", "number" or "characters"
	KindPos      Pos
	Value        Template
	Language     string
	LanguagePos  Pos
	Interrupt    string
	InterruptPos Pos
}

// SwitchAction branches on expressions: the first case whose when is true (or
// that has no when) is taken; none matching falls through to the next step.
//
//	switch:
//	  - when: tier == "gold"
//	    goto: priority
//	  - goto: standard
type SwitchAction struct {
	Cases []Branch
}

// UnsetAction resets variables to their initial value: `unset: [account, tries]`.
type UnsetAction struct {
	Names []String
}

// GetVarAction reads channel variables (dialplan functions too) into flow
// variables, which become strings; a variable Asterisk does not have reads as "":
//
//	get_var: {CALLERID(name): caller_name, SIP_HEADER(X-Account): account}
type GetVarAction struct {
	Vars []VarMapping // channel variable → flow variable
}

// SetVarAction sets channel variables from templates:
//
//	set_var: {ACCOUNT: "${account}", CDR(userfield): "vip"}
type SetVarAction struct {
	Vars []ChannelVarValue
}

// VarMapping maps a channel variable to a flow variable.
type VarMapping struct {
	Channel    string
	ChannelPos Pos
	Var        string
	VarPos     Pos
}

// ChannelVarValue is one channel variable and the template of its value.
type ChannelVarValue struct {
	Channel    string
	ChannelPos Pos
	Value      Template
}

// TransferAction hands the call back to the dialplan; the flow ends for the
// call (on_hangup runs) and the dialplan goes on from there:
//
//	transfer: {context: support, extension: "100", priority: 1}
//	transfer: {}    # the next priority after Stasis()
type TransferAction struct {
	Context     string
	Extension   string
	Priority    int // 0: Asterisk's default (1 when context or extension is set)
	PriorityPos Pos
	Label       string
}

// MOHAction starts or stops music on hold on the caller's channel:
//
//	moh: start            # the default class
//	moh: {class: jazz}    # start with a class
//	moh: stop
type MOHAction struct {
	Stop  bool
	Class string
}

// RingAction starts or stops ringing indication to the caller: `ring: start`,
// `ring: stop`.
type RingAction struct {
	Stop bool
}

// SendDTMFAction sends DTMF tones on the caller's channel:
//
//	send_dtmf: "123#"
//	send_dtmf: {digits: "${pin}", between: 100ms, duration: 100ms}
type SendDTMFAction struct {
	Digits   Template
	Between  *Duration
	Duration *Duration
}

// RecordAction records the caller:
//
//	record:
//	  name: "voicemail-${call.id}"   # default "flowrunner-<channel id>-<n>"
//	  format: wav                    # default wav
//	  max_duration: 60s              # default none
//	  max_silence: 5s                # default none
//	  beep: true                     # default false
//	  terminate_on: "#"              # none, any, *, # ; default "#"
//	  into: message                  # variable that receives the recording name
//
// Outcomes: done (stopped by the key, silence or max_duration), hangup (the
// caller hung up while recording; the recording is kept, `into` is set, and
// the call goes on to on_hangup — an `on: {hangup: id}` entry names the
// on_hangup step to start from), error (Asterisk refused or failed it).
type RecordAction struct {
	Name        *Template
	Format      string
	MaxDuration *Duration
	MaxSilence  *Duration
	Beep        bool
	TerminateOn *string // nil: default "#"
	Into        string
	IntoPos     Pos
}

// DialAction rings one or more endpoints and, when one answers, bridges it
// with the caller; the flow goes on when the callee hangs up:
//
//	dial:
//	  endpoints: [PJSIP/alice, PJSIP/bob]   # or endpoint: PJSIP/alice
//	  strategy: simultaneous                # or sequential; default simultaneous
//	  timeout: 20s                          # per endpoint when sequential; default 30s
//	  caller_id: "${caller.number}"         # default the caller's
//	  ringback: ring                        # ring (default), moh or none, while dialling
//
// Outcomes: answered (the callee answered, talked, and hung up), busy,
// noanswer, failed (unreachable, rejected or error). If the caller hangs up,
// on_hangup runs. The outbound legs and the bridge are always cleaned up.
type DialAction struct {
	Endpoints []Template
	Strategy  string
	Timeout   *Duration
	CallerID  *Template
	Ringback  string
}

// HTTPAction makes an HTTP request:
//
//	http:
//	  method: POST                            # default GET
//	  url: "https://crm.example/api/callers/${caller.number}"
//	  headers: {Authorization: "Bearer ${secrets.CRM_TOKEN}"}
//	  json: {caller: "${caller.number}", tries: "${tries}"}   # body; string leaves are templates
//	  timeout: 5s                             # per attempt; default 5s
//	  retries: 2                              # extra attempts on timeout, network error or 5xx; default 0
//	  backoff: 500ms                          # wait before the first retry, doubling; default 500ms
//	  into: {customer: body.name, vip: body.tier == "gold"}   # var ← expression over the response
//
// into expressions see `status` (int), `body` (the response as a JSON object;
// empty if it is not one), `body_list` (the response as a JSON array),
// `body_text` (the raw text) and `headers` (lower-case names).
//
// `secrets.NAME` reads the environment variable FLOWRUNNER_SECRET_NAME; it is
// usable in url and headers only and never logged. Responses over 1 MiB are an
// error. Outcomes: ok (2xx), error (non-2xx after retries, network error, bad
// JSON), timeout (the last attempt timed out).
type HTTPAction struct {
	Method  string
	URL     Template
	Headers []HTTPHeader
	// JSON is the request body as decoded from YAML, with Template leaves for
	// strings (nil when there is no body).
	JSON       any
	Timeout    *Duration
	Retries    int
	RetriesPos Pos
	Backoff    *Duration
	Into       []HTTPInto
}

// HTTPHeader is one request header; its value is a template.
type HTTPHeader struct {
	Name    string
	NamePos Pos
	Value   Template
}

// HTTPInto assigns one variable from the response.
type HTTPInto struct {
	Var    string
	VarPos Pos
	Expr   Expr
}

// CallAction runs another flow as a sub-flow and continues when it returns:
//
//	call:
//	  flow: lookup-caller                 # the name of another flow
//	  with: {number: caller.number}       # its variables to set first: expressions or literals, as in set
//	  into: {customer: name, vip: vip}    # this flow's variables ← the values its return step hands back
//
// The sub-flow runs with its own variables (its vars: defaults, then with),
// on the same call and channel; the caller's flow keeps its own. It returns
// with a return step, or by running off the end of its steps. Sub-flows may
// call further sub-flows, up to a depth of 8. If the caller hangs up, the
// calling flow's on_hangup runs; an action that fails in the sub-flow runs
// the sub-flow's on_error, or, without one, the calling flow's.
type CallAction struct {
	Flow    string
	FlowPos Pos
	With    []Assignment
	Into    []CallInto
}

// CallInto assigns one value a sub-flow returned to a variable of the caller.
type CallInto struct {
	Var    string // the caller's variable
	VarPos Pos
	Key    string // the name in the sub-flow's return
	KeyPos Pos
}

// ReturnAction ends a sub-flow and hands values back to the calling flow:
//
//	return: {name: customer_name, vip: tier == "gold"}
//	return: {}
//
// Values are expressions (strings) or literals, as in set. In a flow that was
// not called as a sub-flow, return ends the flow like running off the end of
// its steps (the call is hung up).
type ReturnAction struct {
	Values []Assignment
}
