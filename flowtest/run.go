package flowtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/sandbox"
	"github.com/flowrunner/flowrunner/schema"
)

// Result is the outcome of one case.
type Result struct {
	Case     *schema.TestCase
	Failures []Failure // none: the case passed
	Actual   Actual
	Elapsed  time.Duration // wall time
}

// Failure is one expectation that did not hold, at the position of the
// expectation in the test file.
type Failure struct {
	Pos schema.Pos
	Msg string
}

// Actual is what the call did.
type Actual struct {
	Path     []string
	Prompts  []string
	Actions  []string
	Logs     []string
	Outcome  string
	Duration time.Duration
	Vars     map[string]any // the flow's variables at the end
	// Outcomes are the step outcomes that happened, by step id.
	Outcomes map[string][]string
}

// WallTimeout bounds each case in wall time: a flow that never ends is stopped
// by its step budget or max_duration in virtual time long before.
var WallTimeout = 20 * time.Second

// Run runs the case in a fresh sandbox.
func (s *Suite) Run(tc *schema.TestCase) Result {
	start := time.Now()
	res := Result{Case: tc}
	res.Actual, res.Failures = s.run(tc)
	if len(res.Failures) == 0 {
		res.Failures = compare(tc.Expect, res.Actual)
	}
	res.Elapsed = time.Since(start)
	return res
}

// recorder collects a call's trace and ARI requests.
type recorder struct {
	labels  map[string]string // step label → graph node id
	placing atomic.Bool

	mu  sync.Mutex
	act Actual // guarded by mu
}

func (r *recorder) trace(ev engine.TraceEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.labels[ev.Step]
	if !ok {
		id = ev.Step
	}
	switch ev.Kind {
	case engine.TraceStep:
		r.act.Path = append(r.act.Path, id)
	case engine.TraceOutcome:
		r.act.Outcomes[id] = append(r.act.Outcomes[id], ev.Detail)
	case engine.TraceLog:
		r.act.Logs = append(r.act.Logs, ev.Detail)
	}
}

func (r *recorder) observe(e arisim.Entry) {
	if e.Kind != "request" || !r.placing.Load() {
		return
	}
	name := actionName(e.Method, e.Path)
	if name == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.act.Actions = append(r.act.Actions, name)
	if name == "play" {
		var body struct {
			Media []string `json:"media"`
		}
		_ = json.Unmarshal(e.Body, &body)
		r.act.Prompts = append(r.act.Prompts, body.Media...)
	}
}

func (s *Suite) run(tc *schema.TestCase) (Actual, []Failure) {
	rec := &recorder{labels: map[string]string{}, act: Actual{Outcomes: map[string][]string{}}}
	for _, n := range s.Graph.Nodes {
		rec.labels[n.Label] = n.ID
	}
	reg, err := engine.NewRegistry(append([]*engine.Flow{s.flows[tc]}, s.subflows...)...)
	if err != nil {
		return rec.act, []Failure{{tc.Name.Pos, err.Error()}}
	}
	mock := &mockHTTP{mocks: tc.HTTP}
	sb, err := sandbox.Start(sandbox.Options{
		Flows:   reg,
		Trace:   rec.trace,
		Observe: rec.observe,
		Sim:     arisim.Options{Callees: s.callees[tc], MissingSounds: tc.MissingSounds},
		Engine:  engine.Config{HTTP: mock, Secrets: s.File.Secrets},
		Timeout: WallTimeout,
		Start:   tc.Start,
	})
	if err != nil {
		return rec.act, []Failure{{tc.Name.Pos, err.Error()}}
	}
	defer sb.Close()
	rec.placing.Store(true)
	sum, err := sb.Call(arisim.CallSpec{
		App: s.Flow.Name, Args: tc.Args, Inbound: true,
		CallerNumber: tc.CallerNumber, CallerName: tc.CallerName,
		Script: s.scripts[tc],
	})
	var fails []Failure
	if err != nil {
		fails = append(fails, Failure{tc.Name.Pos, fmt.Sprintf("the call did not end: %v", err)})
	}
	rec.mu.Lock()
	act := rec.act
	rec.mu.Unlock()
	act.Outcome = sum.Reason
	act.Vars = sum.Vars
	if !sum.Ended.IsZero() {
		act.Duration = sum.Ended.Sub(sum.Started)
	}
	mock.mu.Lock()
	for i, u := range mock.unmatched {
		if n := countFrom(mock.unmatched, i); n > 0 {
			fails = append(fails, Failure{tc.Name.Pos, fmt.Sprintf("no http mock matches %s (%s)", u, plural(n, "request"))})
		}
	}
	mock.mu.Unlock()
	return act, fails
}

// actionName names an ARI request of the call: "answer", "play", "hangup",
// "continue", "dial", "stop playback", ... Reads (GET) other than channel
// variables are not actions.
func actionName(method, path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/ari/"), "/")
	switch {
	case segs[0] == "channels" && len(segs) == 1 && method == "POST":
		return "originate"
	case segs[0] == "channels" && len(segs) == 2 && segs[1] == "create":
		return "create"
	case segs[0] == "channels" && len(segs) == 2 && method == "DELETE":
		return "hangup"
	case segs[0] == "channels" && len(segs) >= 3:
		verb := segs[2]
		switch method {
		case "POST":
			return verb
		case "DELETE":
			return "stop " + verb
		case "GET":
			if verb == "variable" {
				return "get variable"
			}
		}
		return ""
	case segs[0] == "playbacks" && method == "DELETE":
		return "stop playback"
	case segs[0] == "bridges" && len(segs) <= 2 && method == "POST":
		return "create bridge"
	case segs[0] == "bridges" && len(segs) == 2 && method == "DELETE":
		return "destroy bridge"
	case segs[0] == "bridges" && len(segs) >= 3 && method == "POST":
		return "bridge " + segs[2]
	case method == "GET":
		return ""
	}
	return method + " /" + strings.Join(segs, "/")
}

// countFrom counts list[i] in list, or returns 0 when it occurs before i.
func countFrom(list []string, i int) int {
	n := 0
	for j, s := range list {
		if s == list[i] {
			if j < i {
				return 0
			}
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
