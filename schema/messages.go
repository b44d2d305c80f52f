package schema

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// The messages of Validate, worded for flow authors. The schema mapping and the
// semantic checks share them, so a problem reads the same whichever finds it.

// keysOf lists the keys each object of the language accepts, by schema $defs
// name; it comes from the decoder's tables.
func keysOf(def string) []string {
	switch def {
	case "flow":
		return sortedKeys(flowFields)
	case "step":
		return append(ActionNames(), sortedKeys(stepFields)...)
	case "playOptions":
		return sortedKeys(playFields)
	case "hangup":
		return sortedKeys(hangupFields)
	case "logOptions":
		return sortedKeys(logFields)
	case "branch":
		return sortedKeys(branchFields)
	}
	return stepKeysOf(def)
}

func sortedKeys[T any](f fields[T]) []string {
	return slices.Sorted(maps.Keys(f))
}

// objectNames are the objects as messages name them.
var objectNames = map[string]string{
	"flow":            "at the top level of the flow",
	"step":            "in step",
	"playOptions":     "in play",
	"hangup":          "in hangup",
	"logOptions":      "in log",
	"branch":          "in branch",
	"gather":          "in gather",
	"menu":            "in menu",
	"say":             "in say",
	"transfer":        "in transfer",
	"mohOptions":      "in moh",
	"sendDtmfOptions": "in send_dtmf",
	"http":            "in http",
	"record":          "in record",
	"dial":            "in dial",
	"call":            "in call",
}

func unknownKeyMsg(def, key string) string {
	if def == "answer" {
		return fmt.Sprintf(`"answer" takes no settings; remove %q (write answer: {})`, key)
	}
	where, ok := objectNames[def]
	if !ok {
		where = "here"
	}
	allowed := keysOf(def)
	if s := closest(key, allowed); s != "" {
		return fmt.Sprintf("unknown key %q %s; did you mean %q?", key, where, s)
	}
	if def == "step" {
		return fmt.Sprintf("unknown key %q in step; a step has one action (%s) and may have id, next and on",
			key, strings.Join(ActionNames(), ", "))
	}
	return fmt.Sprintf("unknown key %q %s; expected %s", key, where, orList(allowed))
}

func outcomeMsg(act, name string) string {
	outs := Outcomes(act)
	if len(outs) == 0 {
		if spec, _ := action(act); spec.ends {
			return fmt.Sprintf("%q has no outcomes, so %q never happens: %s", act, name, endsReason(act))
		}
		if act == "call" {
			return fmt.Sprintf(`"call" has no outcomes, so %q never happens: the flow goes on when the sub-flow returns (use next to say where), and an action that fails in it runs on_error`, name)
		}
		return fmt.Sprintf("%q has no outcomes, so %q never happens; use next to say where to go after it", act, name)
	}
	s := closest(name, outs)
	if s == "" {
		s = outcomeSynonyms[act][name]
	}
	if s != "" {
		return fmt.Sprintf("%s has no outcome %q; did you mean %q? (outcomes: %s)", act, name, s, strings.Join(outs, ", "))
	}
	if hint := outcomeHints[act][name]; hint != "" {
		return fmt.Sprintf("%s has no outcome %q (%s); its outcomes are %s", act, name, hint, andList(outs))
	}
	return fmt.Sprintf("%s has no outcome %q; its outcomes are %s", act, name, andList(outs))
}

func varNameMsg(name string) string {
	if slices.Contains(ReservedNames, name) {
		return fmt.Sprintf("variable %q clashes with a name every expression already has (%s); rename it",
			name, strings.Join(ReservedNames, ", "))
	}
	return fmt.Sprintf("%q is not a valid variable name: use letters, digits and _, not starting with a digit", name)
}

func missingMsg(def, name string) string {
	switch def {
	case "flow":
		if name == "name" {
			return `the flow has no "name"; add one, e.g. name: main-menu (it routes calls to the flow)`
		}
		return fmt.Sprintf("the flow has no %q", name)
	case "playOptions":
		return fmt.Sprintf("play has no %q: say what to play", name)
	case "logOptions":
		return fmt.Sprintf("log has no %q", name)
	case "branch":
		return fmt.Sprintf("a branch needs %q: the step id to jump to", name)
	}
	if msg := stepMissingMsg(def, name); msg != "" {
		return msg
	}
	return fmt.Sprintf("missing %q", name)
}

