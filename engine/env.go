package engine

import (
	"time"
)

// CallerEnv is `caller` in expressions: the calling party.
type CallerEnv struct {
	Number string `expr:"number"`
	Name   string `expr:"name"`
}

// ChannelEnv is `channel` in expressions: the Asterisk channel of the call.
type ChannelEnv struct {
	ID       string `expr:"id"`
	Name     string `expr:"name"`
	State    string `expr:"state"`
	Language string `expr:"language"`
}

// CallEnv is `call` in expressions: facts about this call.
type CallEnv struct {
	ID          string    `expr:"id"`
	Flow        string    `expr:"flow"`
	FlowVersion string    `expr:"flow_version"`
	App         string    `expr:"app"`
	Started     time.Time `expr:"started"`
}

// Names every expression can use besides the flow's own variables.
const (
	envCaller  = "caller"
	envChannel = "channel"
	envCall    = "call"
	envArgs    = "args"
	envDigits  = "digits"
	envNow     = "now"

	// Seen only by an http step's into expressions.
	envStatus   = "status"
	envBody     = "body"      // the response as a JSON object (empty if it is not one)
	envBodyList = "body_list" // the response as a JSON array (empty if it is not one)
	envBodyText = "body_text" // the response as text
	envHeaders  = "headers"
)

// compileEnv is the type environment expressions are checked against: every
// builtin with a zero value of its type, plus every flow variable.
func baseEnv() map[string]any {
	return map[string]any{
		envCaller:  CallerEnv{},
		envChannel: ChannelEnv{},
		envCall:    CallEnv{},
		envArgs:    []string{},
		envDigits:  "",
		envNow:     func() time.Time { return time.Time{} },
	}
}
