package schema

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// rawSchema returns flow.schema.json as plain JSON values.
func rawSchema(t *testing.T) (root, defs map[string]any) {
	t.Helper()
	if err := json.Unmarshal(FlowSchemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	return root, root["$defs"].(map[string]any)
}

func propertyNames(s map[string]any) []string {
	props, _ := s["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestSchemaMatchesDecoder keeps flow.schema.json and the Go side of the
// language in step: the keys of every object, the actions and their outcomes,
// and the lists and patterns both state.
func TestSchemaMatchesDecoder(t *testing.T) {
	root, defs := rawSchema(t)
	def := func(name string) map[string]any {
		if name == "flow" {
			return root
		}
		d, ok := defs[name].(map[string]any)
		if !ok {
			t.Fatalf("no $defs/%s", name)
		}
		return d
	}

	// Every object with keys, and the decoder's table for it.
	objects := []string{"flow", "step", "playOptions", "hangup", "logOptions", "branch", "answer",
		"gather", "menu", "say", "transfer", "mohOptions", "sendDtmfOptions", "http", "record", "dial", "call"}
	for _, name := range objects {
		got, want := sortedCopy(keysOf(name)), propertyNames(def(name))
		if !slices.Equal(got, want) {
			t.Errorf("%s: decoder knows %v, schema has %v", name, got, want)
		}
	}
	for name, d := range defs {
		if _, ok := d.(map[string]any)["properties"]; ok && !slices.Contains(objects, name) && !strings.HasSuffix(name, "Outcomes") {
			t.Errorf("$defs/%s has properties the test does not compare with a decoder table", name)
		}
	}

	// Actions: one anyOf entry (at least one action) and one dependentSchemas
	// entry each, which sets the action's outcomes and rules out every other
	// action (at most one).
	step := def("step")
	var anyOf []string
	for _, alt := range step["anyOf"].([]any) {
		anyOf = append(anyOf, strs(alt.(map[string]any)["required"])...)
	}
	if !slices.Equal(anyOf, ActionNames()) {
		t.Errorf("step anyOf requires %v, actions are %v", anyOf, ActionNames())
	}
	deps := step["dependentSchemas"].(map[string]any)
	if got := slices.Sorted(maps.Keys(deps)); !slices.Equal(got, sortedCopy(ActionNames())) {
		t.Errorf("step dependentSchemas has %v, actions are %v", got, ActionNames())
	}
	for name, d := range deps {
		props := d.(map[string]any)["properties"].(map[string]any)
		ref := props["on"].(map[string]any)["$ref"].(string)
		outcomes := propertyNames(def(strings.TrimPrefix(ref, "#/$defs/")))
		if want := sortedCopy(Outcomes(name)); !slices.Equal(outcomes, want) {
			t.Errorf("%s: schema outcomes %v (%s), decoder %v", name, outcomes, ref, want)
		}
		var others []string
		for k, v := range props {
			if k == "on" {
				continue
			}
			if v != false {
				t.Errorf("dependentSchemas/%s/properties/%s is %v, not false", name, k, v)
			}
			others = append(others, k)
		}
		want := slices.DeleteFunc(sortedCopy(ActionNames()), func(s string) bool { return s == name })
		if slices.Sort(others); !slices.Equal(others, want) {
			t.Errorf("dependentSchemas/%s rules out %v, not every other action %v", name, others, want)
		}
		if len(d.(map[string]any)) != 1 {
			t.Errorf("dependentSchemas/%s has more than properties", name)
		}
	}
	for _, a := range actions {
		if _, ok := defs[a.name]; !ok {
			t.Errorf("action %s has no $defs/%s", a.name, a.name)
		}
	}

	// Lists and patterns stated twice.
	prop := func(d, p string) map[string]any {
		return def(d)["properties"].(map[string]any)[p].(map[string]any)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"reserved names", strs(def("varName")["not"].(map[string]any)["enum"]), ReservedNames},
		{"reserved return names", strs(def("returnName")["not"].(map[string]any)["enum"]), ReservedNames},
		{"return name pattern", def("returnName")["pattern"], varNameRE.String()},
		{"flow name pattern", def("flowName")["pattern"], flowNameRE.String()},
		{"hangup reasons", strs(prop("hangup", "reason")["enum"]), HangupReasons},
		{"log levels", strs(prop("logOptions", "level")["enum"]), LogLevels},
		{"media pattern", def("media")["pattern"], "^(" + strings.Join(MediaSchemes, "|") + "):.+"},
		{"duration pattern", def("duration")["pattern"], durationRE.String()},
		{"step id pattern", def("stepId")["pattern"], stepIDRE.String()},
		{"variable name pattern", def("varName")["pattern"], varNameRE.String()},
		{"interrupt pattern", prop("playOptions", "interrupt")["pattern"], dtmfRE.String()},
		{"language pattern", prop("say", "language")["pattern"], languageRE.String()},
		{"channel variable pattern", def("channelVar")["pattern"], channelVarRE.String()},
		{"start or stop", strs(def("startStop")["enum"]), []string{"start", "stop"}},
		{"http methods", strs(prop("http", "method")["enum"]), HTTPMethods},
		{"most retries", prop("http", "retries")["maximum"], float64(maxHTTPRetries)},
		{"header name pattern", prop("http", "headers")["propertyNames"].(map[string]any)["pattern"], headerNameRE.String()},
		{"record formats", strs(prop("record", "format")["enum"]), RecordFormats},
		{"terminate keys", strs(prop("record", "terminate_on")["enum"]), TerminateKeys},
		{"dial strategies", strs(prop("dial", "strategy")["enum"]), DialStrategies},
		{"ringbacks", strs(prop("dial", "ringback")["enum"]), Ringbacks},
		{"endpoint pattern", def("endpoint")["pattern"], endpointRE.String()},
		{"URL pattern", prop("http", "url")["pattern"], `^(https?://|\$\{)`},
		{"DTMF keys pattern", def("dtmfKeys")["pattern"], dtmfRE.String()},
		{"terminator pattern", prop("gather", "terminator")["pattern"], terminatorRE.String()},
		{"most digits", prop("gather", "max_digits")["maximum"], float64(maxGatherDigits)},
		{"default max digits", prop("gather", "max_digits")["default"], float64(defaultGatherDigits)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: schema %v, Go %v", c.what, c.got, c.want)
		}
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

// TestDecoderFillsEveryField decodes a flow that uses every key and checks
// that every field of the Document types was set somewhere: a key the decoder
// reads into nothing, or a field no key feeds, shows up here.
func TestDecoderFillsEveryField(t *testing.T) {
	doc, diags := Parse("all.yaml", []byte(allKeys))
	diags = append(diags, Validate(doc)...)
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", diags.Error())
	}
	set := map[string]bool{}
	var visit func(v reflect.Value)
	visit = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				visit(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				visit(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				if !v.Field(i).IsZero() {
					set[v.Type().Name()+"."+f.Name] = true
				}
				visit(v.Field(i))
			}
		}
	}
	visit(reflect.ValueOf(doc))
	for _, typ := range []any{Document{}, Step{}, Branch{}, Outcome{}, Var{}, PlayAction{}, WaitAction{},
		HangupAction{}, SetAction{}, Assignment{}, LogAction{}, GotoAction{}, Duration{}, Expr{}, Template{}, String{},
		GatherAction{}, MenuAction{}, MenuOption{}, SayAction{}, SwitchAction{}, UnsetAction{}, GetVarAction{}, SetVarAction{}, VarMapping{}, ChannelVarValue{},
		TransferAction{}, MOHAction{}, RingAction{}, SendDTMFAction{},
		HTTPAction{}, HTTPHeader{}, HTTPInto{}, RecordAction{}, DialAction{}, CallAction{}, CallInto{}, ReturnAction{}} {
		rt := reflect.TypeOf(typ)
		for i := range rt.NumField() {
			if f := rt.Field(i); f.IsExported() && !set[rt.Name()+"."+f.Name] {
				t.Errorf("no key of the flow set %s.%s", rt.Name(), f.Name)
			}
		}
	}
}

// allKeys uses every key of the language.
const allKeys = `name: all-keys
description: every key
max_duration: 1h
vars: {tries: 0}
steps:
  - id: start
    answer: {}
  - play: {media: [sound:a], interrupt: "#", timeout: 5s}
    on: {interrupted: [{when: digits == "#", goto: start}], done: end}
  - wait: 1s
  - set: {tries: tries + 1, flag: true}
    next: [{when: tries < 3, goto: start}]
  - log: {message: "tries ${tries}", level: warn}
  - gather: {prompt: [sound:x], min_digits: 2, max_digits: 4, terminator: "*", timeout: 5s,
      inter_digit_timeout: 2s, overall_timeout: 20s, pattern: '^[0-9]+$', valid: len(digits) > 1, into: account}
    on: {nomatch: start}
  - menu: {prompt: sound:m, options: {"1": start}, attempts: 2, timeout: 3s, noinput_prompt: sound:n, nomatch_prompt: [sound:o]}
    on: {exhausted: [{when: tries > 1, goto: end}]}
  - say: {number: "${tries}", language: fr, interrupt: "#"}
    on: {interrupted: start}
  - switch: [{when: tries > 5, goto: out}]
  - unset: [tries, account]
  - get_var: {CALLERID(name): caller_name}
  - set_var: {CDR(userfield): "${caller_name}"}
  - moh: {class: jazz}
  - moh: stop
  - ring: stop
  - send_dtmf: {digits: "${tries}#", between: 200ms, duration: 150ms}
  - http: {method: POST, url: "https://x.example/${tries}", headers: {X-Id: "${call.id}"}, json: {a: ["${tries}", 1]},
      timeout: 2s, retries: 1, backoff: 100ms, into: {code: status}}
    on: {error: start}
  - record: {name: "m-${call.id}", format: ulaw, max_duration: 1m, max_silence: 3s, beep: true, terminate_on: any, into: message}
    on: {hangup: bye}
  - dial: {endpoints: [PJSIP/a, "PJSIP/${tries}"], strategy: sequential, timeout: 20s, caller_id: "${caller.number}", ringback: moh}
    on: {busy: start}
  - call: {flow: lookup, with: {number: caller.number, lang: en}, into: {customer: name}}
  - unset: customer
  - goto: end
  - id: end
    hangup: {reason: busy}
  - id: out
    transfer: {context: support, extension: "100", priority: 2, label: top}
on_hangup:
  - id: bye
    log: bye
on_error:
  - return: {failed: true, where: "'on_error'"}
`