// actionCountMsg explains a step that does not have exactly one action. It
// points at the second action, or at the step when there is none. It returns
// false when the step has no action but a misspelt one, which the unknown key
// error already names.
func actionCountMsg(step *yaml.Node, dups map[*yaml.Node]bool) (Pos, string, bool) {
	var found []*yaml.Node
	misspelt := false
	for i := 0; i+1 < len(step.Content); i += 2 {
		if k := step.Content[i]; !dups[k] {
			if _, ok := action(k.Value); ok {
				found = append(found, k)
			} else if _, common := stepFields[k.Value]; !common && closest(k.Value, ActionNames()) != "" {
				misspelt = true
			}
		}
	}
	if len(found) >= 2 {
		names := make([]string, len(found))
		for i, k := range found {
			names[i] = k.Value
		}
		return pos(found[1]), fmt.Sprintf("step has more than one action (%s); give each its own step",
			strings.Join(names, ", ")), true
	}
	return pos(step), fmt.Sprintf("step has no action; give it one of %s", strings.Join(ActionNames(), ", ")), !misspelt
}

func shapeMsg(def, what string, n *yaml.Node) string {
	switch def {
	case "play":
		return fmt.Sprintf(`"play" needs a media URI (sound:hello-world), a list of them, or {media, interrupt, timeout}; not %s`, describe(n))
	case "playOptions":
		return fmt.Sprintf("%s needs a media URI or a list of them, not %s", what, describe(n))
	case "target":
		return fmt.Sprintf("%s needs a step id or a list of {when, goto} branches, not %s", what, describe(n))
	case "log":
		return fmt.Sprintf(`"log" needs a message or {message, level}, not %s`, describe(n))
	case "moh":
		return startStopMsg(`"moh"`, n)
	case "send_dtmf":
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
			return fmt.Sprintf(`send_dtmf takes the keys to send as text: quote them, "%s"`, n.Value)
		}
		return fmt.Sprintf(`send_dtmf takes the keys to send ("123#") or {digits, between, duration}, not %s`, describe(n))
	case "unset":
		return fmt.Sprintf(`"unset" takes a variable name or a list of them, not %s`, describe(n))
	case "prompt":
		return fmt.Sprintf("%s needs a media URI or a list of them, not %s", what, describe(n))
	}
	return fmt.Sprintf("%s cannot be %s", what, describe(n))
}

func typeMsg(def, what string, n *yaml.Node, want []string) string {
	got := describe(n)
	switch def {
	case "duration":
		return durationMsg(what, n)
	case "stepId":
		return fmt.Sprintf("%s needs a step id, not %s", what, got)
	case "media":
		return fmt.Sprintf("media must be a URI like sound:hello-world, not %s", got)
	case "expr":
		return fmt.Sprintf(`%s needs an expression like tries < 3, not %s (quote it to make it text)`, what, got)
	case "answer":
		return `"answer" takes no settings: write answer: {}`
	case "hangup":
		return `"hangup" takes a mapping: hangup: {} or hangup: {reason: busy}`
	case "return":
		return fmt.Sprintf(`"return" takes a mapping of name: value, e.g. return: {customer: name}, or return: {} to hand nothing back; not %s`, got)
	case "returnName":
		return fmt.Sprintf("%s needs the name of a value the sub-flow returns, not %s", what, got)
	case "set":
		return fmt.Sprintf(`"set" takes a mapping of variable: value, not %s`, got)
	case "get_var":
		return fmt.Sprintf(`"get_var" takes a mapping of channel variable: flow variable, e.g. get_var: {CALLERID(name): caller_name}; not %s`, got)
	case "set_var":
		if what == `"set_var"` {
			return fmt.Sprintf(`"set_var" takes a mapping of channel variable: value, e.g. set_var: {ACCOUNT: "${account}"}; not %s`, got)
		}
	case "varName", "varNames":
		if what == `"unset"` {
			return fmt.Sprintf(`"unset" takes a variable name or a list of them, not %s`, got)
		}
		return fmt.Sprintf("%s needs a variable name, not %s", what, got)
	case "startStop":
		return startStopMsg(what, n)
	case "steps":
		return fmt.Sprintf("%s must be a list of steps, not %s", what, got)
	case "branches":
		if what == `"switch"` {
			return fmt.Sprintf(`"switch" takes a list of cases, e.g. switch: [{when: tier == "gold", goto: priority}, {goto: standard}]; not %s`, got)
		}
	case "step":
		if s, ok := str(n); ok {
			if _, isAction := action(s); isAction {
				return fmt.Sprintf("a step must be a mapping: write %s: ..., e.g. - answer: {}", s)
			}
		}
		return fmt.Sprintf("a step must be a mapping with one action, e.g. - answer: {}; not %s", got)
	case "playOptions":
		if what == `"interrupt"` {
			return fmt.Sprintf(`"interrupt" needs DTMF keys as text, e.g. "#" or "123" (quoted), not %s`, got)
		}
	}
	if ex, ok := actionExamples[def]; ok && what == strconv.Quote(def) {
		return fmt.Sprintf("%s takes a mapping of settings, e.g. %s; not %s", what, ex, got)
	}
	if len(want) == 1 && want[0] == "string" && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		return fmt.Sprintf("%s must be text, not %s (quote it: \"%s\")", what, got, n.Value)
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = typeNames[w]
	}
	return fmt.Sprintf("%s must be %s, not %s", what, strings.Join(names, " or "), got)
}

