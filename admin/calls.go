package admin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// CallsHandler serves GET /calls: the calls in progress as calls returns
// them (engine.Engine.Calls), with how long each has run by now().
//
//	{"count": 1, "calls": [{"channel_id": "...", "app": "...", "flow": "...", "flow_version": "...",
//	  "step": "\"menu\"", "step_id": "menu", "step_type": "play", "started_at": "...", "duration_seconds": 1.5}]}
func CallsHandler(calls func() []engine.CallInfo, now func() time.Time) http.Handler {
	return NodesCallsHandler(now, NodeCalls{Calls: calls})
}

// NodeCalls is one Asterisk node's calls for NodesCallsHandler: Node names
// the node ("" when serve has one, unnamed), Calls lists its calls
// (engine.Engine.Calls).
type NodeCalls struct {
	Node  string
	Calls func() []engine.CallInfo
}

// NodesCallsHandler is CallsHandler for several Asterisk nodes: the calls of
// every node, ordered by start time, each with its "node".
//
//	{"count": 1, "calls": [{"node": "ast1", "channel_id": "...", ...}]}
func NodesCallsHandler(now func() time.Time, nodes ...NodeCalls) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var out callsOut
		for _, n := range nodes {
			for _, c := range n.Calls() {
				out.Calls = append(out.Calls, callOut{
					Node: n.Node, ChannelID: c.ChannelID, App: c.App, Flow: c.Flow, FlowVersion: c.FlowVersion,
					Step: c.Step, StepID: c.StepID, StepType: c.StepType, StartedAt: c.Started,
				})
			}
		}
		t := now()
		for i := range out.Calls {
			c := &out.Calls[i]
			c.DurationSeconds = t.Sub(c.StartedAt).Round(time.Millisecond).Seconds()
		}
		if len(nodes) > 1 {
			slices.SortStableFunc(out.Calls, func(a, b callOut) int { return a.StartedAt.Compare(b.StartedAt) })
		}
		if out.Calls == nil {
			out.Calls = []callOut{}
		}
		out.Count = len(out.Calls)
		writeJSON(w, http.StatusOK, out)
	})
}

type callsOut struct {
	Count int       `json:"count"`
	Calls []callOut `json:"calls"`
}

type callOut struct {
	Node            string    `json:"node,omitempty"`
	ChannelID       string    `json:"channel_id"`
	App             string    `json:"app"`
	Flow            string    `json:"flow"`
	FlowVersion     string    `json:"flow_version"`
	Step            string    `json:"step"`
	StepID          string    `json:"step_id,omitempty"`
	StepType        string    `json:"step_type"`
	StartedAt       time.Time `json:"started_at"`
	DurationSeconds float64   `json:"duration_seconds"`
}

// MaxOriginateBody bounds the body of POST /calls.
const MaxOriginateBody = 64 << 10

// Originator places an outbound call into a flow (engine.Engine.Originate).
type Originator func(ctx context.Context, spec engine.OriginateSpec) (string, error)

// NodeOriginator is one Asterisk node's Originator, for
// NodesOriginateHandler; Node is "" when serve has one, unnamed.
type NodeOriginator struct {
	Node      string
	Originate Originator
}

// OriginateHandler serves POST /calls: it originates a call into a flow and
// answers 202 with its channel id once Asterisk has accepted it (the call
// runs once answered). The body is JSON:
//
//	{"endpoint": "PJSIP/alice", "flow": "survey", "variables": {"name": "Ann"},
//	 "caller_id": "\"Acme\" <5551000>", "timeout": "30s", "app": "outbound"}
//
// Errors: 400 for a bad body or variables, 404 for an unknown flow, 503 while
// draining, 502 when Asterisk refused the call; 413 for a body over
// MaxOriginateBody.
func OriginateHandler(originate Originator) http.Handler {
	return NodesOriginateHandler(NodeOriginator{Originate: originate})
}

// NodesOriginateHandler is OriginateHandler for several Asterisk nodes: the
// body's "node" names the node that places the call, and the answer names it
// too. "node" may be left out when there is one node; otherwise leaving it
// out is a 400, and naming no node a 404.
func NodesOriginateHandler(nodes ...NodeOriginator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var in originateIn
		dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, MaxOriginateBody))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			writeJSON(w, status, map[string]string{"error": "bad request body: " + err.Error()})
			return
		}
		spec := engine.OriginateSpec{Flow: in.Flow, App: in.App, Endpoint: in.Endpoint, CallerID: in.CallerID,
			Vars: make(map[string]any, len(in.Variables))}
		if in.Flow == "" || in.Endpoint == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `"flow" and "endpoint" are required`})
			return
		}
		originate, status, msg := pickNode(nodes, in.Node)
		if originate == nil {
			writeJSON(w, status, map[string]string{"error": msg})
			return
		}
		if in.Timeout != "" {
			d, err := time.ParseDuration(in.Timeout)
			if err != nil || d < 0 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("bad timeout %q: use a duration like 30s", in.Timeout)})
				return
			}
			spec.Timeout = d
		}
		for k, v := range in.Variables {
			spec.Vars[k] = jsonValue(v)
		}
		id, err := originate(req.Context(), spec)
		if err != nil {
			status := http.StatusBadGateway
			switch {
			case errors.Is(err, engine.ErrUnknownFlow):
				status = http.StatusNotFound
			case errors.Is(err, engine.ErrDraining):
				status = http.StatusServiceUnavailable
			case errors.Is(err, engine.ErrBadVars), errors.Is(err, engine.ErrBadEndpoint):
				status = http.StatusBadRequest
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
			return
		}
		out := map[string]string{"channel_id": id, "flow": in.Flow}
		if in.Node != "" || nodes[0].Node != "" {
			out["node"] = cmp.Or(in.Node, nodes[0].Node)
		}
		writeJSON(w, http.StatusAccepted, out)
	})
}

// pickNode returns the originator of the node named name, or the status and
// message of a request that names none.
func pickNode(nodes []NodeOriginator, name string) (Originator, int, string) {
	if name == "" && len(nodes) == 1 {
		return nodes[0].Originate, 0, ""
	}
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if n.Node == name && name != "" {
			return n.Originate, 0, ""
		}
		names = append(names, strconv.Quote(n.Node))
	}
	switch {
	case len(nodes) == 1 && nodes[0].Node == "":
		return nil, http.StatusBadRequest, fmt.Sprintf(`unknown node %q: this flowrunner serves one Asterisk, whose node has no name; leave "node" out`, name)
	case name == "":
		return nil, http.StatusBadRequest, `"node" is required: this flowrunner serves several Asterisk nodes (` + strings.Join(names, ", ") + ")"
	}
	return nil, http.StatusNotFound, fmt.Sprintf("unknown node %q; the nodes are %s", name, strings.Join(names, ", "))
}

type originateIn struct {
	Node      string         `json:"node"`
	Endpoint  string         `json:"endpoint"`
	Flow      string         `json:"flow"`
	App       string         `json:"app"`
	Variables map[string]any `json:"variables"`
	CallerID  string         `json:"caller_id"`
	Timeout   string         `json:"timeout"`
}

// jsonValue turns json.Numbers into ints where they are whole, else float64s,
// as flow variables are typed.
func jsonValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = jsonValue(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jsonValue(x[k])
		}
	}
	return v
}
