package engine

import (
	"fmt"
	"maps"

	"github.com/expr-lang/expr"
	"github.com/flowrunner/flowrunner/schema"
)

// MaxSubflowDepth bounds how deeply sub-flows may call sub-flows.
const MaxSubflowDepth = 8

// callSpec is a compiled call step.
type callSpec struct {
	flow string
	with []assign // evaluated in the calling flow
	into []callInto
}

type callInto struct {
	variable string // the caller's variable
	key      string // the name in the sub-flow's return
}

// CallRef is a call step's reference to another flow, for checking that the
// flows loaded together can satisfy it.
type CallRef struct {
	Flow string // the flow called
	Pos  schema.Pos
	Step string   // the call step's label
	With []string // the variables it sets in the called flow
}

// frame is a flow that called a sub-flow and waits for it to return.
type frame struct {
	flow    *Flow
	env     map[string]any
	pc      int // the call step
	inError bool
}

func (c *Call) enterCall(s *state) (int, bool) {
	spec := s.call
	if len(c.frames) >= MaxSubflowDepth {
		return c.failNext(s, fmt.Errorf("call %s: sub-flows are nested %d deep, the limit", spec.flow, MaxSubflowDepth))
	}
	sub := c.subflows[spec.flow]
	if sub == nil {
		sub = c.e.flows.Load().Lookup(spec.flow)
		if sub == nil {
			return c.failNext(s, fmt.Errorf("call: no flow named %q is loaded", spec.flow))
		}
		if c.subflows == nil {
			c.subflows = map[string]*Flow{}
		}
		c.subflows[spec.flow] = sub // the call keeps this version from now on
	}
	env := make(map[string]any, len(sub.vars)+6)
	maps.Copy(env, sub.vars)
	for _, k := range []string{envArgs, envCaller, envChannel, envCall, envDigits, envNow} {
		env[k] = c.env[k]
	}
	for _, a := range spec.with {
		if _, ok := sub.vars[a.name]; !ok {
			return c.failNext(s, fmt.Errorf("call %s: the flow has no variable %q (declare it in its vars)", spec.flow, a.name))
		}
		v := a.literal
		if a.program != nil {
			out, err := expr.Run(a.program, c.env)
			if err != nil {
				return c.failNext(s, fmt.Errorf("call %s: with %s: %w", spec.flow, a.name, err))
			}
			v = out
		}
		env[a.name] = v
	}
	c.frames = append(c.frames, frame{flow: c.flow, env: c.env, pc: c.pc, inError: c.inError})
	c.flow, c.env, c.inError = sub, env, false
	c.trace(TraceStep, s.label, "call "+sub.Name+" (version "+sub.Version+")")
	return sub.entry, false
}

// returnFromSubflow ends the current sub-flow with values (nil: none), back
// in the calling flow after its call step.
func (c *Call) returnFromSubflow(values map[string]any) {
	top := c.frames[len(c.frames)-1]
	c.frames = c.frames[:len(c.frames)-1]
	sub := c.flow
	digits := c.env[envDigits]
	c.flow, c.env, c.inError = top.flow, top.env, top.inError
	c.env[envDigits] = digits // keys pressed in the sub-flow are the latest
	c.pc = top.pc
	s := c.flow.states[c.pc]
	for _, in := range s.call.into {
		c.env[in.variable] = values[in.key]
	}
	c.trace(TraceOutcome, s.label, "returned from "+sub.Name)
	c.complete(outcomeNone)
}

// enterReturn evaluates a return step's values and returns from the sub-flow;
// in a top-level flow it ends the flow like running off its steps.
func (c *Call) enterReturn(s *state) (int, bool) {
	values := make(map[string]any, len(s.assigns))
	for _, a := range s.assigns {
		v := a.literal
		if a.program != nil {
			out, err := expr.Run(a.program, c.env)
			if err != nil {
				return c.failNext(s, fmt.Errorf("return %s: %w", a.name, err))
			}
			v = out
		}
		values[a.name] = v
	}
	if len(c.frames) == 0 || c.inHangup {
		return -1, false
	}
	c.returnFromSubflow(values)
	return -2, true
}

// unwindToTop leaves every sub-flow: the caller hung up, and the top flow's
// on_hangup runs with the top flow's variables.
func (c *Call) unwindToTop() {
	if len(c.frames) == 0 {
		return
	}
	top := c.frames[0]
	c.frames = c.frames[:0]
	c.flow, c.env, c.inError = top.flow, top.env, top.inError
	c.pc = -1
}

// unwindToHandler leaves sub-flows without an on_error so that a failure is
// handled by the nearest flow that has one (or by the top flow).
func (c *Call) unwindToHandler() {
	for c.flow.onError < 0 && len(c.frames) > 0 {
		top := c.frames[len(c.frames)-1]
		c.frames = c.frames[:len(c.frames)-1]
		c.flow, c.env, c.inError = top.flow, top.env, top.inError
		c.pc = top.pc
	}
}

func (c *compiler) compileCall(s *state, st *schema.Step) {
	call := st.Call
	spec := &callSpec{flow: call.Flow}
	ref := CallRef{Flow: call.Flow, Pos: call.FlowPos, Step: st.Label()}
	for _, a := range call.With {
		ref.With = append(ref.With, a.Name)
		out := assign{name: a.Name, literal: normalizeLiteral(a.Literal)}
		if a.Expr != nil {
			out.program = c.compileExpr(st, *a.Expr)
		}
		spec.with = append(spec.with, out)
	}
	for _, in := range call.Into {
		spec.into = append(spec.into, callInto{variable: in.Var, key: in.Key})
	}
	s.call = spec
	c.flow.calls = append(c.flow.calls, ref)
}

func (c *compiler) compileReturn(s *state, st *schema.Step) {
	for _, a := range st.Return.Values {
		out := assign{name: a.Name, literal: normalizeLiteral(a.Literal)}
		if a.Expr != nil {
			out.program = c.compileExpr(st, *a.Expr)
		}
		s.assigns = append(s.assigns, out)
	}
}

// Calls lists the flow's references to other flows (its call steps).
func (f *Flow) Calls() []CallRef { return f.calls }
