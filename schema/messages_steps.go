package schema

import (
	"fmt"
	"math/big"
	"slices"

	yaml "go.yaml.in/yaml/v3"
)

// The messages of the step catalogue beyond the core actions.

// stepKeysOf lists the keys of the catalogue's objects, by schema $defs name.
func stepKeysOf(def string) []string {
	switch def {
	case "gather":
		return sortedKeys(gatherFields)
	case "menu":
		return sortedKeys(menuFields)
	case "say":
		return sortedKeys(sayFields)
	case "transfer":
		return sortedKeys(transferFields)
	case "mohOptions":
		return sortedKeys(mohFields)
	case "sendDtmfOptions":
		return sortedKeys(sendDTMFFields)
	case "http":
		return sortedKeys(httpFields)
	case "record":
		return sortedKeys(recordFields)
	case "dial":
		return sortedKeys(dialFields)
	case "call":
		return sortedKeys(callFields)
	}
	return nil
}

// outcomeSynonyms are outcome names people reach for that mean one of the
// action's own, by action: "timeout" on a gather is its "noinput".
var outcomeSynonyms = map[string]map[string]string{
	"gather": {"timeout": "noinput", "done": "match", "invalid": "nomatch", "ok": "match"},
	"menu":   {"timeout": "exhausted", "noinput": "exhausted", "nomatch": "exhausted", "failed": "exhausted"},
	"play":   {"error": "failed"},
	"say":    {"error": "failed"},
	"http":   {"failed": "error", "done": "ok", "success": "ok", "noanswer": "timeout"},
	"record": {"failed": "error", "timeout": "done", "silence": "done"},
	"dial":   {"timeout": "noanswer", "error": "failed", "done": "answered", "congestion": "failed", "rejected": "failed"},
}

// outcomeHints explain why an action lacks an outcome people expect of it.
var outcomeHints = map[string]map[string]string{
	"gather": {"interrupted": "any key stops the prompt and starts the input"},
	"menu":   {"interrupted": "a key jumps to its step under options"},
	"dial":   {"hangup": "when the caller hangs up, on_hangup runs", "hungup": "when the caller hangs up, on_hangup runs"},
}

// actionExamples show the mapping form of an action, for messages about a
// value of the wrong type.
var actionExamples = map[string]string{
	"gather":   "gather: {prompt: sound:enter-pin, max_digits: 4}",
	"menu":     `menu: {prompt: sound:press-1-or-2, options: {"1": sales, "2": support}}`,
	"say":      `say: {number: "${balance}"}`,
	"transfer": `transfer: {context: support, extension: "100"}`,
	"http":     `http: {url: "https://crm.example/calls/${call.id}"}`,
	"record":   `record: {max_duration: 60s, beep: true, into: message}`,
	"dial":     `dial: {endpoint: PJSIP/alice, timeout: 20s}`,
	"call":     `call: {flow: lookup-caller, with: {number: caller.number}}`,
}

// exactlyOneMsg explains an object of the catalogue that must have exactly one
// of some keys (the oneOf of its schema $def), at the second of them or at
// the object.
func exactlyOneMsg(def string, n *yaml.Node, dups map[*yaml.Node]bool) (Pos, string) {
	var keys []string
	switch def {
	case "say":
		keys = SayKinds
	case "dial":
		keys = []string{"endpoint", "endpoints"}
	}
	var found []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !dups[k] && slices.Contains(keys, k.Value) {
			found = append(found, k)
		}
	}
	names := make([]string, len(found))
	for i, k := range found {
		names[i] = k.Value
	}
	at := contentPos(n)
	if len(found) >= 2 {
		at = pos(found[1])
	}
	switch def {
	case "say":
		return at, sayCountMsg(names)
	case "dial":
		return at, dialCountMsg(names)
	}
	return at, "give exactly one of " + orList(keys)
}

// stepMissingMsg explains a required key missing from an action of the catalogue.
func stepMissingMsg(def, name string) string {
	switch def + "." + name {
	case "menu.prompt":
		return `menu has no "prompt": say what to play`
	case "say.digits", "say.number", "say.characters":
		return sayCountMsg(nil)
	case "http.url":
		return `http has no "url": say where to send the request`
	case "sendDtmfOptions.digits":
		return `send_dtmf has no "digits": the keys to send`
	case "mohOptions.class":
		return `moh has no "class": write moh: {class: NAME}, or moh: start for the default class`
	case "call.flow":
		return `call has no "flow": name the flow to run, e.g. flow: lookup-caller`
	case "menu.options":
		return `menu has no "options": map each key to a step id, e.g. options: {"1": sales}`
	}
	return ""
}

// endsReason says why nothing follows an action that ends the flow or jumps.
func endsReason(action string) string {
	switch action {
	case "goto":
		return "goto always jumps to its target"
	case "transfer":
		return "transfer ends the flow; the dialplan goes on from there"
	case "return":
		return "return goes back to the flow that called this one (in a flow that was not called, it hangs up)"
	}
	return action + " ends the flow"
}

// startStopMsg explains a bad value of moh or ring (what, quoted).
func startStopMsg(what string, n *yaml.Node) string {
	msg := "ring takes start or stop"
	if what == `"moh"` {
		msg = "moh takes start, stop or {class: NAME}"
	}
	msg += ", not " + describe(n)
	if s, ok := str(n); ok {
		if c := closest(s, []string{"start", "stop"}); c != "" {
			msg += fmt.Sprintf("; did you mean %q?", c)
		}
	}
	return msg
}

// boundMsg explains a number under a minimum (low) or over a maximum.
func boundMsg(what string, n *yaml.Node, limit *big.Rat, low bool) string {
	got, ok := intValue(n)
	if ok && limit.IsInt() && limit.Num().IsInt64() {
		return rangeMsg(what, got, int(limit.Num().Int64()), low)
	}
	if low {
		return fmt.Sprintf("%s must be at least %s, not %s", what, limit.RatString(), describe(n))
	}
	return fmt.Sprintf("%s must be at most %s, not %s", what, limit.RatString(), describe(n))
}
