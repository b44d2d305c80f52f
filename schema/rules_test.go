package schema

import (
	"slices"
	"strings"
	"testing"
)

// TestRules runs small flows through Parse and Validate and compares every
// diagnostic, rendered without the file name.
func TestRules(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{
			name: "loop that waits is fine",
			src:  "name: x\nsteps:\n  - id: a\n    wait: 1s\n    next: a\n",
		},
		{
			name: "loop through a conditional branch",
			src:  "name: x\nvars: {n: 0}\nsteps:\n  - id: a\n    set: {n: n + 1}\n    next: [{when: n < 3, goto: a}]\n  - hangup: {}\n",
			want: []string{`4:5: flow "x" step "a": warning: loop with no step that waits ("a"); the step budget will end it`},
		},
		{
			name: "goto itself",
			src:  "name: x\nsteps:\n  - id: a\n    goto: a\n",
			want: []string{`3:5: flow "x" step "a": warning: loop with no step that waits ("a"); the step budget will end it`},
		},
		{
			name: "every outcome handled: nothing falls through",
			src: "name: x\nsteps:\n  - id: a\n    play: {media: sound:x, interrupt: '#'}\n" +
				"    on: {done: a, interrupted: a, failed: a}\n  - hangup: {}\n",
			want: []string{`6:5: flow "x" step #2 (hangup): warning: unreachable step: no goto, next or on leads here, and the step above never continues to it`},
		},
		{
			name: "conditional next falls through",
			src:  "name: x\nsteps:\n  - play: sound:x\n    next: [{when: digits == '1', goto: b}]\n  - wait: 1s\n  - id: b\n    hangup: {}\n",
		},
		{
			name: "on_hangup and on_error are entry points",
			src:  "name: x\nsteps:\n  - hangup: {}\non_hangup:\n  - log: bye\non_error:\n  - log: oops\n",
		},
		{
			name: "jump into on_hangup",
			src:  "name: x\nsteps:\n  - goto: h\non_hangup:\n  - id: h\n    log: bye\n",
			want: []string{`3:11: flow "x" step #1 (goto): goto "h": that step is in on_hangup, which runs only when the caller hangs up`},
		},
		{
			name: "on_error may jump back",
			src:  "name: x\nsteps:\n  - id: top\n    play: sound:x\non_error:\n  - goto: top\n",
		},
		{
			name: "next after goto and hangup",
			src:  "name: x\nsteps:\n  - id: a\n    goto: b\n    next: a\n  - id: b\n    hangup: {}\n    next: a\n",
			want: []string{
				`5:5: flow "x" step "a": "next" is never used: goto always jumps to its target`,
				`8:5: flow "x" step "b": "next" is never used: hangup ends the flow`,
			},
		},
		{
			name: "interrupted without interrupt keys",
			src:  "name: x\nsteps:\n  - play: sound:x\n    on: {interrupted: a}\n  - id: a\n    hangup: {}\n",
			want: []string{`4:10: flow "x" step #1 (play): warning: "interrupted" never happens: the play has no interrupt keys (add interrupt: "#", for example)`},
		},
		{
			name: "misspelt settings and values",
			src:  "name: x\nsteps:\n  - log: {message: hi, level: wran}\n  - play: {media: sound:x, interrupt: 'x'}\n  - hangup: {reasn: busy}\n",
			want: []string{
				`3:31: flow "x" step #1 (log): log level "wran" is not valid; did you mean "warn"? (valid: debug, info, warn, error)`,
				`4:40: flow "x" step #2 (play): "interrupt" takes DTMF keys (0-9, *, #, A-D), not "x"`,
				`5:14: flow "x" step #3 (hangup): unknown key "reasn" in hangup; did you mean "reason"?`,
			},
		},
		{
			name: "missing keys and empty lists",
			src:  "name: x\nsteps: []\non_error:\n  - play: {interrupt: '#'}\n  - set: {}\n  - goto: Bad\n",
			want: []string{
				`2:8: flow "x": "steps" is empty; give it at least one step`,
				`4:11: flow "x" step on_error#1 (play): play has no "media": say what to play`,
				`5:10: flow "x" step on_error#2 (set): "set" sets nothing; give it variable: value pairs`,
				`6:11: flow "x" step on_error#3 (goto): "Bad" is not a valid step id: use lowercase letters, digits, _ and -, starting with a letter`,
			},
		},
		{
			name: "menu options are jumps; a key may be a bare number",
			src: "name: x\nsteps:\n  - id: m\n    menu: {prompt: sound:x, options: {1: a, '#': m}}\n    on: {exhausted: b}\n" +
				"  - id: a\n    hangup: {}\n  - id: b\n    hangup: {}\n",
		},
		{
			name: "steps that take time pace a loop",
			src: "name: x\nsteps:\n  - id: a\n    gather: {}\n  - menu: {prompt: sound:x, options: {'1': a}}\n" +
				"  - say: {digits: '1'}\n  - record: {}\n  - dial: {endpoint: PJSIP/a}\n  - http: {url: 'https://x'}\n    next: a\n",
		},
		{
			name: "channel steps do not pace a loop",
			src:  "name: x\nsteps:\n  - id: a\n    moh: start\n  - ring: start\n  - send_dtmf: '1'\n  - set_var: {A: b}\n    next: a\n",
			want: []string{`3:5: flow "x" step "a": warning: loop with no step that waits ("a" → #2 (ring) → #3 (send_dtmf) → #4 (set_var)); the step budget will end it`},
		},
		{
			name: "transfer ends the flow",
			src:  "name: x\nsteps:\n  - transfer: {}\n  - log: x\n",
			want: []string{`4:5: flow "x" step #2 (log): warning: unreachable step: no goto, next or on leads here, and the step above never continues to it`},
		},
		{
			name: "a record's hangup outcome never continues below it",
			src: "name: x\nsteps:\n  - id: a\n    record: {}\n    on: {done: a, error: a}\n  - log: x\n" +
				"on_hangup:\n  - id: h\n    log: bye\n",
			want: []string{`6:5: flow "x" step #2 (log): warning: unreachable step: no goto, next or on leads here, and the step above never continues to it`},
		},
		{
			name: "a switch with a default case does not fall through",
			src:  "name: x\nsteps:\n  - switch: [{when: 'true', goto: a}, {goto: a}]\n  - log: x\n  - id: a\n    hangup: {}\n",
			want: []string{`4:5: flow "x" step #2 (log): warning: unreachable step: no goto, next or on leads here, and the step above never continues to it`},
		},
		{
			name: "variables assigned by any step can be unset",
			src: "name: x\nvars: {a: 1}\nsteps:\n  - gather: {into: b}\n  - get_var: {X: c}\n  - http: {url: 'https://x', into: {d: status}}\n" +
				"  - record: {into: e}\n  - set: {f: 1}\n  - call: {flow: y, into: {g: v}}\n  - unset: [a, b, c, d, e, f, g]\n",
		},
		{
			name: "a call takes time: a loop through it is paced",
			src:  "name: x\nsteps:\n  - id: a\n    call: {flow: y}\n    next: a\n",
		},
		{
			name: "return ends the step list",
			src:  "name: x\nsteps:\n  - return: {}\n  - log: x\n",
			want: []string{`4:5: flow "x" step #2 (log): warning: unreachable step: no goto, next or on leads here, and the step above never continues to it`},
		},
		{
			name: "return takes no next and no on; call has no outcomes",
			src:  "name: x\nsteps:\n  - id: a\n    call: {flow: y}\n    on: {done: a}\n  - return: {v: 1}\n    next: a\n    on: {done: a}\n",
			want: []string{
				`5:10: flow "x" step "a": "call" has no outcomes, so "done" never happens: the flow goes on when the sub-flow returns (use next to say where), and an action that fails in it runs on_error`,
				`7:5: flow "x" step #2 (return): "next" is never used: return goes back to the flow that called this one (in a flow that was not called, it hangs up)`,
				`8:10: flow "x" step #2 (return): "return" has no outcomes, so "done" never happens: return goes back to the flow that called this one (in a flow that was not called, it hangs up)`,
			},
		},
		{
			name: "a flow cannot call itself",
			src:  "name: x\nsteps:\n  - call: {flow: x}\n  - call: {flow: X}\n",
			want: []string{`3:18: flow "x" step #1 (call): call "x": a flow cannot call itself; use goto to run its steps again`},
		},
		{
			name: "names in call and return",
			src: "name: x\nsteps:\n  - call: {flow: 'a b', with: {now: 1, 2x: 2}, into: {caller: v, ok: 2y, ok2: digits, ok3: 4}}\n" +
				"  - return: {args: 1, ok: 2}\n",
			want: []string{
				`3:19: flow "x" step #1 (call): flow name "a b" is not valid: use letters, digits, ., _ and -, starting with a letter or digit`,
				`3:32: flow "x" step #1 (call): variable "now" clashes with a name every expression already has (args, call, caller, channel, digits, now, vars); rename it`,
				`3:40: flow "x" step #1 (call): "2x" is not a valid variable name: use letters, digits and _, not starting with a digit`,
				`3:55: flow "x" step #1 (call): variable "caller" clashes with a name every expression already has (args, call, caller, channel, digits, now, vars); rename it`,
				`3:70: flow "x" step #1 (call): "2y" is never returned: return names are like variable names (letters, digits and _, not starting with a digit)`,
				`3:79: flow "x" step #1 (call): "digits" is never returned: return cannot use the names every expression already has (args, call, caller, channel, digits, now, vars)`,
				`3:92: flow "x" step #1 (call): "ok3" needs the name of a value the sub-flow returns, not 4`,
				`4:14: flow "x" step #2 (return): variable "args" clashes with a name every expression already has (args, call, caller, channel, digits, now, vars); rename it`,
			},
		},
		{
			name: "call and return shapes",
			src:  "name: x\nsteps:\n  - call: lookup\n  - call: {with: {}, into: {}, flow: y, on: 1}\n  - return: customer\n",
			want: []string{
				`3:11: flow "x" step #1 (call): "call" takes a mapping of settings, e.g. call: {flow: lookup-caller, with: {number: caller.number}}; not "lookup"`,
				`4:18: flow "x" step #2 (call): "with" sets nothing; give the sub-flow's variables, e.g. with: {number: caller.number}, or remove it`,
				`4:28: flow "x" step #2 (call): "into" assigns nothing; give variable: returned name pairs, e.g. into: {customer: name}, or remove it`,
				`4:41: flow "x" step #2 (call): unknown key "on" in call; expected flow, into or with`,
				`5:13: flow "x" step #3 (return): "return" takes a mapping of name: value, e.g. return: {customer: name}, or return: {} to hand nothing back; not "customer"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parseAll(tt.src)
			var got []string
			for _, d := range diags {
				got = append(got, strings.TrimPrefix(d.Error(), "f.yaml:"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestValidateDocumentBuiltInGo checks the rules without a YAML tree: a
// Document assembled in Go gets every semantic check.
func TestValidateDocumentBuiltInGo(t *testing.T) {
	doc := &Document{
		File: "go.yaml",
		Name: String{Value: "built"},
		Vars: []Var{{Name: "now", Pos: Pos{2, 1}}},
		Steps: []*Step{
			{Index: 0, Section: SectionSteps, Pos: Pos{4, 3}, Action: "play",
				Play: &PlayAction{Media: []Template{{Src: "hello", Pos: Pos{4, 9}}}}},
			{Index: 1, Section: SectionSteps, Pos: Pos{5, 3}, Action: "goto", Goto: &GotoAction{Target: "nowhere", TargetPos: Pos{5, 9}}},
			{Index: 2, Section: SectionSteps, Pos: Pos{6, 3}},
		},
	}
	var got []string
	for _, d := range Validate(doc) {
		got = append(got, d.Error())
	}
	want := []string{
		`go.yaml:2:1: flow "built": variable "now" clashes with a name every expression already has (args, call, caller, channel, digits, now, vars); rename it`,
		`go.yaml:4:9: flow "built" step #1 (play): media "hello" must start with sound:, digits:, number:, characters:, tone: or recording:`,
		`go.yaml:5:9: flow "built" step #2 (goto): goto "nowhere": no step has this id`,
		`go.yaml:6:3: flow "built" step #3: step has no action; give it one of ` + strings.Join(ActionNames(), ", "),
		`go.yaml:6:3: flow "built" step #3: warning: unreachable step: no goto, next or on leads here, and the step above never continues to it`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if Validate(nil) != nil {
		t.Error("Validate(nil) reported something")
	}
}

// TestValidateCatalogueBuiltInGo checks the catalogue's rules on a Document
// assembled in Go, where the schema does not run.
func TestValidateCatalogueBuiltInGo(t *testing.T) {
	at := func(line int) Pos { return Pos{Line: line, Col: 5} }
	term := "xx"
	steps := []*Step{
		{Action: "gather", Gather: &GatherAction{MinDigits: 5, MinDigitsPos: at(1), MaxDigits: 3, MaxDigitsPos: at(2),
			Terminator: &term, TerminatorPos: at(3), Pattern: &String{Value: "(", Pos: at(4)}}},
		{Action: "menu", ActionPos: at(5), Menu: &MenuAction{Prompt: []Template{{Src: "sound:x"}}}},
		{Action: "say", ActionPos: at(6), Say: &SayAction{}},
		{Action: "dial", ActionPos: at(7), Dial: &DialAction{Strategy: "roundrobin"}},
		{Action: "http", ActionPos: at(8), HTTP: &HTTPAction{Method: "FETCH", URL: Template{Src: "x", Pos: at(9)}}},
		{Action: "record", ActionPos: at(10), Record: &RecordAction{Format: "mp3"}},
		{Action: "unset", Unset: &UnsetAction{Names: []String{{Value: "nope", Pos: at(11)}}}},
		{Action: "transfer", Transfer: &TransferAction{}, Next: []Branch{{Goto: "x"}}, NextPos: at(12)},
		{Action: "call", ActionPos: at(13), Call: &CallAction{Into: []CallInto{{Var: "v", Key: "now", KeyPos: at(14)}}}},
		{Action: "call", Call: &CallAction{Flow: "built", FlowPos: at(15)}},
		{Action: "return", Return: &ReturnAction{}, Next: []Branch{{Goto: "x"}}, NextPos: at(16)},
	}
	for i, st := range steps {
		st.Section, st.Index, st.Pos = SectionSteps, i, Pos{Line: 20 + i, Col: 3}
	}
	var got []string
	for _, d := range Validate(&Document{File: "go.yaml", Name: String{Value: "built"}, Steps: steps}) {
		if d.Severity == SeverityError {
			got = append(got, d.Pos.String()+": "+d.Msg)
		}
	}
	want := []string{
		`0:0: goto "x": no step has this id`,
		`2:5: "max_digits" (3) is less than "min_digits" (5)`,
		`3:5: "terminator" is one DTMF key (0-9, *, #, A-D), or "" for none; not "xx"`,
		"4:5: \"pattern\" is not a valid regular expression: missing closing ): `(`",
		`5:5: menu has no "options": map each key to a step id, e.g. options: {"1": sales}`,
		`6:5: say has nothing to read: give one of digits, number or characters`,
		`7:5: dial has nothing to ring: give endpoint: PJSIP/alice, or endpoints: [PJSIP/alice, PJSIP/bob]`,
		`7:5: strategy "roundrobin" is not valid; use simultaneous or sequential`,
		`8:5: method "FETCH" is not valid; did you mean "PATCH"? (valid: GET, POST, PUT, PATCH, DELETE, HEAD)`,
		`9:5: url "x" must start with http:// or https:// (or with a ${...} that yields one)`,
		`10:5: record format "mp3" is not valid; use wav, gsm, ulaw, alaw, sln, g722, g729 or ogg`,
		`11:5: unset "nope": no such variable (declare it in vars, or assign it with set, get_var or a step's into)`,
		`12:5: "next" is never used: transfer ends the flow; the dialplan goes on from there`,
		`13:5: call has no "flow": name the flow to run, e.g. flow: lookup-caller`,
		`14:5: "now" is never returned: return cannot use the names every expression already has (args, call, caller, channel, digits, now, vars)`,
		`15:5: call "built": a flow cannot call itself; use goto to run its steps again`,
		`16:5: "next" is never used: return goes back to the flow that called this one (in a flow that was not called, it hangs up)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestClosest(t *testing.T) {
	options := []string{"answer", "play", "wait", "hangup", "interrupt", "menu"}
	for word, want := range map[string]string{
		"plya": "play", "Play": "play", "interupt": "interrupt", "mneu": "menu",
		"wiat": "wait", "xyz": "", "hangups": "hangup", "p": "",
	} {
		if got := closest(word, options); got != want {
			t.Errorf("closest(%q) = %q, want %q", word, got, want)
		}
	}
}
