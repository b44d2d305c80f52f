package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/checker"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/vm"
	"github.com/flowrunner/flowrunner/schema"
)

// DefaultPlayTimeout bounds the wait for PlaybackFinished when a play step sets
// no timeout: Asterisk can lose the event (e.g. media of an unknown scheme).
const DefaultPlayTimeout = 60 * time.Second

// Compile turns a validated document into an immutable Flow. It compiles and
// type-checks every expression against the flow's variables and the builtins
// (caller, channel, call, args, digits, now()), and reports every problem with
// its file:line:col. version identifies the source (a content hash).
func Compile(doc *schema.Document, version string) (*Flow, schema.Diagnostics) {
	c := &compiler{doc: doc, ids: map[string]int{}}
	f := &Flow{
		Name:        doc.Name.Value,
		Description: doc.Description,
		File:        doc.File,
		Version:     version,
		entry:       -1,
		onHangup:    -1,
		onError:     -1,
	}
	if doc.MaxDuration != nil {
		f.MaxDuration = doc.MaxDuration.D
	}
	c.flow = f
	c.declareVars()

	// First pass: create states so gotos can be resolved by id.
	for _, list := range doc.Sections() {
		start := len(f.states)
		for i, st := range list.Steps {
			s := &state{
				index:   len(f.states),
				label:   st.Label(),
				id:      st.ID,
				action:  st.Action,
				section: list.Section,
				pos:     st.Pos,
				follow:  -1,
			}
			if i+1 < len(list.Steps) {
				s.follow = s.index + 1
			}
			if st.ID != "" {
				if _, dup := c.ids[st.ID]; !dup {
					c.ids[st.ID] = s.index
				}
			}
			f.states = append(f.states, s)
		}
		if len(list.Steps) > 0 {
			switch list.Section {
			case schema.SectionSteps:
				f.entry = start
			case schema.SectionOnHangup:
				f.onHangup = start
			case schema.SectionOnError:
				f.onError = start
			}
		}
	}
	// Second pass: compile each step's action and transitions.
	i := 0
	for _, list := range doc.Sections() {
		for _, st := range list.Steps {
			c.compileStep(f.states[i], st)
			i++
		}
	}
	c.diags.Sort()
	if c.diags.HasErrors() {
		return nil, c.diags
	}
	return f, c.diags
}

type compiler struct {
	doc   *schema.Document
	flow  *Flow
	ids   map[string]int
	env   map[string]any // change it only through setEnv and unsetEnv
	diags schema.Diagnostics

	exprConf *conf.Config // expr's configuration for env, once built; see compile
}

func (c *compiler) errorf(step *schema.Step, pos schema.Pos, format string, args ...any) {
	d := schema.Diagnostic{
		File: c.doc.File, Pos: pos, Flow: c.doc.Name.Value,
		Severity: schema.SeverityError, Msg: fmt.Sprintf(format, args...),
	}
	if step != nil {
		d.Step = step.Label()
	}
	c.diags = append(c.diags, d)
}

// declareVars builds the type environment: builtins, declared vars with the type
// of their initial value, then vars first assigned by a set step, typed by the
// assigned expression.
func (c *compiler) declareVars() {
	c.env = baseEnv()
	c.flow.vars = make(map[string]any, len(c.doc.Vars))
	for _, v := range c.doc.Vars {
		if _, reserved := c.env[v.Name]; reserved {
			continue // reported by schema.Validate
		}
		val := normalizeLiteral(v.Value)
		c.setEnv(v.Name, val)
		c.flow.vars[v.Name] = val
	}
	for _, list := range c.doc.Sections() {
		for _, st := range list.Steps {
			c.declareInto(st)
			if st.Set == nil {
				continue
			}
			for _, a := range st.Set.Assignments {
				if _, known := c.env[a.Name]; known {
					continue
				}
				var zero any
				if a.Expr != nil {
					if p, err := c.compile(a.Expr.Src, false); err == nil {
						if t := p.Node().Type(); t != nil && t.Kind() != reflect.Interface {
							zero = reflect.Zero(t).Interface()
						}
					}
				} else {
					zero = zeroOf(normalizeLiteral(a.Literal))
				}
				c.setEnv(a.Name, zero)
				c.flow.vars[a.Name] = zero
			}
		}
	}
}

