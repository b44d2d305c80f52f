package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
)

const simulateSynopsis = `simulate [flags] FLOW

Runs one call through FLOW against the built-in ARI simulator: the real engine
connects to the simulator over HTTP and WebSocket, on a virtual clock, and the
timeline of steps, ARI requests and events is printed. Exit status 0 when the
call completes normally (the flow or the caller hangs up), 1 otherwise.

Dialled endpoints ring 1s, answer and hang up 10s later unless --callee says
otherwise (answer=D, busy, noanswer, unavailable, congestion; hangup=D).

Caller scripts (--script) use the simulator's syntax, e.g.
  dtmf=1@2s,#@3s;hangup=5s     digits at times after the call starts
  dtmf=123#@p1+500ms           digits 500ms after the first prompt starts
  hangup=sound:demo-congrats+600ms
--dtmf and --hangup-at are shorthands for the dtmf= and hangup= clauses.

http steps make real requests; secrets.NAME in their url and headers reads the
environment variable FLOWRUNNER_SECRET_NAME.`

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("simulate", simulateSynopsis, stderr)
	dtmf := fs.String("dtmf", "", "digits the caller presses, e.g. 1@2s,#@3s")
	hangupAt := fs.String("hangup-at", "", "when the caller hangs up, e.g. 5s or p1+1s")
	script := fs.String("script", "", "a full caller script (see above)")
	callArgs := fs.String("args", "", "comma-separated Stasis() arguments")
	caller := fs.String("caller", "5551234", "the caller's number")
	originate := fs.Bool("originate", false, "place the call as an originated Local channel (answered) instead of an inbound one")
	asJSON := fs.Bool("json", false, "print the timeline as JSON lines")
	var callees calleeFlags
	fs.Var(&callees, "callee", "what a dialled endpoint does, ENDPOINT=SPEC, e.g. PJSIP/agent=noanswer or PJSIP/bob=answer=2s;hangup=30s (repeatable; default: rings 1s, answers, hangs up 10s later)")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitUsage
	}
	path := rest[0]

	clauses := []string{}
	if *script != "" {
		clauses = append(clauses, *script)
	}
	if *dtmf != "" {
		clauses = append(clauses, "dtmf="+*dtmf)
	}
	if *hangupAt != "" {
		clauses = append(clauses, "hangup="+*hangupAt)
	}
	sc, err := arisim.ParseScript(strings.Join(clauses, ";"))
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return exitUsage
	}

	flow, diags := engine.LoadFile(path)
	for _, d := range diags {
		fmt.Fprintln(stderr, d.Error())
	}
	if flow == nil {
		return exitInvalid
	}
	reg, err := engine.NewRegistry(flow)
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return exitInvalid
	}

	tl := sandbox.NewTimeline(stdout, *asJSON, sandbox.DefaultStart)
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Observe: tl.Observe, Trace: tl.Trace,
		Sim:    arisim.Options{Callees: callees.m},
		Engine: engine.Config{Secrets: secretsFromEnv(os.Environ())}})
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return exitInvalid
	}
	defer sb.Close()

	if !*asJSON {
		fmt.Fprintf(stdout, "simulating %s: flow %q version %s, %d steps, on the built-in ARI simulator (virtual time)\n",
			path, flow.Name, flow.Version, flow.Steps())
	}
	tl.Begin()
	spec := arisim.CallSpec{App: flow.Name, Args: splitList(*callArgs), CallerNumber: *caller, Inbound: !*originate, Script: sc}
	sum, err := sb.Call(spec)
	tl.End()
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return exitInvalid
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "call %s: %s after %d steps, %.3fs of call time\n",
			sum.CallID, sum.Reason, sum.Steps, sum.Ended.Sub(sum.Started).Seconds())
	}
	switch sum.Reason {
	case engine.EndFlowHangup, engine.EndCallerHangup:
		return exitOK
	}
	fmt.Fprintf(stderr, "simulate: the call did not complete normally: %s\n", sum.Reason)
	return exitInvalid
}

// calleeFlags collects --callee ENDPOINT=SPEC flags.
type calleeFlags struct{ m map[string]arisim.Callee }

func (f *calleeFlags) String() string { return "" }

func (f *calleeFlags) Set(v string) error {
	endpoint, spec, ok := strings.Cut(v, "=")
	if !ok || !strings.Contains(endpoint, "/") {
		return fmt.Errorf("want ENDPOINT=SPEC, e.g. PJSIP/agent=noanswer")
	}
	c, err := arisim.ParseCallee(spec)
	if err != nil {
		return err
	}
	if f.m == nil {
		f.m = map[string]arisim.Callee{}
	}
	f.m[endpoint] = c
	return nil
}