var typeNames = map[string]string{
	"object": "a mapping", "array": "a list", "string": "text", "boolean": "true or false",
	"number": "a number", "integer": "a whole number", "null": "null",
}

func patternMsg(def, what, got string) string {
	switch def {
	case "duration":
		return durationText(what, strconv.Quote(got), got)
	case "stepId":
		return fmt.Sprintf("%q is not a valid step id: use lowercase letters, digits, _ and -, starting with a letter", got)
	case "media":
		if msg := mediaProblem(got); msg != "" {
			return msg
		}
	case "varName":
		return varNameMsg(got)
	case "flowName":
		return flowNameMsg(got)
	case "returnName":
		return returnNameMsg(got)
	case "playOptions", "dtmfKeys":
		return fmt.Sprintf(`%s takes DTMF keys (0-9, *, #, A-D), not %q`, what, got)
	case "gather":
		if what == `"terminator"` {
			return terminatorMsg(got)
		}
	case "say":
		if what == `"language"` {
			return languageMsg(got)
		}
	case "http":
		if what == `"url"` {
			return urlMsg(got)
		}
	case "endpoint":
		return endpointMsg(got)
	}
	return fmt.Sprintf("%s: %q is not valid here", what, got)
}

func enumMsg(what string, n *yaml.Node, want []any) string {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = fmt.Sprint(w)
	}
	switch what {
	case `"reason"`:
		what = "hangup reason"
	case `"level"`:
		what = "log level"
	case `"method"`:
		what = "method"
	case `"format"`:
		what = "record format"
	case `"terminate_on"`:
		return fmt.Sprintf(`"terminate_on" takes none, any, "*" or "#", not %s`, describe(n))
	case `"moh"`, `"ring"`:
		return startStopMsg(what, n)
	default:
		what = strings.Trim(what, `"`)
	}
	if s, ok := str(n); ok {
		return enumText(what, s, names)
	}
	return fmt.Sprintf("%s must be %s, not %s", what, orList(names), describe(n))
}

func emptyMsg(def, what string) string {
	switch def {
	case "steps":
		return what + " is empty; give it at least one step"
	case "mediaList":
		return what + " lists no media"
	case "branches":
		if what == `"switch"` {
			return `"switch" lists no cases`
		}
		return what + " lists no branches"
	case "set":
		return `"set" sets nothing; give it variable: value pairs`
	case "varNames":
		return `"unset" names no variables`
	case "get_var":
		return `"get_var" reads nothing; give it CHANNEL_VAR: flow_var pairs`
	case "set_var":
		return `"set_var" sets nothing; give it CHANNEL_VAR: value pairs`
	case "dtmfDigits":
		return "send_dtmf has no digits to send"
	case "logMessage":
		return "the log message is empty"
	case "expr":
		return what + " is empty; give it an expression"
	case "dial":
		return dialCountMsg(nil)
	case "menu":
		return `menu has no "options": map each key to a step id, e.g. options: {"1": sales}`
	case "call":
		if what == `"with"` {
			return `"with" sets nothing; give the sub-flow's variables, e.g. with: {number: caller.number}, or remove it`
		}
		return `"into" assigns nothing; give variable: returned name pairs, e.g. into: {customer: name}, or remove it`
	}
	return what + " is empty"
}

// durationMsg explains a duration value of the wrong type.
func durationMsg(what string, n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") && n.Value != "0" {
		return fmt.Sprintf("%s needs a duration like 1s or 500ms, not %s (add a unit: %ss)", what, n.Value, n.Value)
	}
	return durationText(what, describe(n), "")
}

// durationText explains a bad duration; src is the text when it is one.
func durationText(what, got, src string) string {
	if strings.HasPrefix(src, "-") {
		return fmt.Sprintf("%s needs a positive duration like 1s or 500ms, not %s", what, got)
	}
	return fmt.Sprintf("%s needs a duration like 1s or 500ms, not %s", what, got)
}

// mediaProblem explains what is wrong with a media URI, or returns "".
func mediaProblem(src string) string {
	scheme, rest, ok := strings.Cut(src, ":")
	if !ok || !slices.Contains(MediaSchemes, scheme) {
		msg := fmt.Sprintf("media %q must start with %s", src, schemeList())
		if ok {
			if s := closest(scheme, MediaSchemes); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s+":")
			}
		}
		return msg
	}
	if strings.TrimSpace(rest) == "" {
		return fmt.Sprintf("media %q names nothing after %q", src, scheme+":")
	}
	return ""
}

func schemeList() string {
	s := make([]string, len(MediaSchemes))
	for i, m := range MediaSchemes {
		s[i] = m + ":"
	}
	return orList(s)
}

// orList writes "a, b or c".
func orList(items []string) string { return joinLast(items, " or ") }

// andList writes "a, b and c".
func andList(items []string) string { return joinLast(items, " and ") }

func joinLast(items []string, last string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}