// declareInto declares the variables a step fills other than by set: gather's
// and record's into and get_var's (strings), and http's into (typed by their
// expressions).
func (c *compiler) declareInto(st *schema.Step) {
	declare := func(name string, zero any) {
		if _, known := c.env[name]; !known && name != "" {
			c.setEnv(name, zero)
			c.flow.vars[name] = zero
		}
	}
	switch {
	case st.Gather != nil:
		declare(st.Gather.Into, "")
	case st.Record != nil:
		declare(st.Record.Into, "")
	case st.GetVar != nil:
		for _, v := range st.GetVar.Vars {
			declare(v.Var, "")
		}
	case st.Call != nil:
		for _, in := range st.Call.Into {
			declare(in.Var, nil) // whatever the sub-flow returns
		}
	case st.HTTP != nil:
		c.withEnv(httpResponseEnv(), func() {
			for _, in := range st.HTTP.Into {
				if _, known := c.env[in.Var]; known {
					continue
				}
				var zero any
				if p, err := c.compile(in.Expr.Src, false); err == nil {
					if t := p.Node().Type(); t != nil && t.Kind() != reflect.Interface {
						zero = reflect.Zero(t).Interface()
					}
				}
				declare(in.Var, zero)
			}
		})
	}
}

// setEnv declares name, with a value of its type, to the expressions
// compiled from now on. A configuration already built gets the name's type
// added, as building it afresh would give it.
func (c *compiler) setEnv(name string, v any) {
	c.env[name] = v
	if c.exprConf != nil {
		c.exprConf.Env.Fields[name] = c.exprConf.NtCache.NatureOf(v)
	}
}

// unsetEnv removes name from the expressions compiled from now on.
func (c *compiler) unsetEnv(name string) {
	delete(c.env, name)
	if c.exprConf != nil {
		delete(c.exprConf.Env.Fields, name)
	}
}

// exprDefaults is expr's default configuration with the builtin now()
// disabled (expressions call the call's now instead): what expr.Compile
// builds afresh for every expression, a map of about 80 builtins included.
// Compilers copy it; nothing writes to its maps, so the copies may be used
// concurrently.
var exprDefaults = sync.OnceValue(func() conf.Config {
	cfg := conf.CreateNew()
	expr.DisableBuiltin(envNow)(cfg)
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	return *cfg
})

// compile compiles and type-checks src against env, as
// expr.Compile(src, expr.Env(env), expr.DisableBuiltin("now")) does (with
// expr.AsBool() if wantBool), with the same errors. expr.Compile would build
// its configuration for every expression: the builtins and the type of every
// name in env, which cost more than compiling most expressions. Here it is
// built once per flow, and setEnv and unsetEnv keep its types in step with
// env.
func (c *compiler) compile(src string, wantBool bool) (*vm.Program, error) {
	if c.exprConf == nil {
		cfg := exprDefaults()
		cfg.WithEnv(c.env)
		c.exprConf = &cfg
	}
	cfg := c.exprConf
	cfg.Expect, cfg.ExpectAny = reflect.Invalid, false
	if wantBool {
		cfg.Expect, cfg.ExpectAny = reflect.Bool, true // expr.AsBool()
	}
	tree, err := checker.ParseCheck(src, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Optimize {
		if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
			var fe *file.Error
			if errors.As(err, &fe) {
				return nil, fe.Bind(tree.Source)
			}
			return nil, err
		}
	}
	return exprcompiler.Compile(tree, cfg)
}

// compileExpr compiles src and maps expr's position to the file.
func (c *compiler) compileExpr(step *schema.Step, e schema.Expr) *vm.Program {
	return c.compileChecked(step, e, false)
}

// compileCond compiles a condition: src must give a bool.
func (c *compiler) compileCond(step *schema.Step, e schema.Expr) *vm.Program {
	return c.compileChecked(step, e, true)
}

func (c *compiler) compileChecked(step *schema.Step, e schema.Expr, wantBool bool) *vm.Program {
	p, err := c.compile(e.Src, wantBool)
	if err != nil {
		pos, msg := exprErrorPos(e.Pos, err)
		c.errorf(step, pos, "expression %q: %s", e.Src, msg)
		return nil
	}
	return p
}

func exprErrorPos(base schema.Pos, err error) (schema.Pos, string) {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return base, err.Error()
	}
	pos := base
	if fe.Line <= 1 {
		pos.Col += fe.Column
	} else {
		pos.Line += fe.Line - 1
		pos.Col = fe.Column + 1
	}
	return pos, fe.Message
}

