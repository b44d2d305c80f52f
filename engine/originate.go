package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// OriginateRequest describes an outbound call for ARI.Originate.
type OriginateRequest struct {
	ChannelID string // chosen by the engine, registered before the request
	Endpoint  string // e.g. PJSIP/alice or Local/100@outbound
	App       string
	AppArgs   []string
	CallerID  string        // e.g. `"Acme" <5551000>`; "" for the endpoint's default
	Timeout   time.Duration // how long it may ring; 0 for Asterisk's default (30 s)
	Formats   string        // e.g. "ulaw"; "" lets Asterisk choose
	Variables map[string]string
}

// OriginateSpec is an outbound call into a flow, for Engine.Originate.
type OriginateSpec struct {
	Flow     string // the flow the call runs once answered
	App      string // the Stasis application; default the flow's name
	Endpoint string
	CallerID string
	Timeout  time.Duration // how long it may ring; 0 for Asterisk's default (30 s)
	// Vars seed the call's variables. Each must be a variable of the flow
	// (declared in vars: or assigned by a step), of the type of its initial
	// value; JSON numbers are accepted for int and float variables.
	Vars map[string]any
}

// Errors of Engine.Originate.
var (
	ErrUnknownFlow = errors.New("no such flow")
	ErrBadVars     = errors.New("bad variables")
	ErrBadEndpoint = errors.New("bad endpoint")
	ErrDraining    = errors.New("draining: not taking new calls")
)

// originations are the calls originated and not yet in Stasis, by channel
// id: their variables wait for the StasisStart.
type originations struct {
	mu      sync.Mutex
	pending map[string]origination // guarded by mu
}

type origination struct {
	vars    map[string]any
	expires time.Time
}

// originationGrace is how long after its ring timeout an origination is kept
// for its StasisStart.
const originationGrace = time.Minute

// Originate places an outbound call to spec.Endpoint that runs spec.Flow
// once answered, with spec.Vars as initial variables, and returns its
// channel id. It returns when Asterisk has accepted the request, not when
// the call is answered; a call that is never answered never starts. Local
// channels are originated with formats=ulaw.
func (e *Engine) Originate(ctx context.Context, spec OriginateSpec) (string, error) {
	if e.Draining() {
		return "", ErrDraining
	}
	f := e.flows.Load().Lookup(spec.Flow)
	if f == nil {
		return "", fmt.Errorf("%w %q", ErrUnknownFlow, spec.Flow)
	}
	if spec.Endpoint == "" || strings.ContainsAny(spec.Endpoint, " \t\r\n") {
		return "", fmt.Errorf("%w %q: want e.g. PJSIP/alice", ErrBadEndpoint, spec.Endpoint)
	}
	vars, err := flowVars(f, spec.Vars)
	if err != nil {
		return "", err
	}
	app := spec.App
	if app == "" {
		app = f.Name
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := "flowrunner-" + hex.EncodeToString(b[:])
	req := OriginateRequest{ChannelID: id, Endpoint: spec.Endpoint, App: app, AppArgs: []string{f.Name},
		CallerID: spec.CallerID, Timeout: spec.Timeout}
	if tech, _, _ := strings.Cut(spec.Endpoint, "/"); strings.EqualFold(tech, "Local") {
		req.Formats = "ulaw" // else Asterisk gives Local channels slin192 and resamples every prompt
	}
	ring := spec.Timeout
	if ring <= 0 {
		ring = 30 * time.Second
	}
	e.orig.add(id, origination{vars: vars, expires: e.now().Add(ring + originationGrace)}, e.now())
	ctx, cancel := context.WithTimeout(ctx, e.cfg.ActionTimeout)
	defer cancel()
	if err := e.ari.Originate(ctx, req); err != nil {
		e.orig.take(id)
		e.stats.ActionErrors.Add(1)
		return "", err
	}
	e.log.Info("call originated", "channel_id", id, "endpoint", spec.Endpoint, "flow", f.Name, "app", app)
	return id, nil
}

// add registers an origination, dropping the ones whose StasisStart never
// came.
func (o *originations) add(id string, or origination, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending == nil {
		o.pending = map[string]origination{}
	}
	for k, p := range o.pending {
		if now.After(p.expires) {
			delete(o.pending, k)
		}
	}
	o.pending[id] = or
}

// take removes and returns the variables of the origination of channel id.
func (o *originations) take(id string) map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.pending[id]
	if !ok {
		return nil
	}
	delete(o.pending, id)
	return p.vars
}

// seedOriginated sets the variables the call was originated with; the flow
// may be a newer version than at Originate, so each is checked again.
func (c *Call) seedOriginated() {
	vars := c.e.orig.take(c.id)
	if len(vars) == 0 {
		return
	}
	for name, v := range vars {
		if def, ok := c.flow.vars[name]; ok {
			if v, err := coerceVar(def, v); err == nil {
				c.env[name] = v
			}
		}
	}
}

// flowVars checks vars against the variables of f and converts them to
// their types.
func flowVars(f *Flow, vars map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(vars))
	var errs []string
	for name, v := range vars {
		def, ok := f.vars[name]
		if !ok {
			errs = append(errs, fmt.Sprintf("flow %q has no variable %q", f.Name, name))
			continue
		}
		cv, err := coerceVar(def, v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("variable %q: %v", name, err))
			continue
		}
		out[name] = cv
	}
	if len(errs) > 0 {
		slices.Sort(errs)
		return nil, fmt.Errorf("%w: %s", ErrBadVars, strings.Join(errs, "; "))
	}
	return out, nil
}

// coerceVar returns v as the type of def, the variable's initial value.
func coerceVar(def, v any) (any, error) {
	bad := func() (any, error) { return nil, fmt.Errorf("want %s, got %s", kindName(def), kindName(v)) }
	switch def.(type) {
	case nil:
		return normalizeLiteral(v), nil
	case string:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case int:
		switch n := v.(type) {
		case int:
			return n, nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return int(n), nil
			}
		}
	case float64:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case float64:
			return n, nil
		}
	case []any:
		if l, ok := v.([]any); ok {
			return normalizeLiteral(l), nil
		}
	case map[string]any:
		if m, ok := v.(map[string]any); ok {
			return normalizeLiteral(m), nil
		}
	}
	return bad()
}

func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int:
		return "an integer"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return fmt.Sprintf("%T", v)
}