func (c *compiler) compileTemplate(step *schema.Step, t schema.Template) template {
	out := template{src: t.Src}
	src := t.Src
	off := 0
	for {
		i := strings.Index(src[off:], "${")
		if i < 0 {
			if off < len(src) {
				out.parts = append(out.parts, templatePart{text: src[off:]})
			}
			return out
		}
		i += off
		if i > off {
			out.parts = append(out.parts, templatePart{text: src[off:i]})
		}
		end := schema.InterpolationEnd(src, i+2)
		if end < 0 {
			c.errorf(step, schema.Pos{Line: t.Pos.Line, Col: t.Pos.Col + i}, "unclosed ${ in %q", t.Src)
			return out
		}
		e := schema.Expr{Src: src[i+2 : end], Pos: schema.Pos{Line: t.Pos.Line, Col: t.Pos.Col + i + 2}}
		if strings.TrimSpace(e.Src) == "" {
			c.errorf(step, e.Pos, "empty ${} in %q", t.Src)
		} else if p := c.compileExpr(step, e); p != nil {
			out.parts = append(out.parts, templatePart{program: p})
		}
		off = end + 1
	}
}

func (c *compiler) resolve(step *schema.Step, id string, pos schema.Pos) int {
	if t, ok := c.ids[id]; ok {
		return t
	}
	c.errorf(step, pos, "goto %q: no step has this id", id)
	return -1
}

func (c *compiler) compileBranches(step *schema.Step, bs []schema.Branch) []branch {
	out := make([]branch, 0, len(bs))
	for _, b := range bs {
		cb := branch{target: c.resolve(step, b.Goto, b.GotoPos)}
		if b.When != nil {
			cb.when = c.compileCond(step, *b.When)
		}
		out = append(out, cb)
	}
	return out
}

func (c *compiler) compileStep(s *state, st *schema.Step) {
	s.next = c.compileBranches(st, st.Next)
	for _, o := range st.On {
		oc, ok := parseOutcome(o.Name)
		if !ok {
			c.errorf(st, o.Pos, "unknown outcome %q", o.Name)
			continue
		}
		s.on[oc] = c.compileBranches(st, o.Branches)
	}
	switch {
	case st.Answer != nil:
		s.kind = kindAnswer
	case st.Play != nil:
		s.kind = kindPlay
		for _, m := range st.Play.Media {
			s.media = append(s.media, c.compileTemplate(st, m))
		}
		s.interrupt = st.Play.Interrupt
		s.playTimeout = DefaultPlayTimeout
		if st.Play.Timeout != nil {
			s.playTimeout = st.Play.Timeout.D
		}
	case st.Wait != nil:
		s.kind = kindWait
		s.wait = st.Wait.Duration.D
	case st.Hangup != nil:
		s.kind = kindHangup
		s.reason = st.Hangup.Reason
	case st.Set != nil:
		s.kind = kindSet
		for _, a := range st.Set.Assignments {
			s.assigns = append(s.assigns, c.compileAssign(st, a))
		}
	case st.Log != nil:
		s.kind = kindLog
		s.message = c.compileTemplate(st, st.Log.Message)
		s.level = parseLevel(st.Log.Level)
	case st.Goto != nil:
		s.kind = kindGoto
		s.target = c.resolve(st, st.Goto.Target, st.Goto.TargetPos)
	default:
		if !c.compileCatalogue(s, st) {
			c.errorf(st, st.Pos, "step has no action this engine runs")
		}
	}
}

func (c *compiler) compileAssign(st *schema.Step, a schema.Assignment) assign {
	out := assign{name: a.Name}
	want := reflect.TypeOf(c.env[a.Name])
	if a.Expr == nil {
		out.literal = normalizeLiteral(a.Literal)
		if got := reflect.TypeOf(out.literal); !assignable(got, want) {
			c.errorf(st, a.NamePos, "cannot set %s (%s) to %v, which is %s", a.Name, typeName(want), a.Literal, withArticle(typeName(got)))
		}
		return out
	}
	out.program = c.compileExpr(st, *a.Expr)
	if out.program != nil {
		if got := out.program.Node().Type(); !assignable(got, want) {
			c.errorf(st, a.Expr.Pos, "cannot set %s (%s) to %q, which is %s", a.Name, typeName(want), a.Expr.Src, withArticle(typeName(got)))
		}
	}
	return out
}

func assignable(got, want reflect.Type) bool {
	if got == nil || want == nil || got.Kind() == reflect.Interface || want.Kind() == reflect.Interface {
		return true
	}
	return got.AssignableTo(want)
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	switch t.Kind() {
	case reflect.Slice:
		return "list"
	case reflect.Map:
		return "map"
	case reflect.Float64:
		return "float"
	}
	return t.String()
}

func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// normalizeLiteral maps YAML-decoded values to the types expressions use: all
// integers become int, floats float64.
func normalizeLiteral(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case uint64:
		return int(x)
	case float32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeLiteral(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeLiteral(e)
		}
		return out
	}
	return v
}

func zeroOf(v any) any {
	if v == nil {
		return nil
	}
	return reflect.Zero(reflect.TypeOf(v)).Interface()
}

func parseLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
