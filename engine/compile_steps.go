package engine

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/schema"
)

// compileCatalogue compiles the actions beyond the core ones; it reports
// whether st had one of them.
func (c *compiler) compileCatalogue(s *state, st *schema.Step) bool {
	switch {
	case st.Gather != nil:
		s.kind = kindGather
		s.gather = c.compileGather(st)
	case st.Menu != nil:
		s.kind = kindGather
		s.gather = c.compileMenu(st)
	case st.Say != nil:
		s.kind = kindPlay
		value := c.compileTemplate(st, st.Say.Value)
		value.parts = append([]templatePart{{text: st.Say.Kind + ":"}}, value.parts...)
		value.src = st.Say.Kind + ":" + value.src
		s.media = []template{mergeText(value)}
		s.language = st.Say.Language
		s.interrupt = st.Say.Interrupt
		s.playTimeout = DefaultPlayTimeout
	case st.Switch != nil:
		s.kind = kindSwitch
		s.cases = c.compileBranches(st, st.Switch.Cases)
	case st.Unset != nil:
		s.kind = kindUnset
		for _, n := range st.Unset.Names {
			if _, ok := c.flow.vars[n.Value]; !ok {
				c.errorf(st, n.Pos, "unset %s: the flow has no such variable", n.Value)
			}
			s.names = append(s.names, n.Value)
		}
	case st.GetVar != nil:
		s.kind = kindGetVar
		for _, v := range st.GetVar.Vars {
			s.chanVars = append(s.chanVars, chanVar{channel: v.Channel, varName: v.Var})
		}
	case st.SetVar != nil:
		s.kind = kindSetVar
		for _, v := range st.SetVar.Vars {
			s.chanVars = append(s.chanVars, chanVar{channel: v.Channel, value: c.compileTemplate(st, v.Value)})
		}
	case st.Transfer != nil:
		s.kind = kindTransfer
		t := st.Transfer
		s.dialplan = DialplanTarget{Context: t.Context, Extension: t.Extension, Priority: t.Priority, Label: t.Label}
	case st.MOH != nil:
		s.kind = kindMOH
		s.stop, s.class = st.MOH.Stop, st.MOH.Class
	case st.Ring != nil:
		s.kind = kindRing
		s.stop = st.Ring.Stop
	case st.SendDTMF != nil:
		s.kind = kindSendDTMF
		s.dtmf.digits = c.compileTemplate(st, st.SendDTMF.Digits)
		s.dtmf.between = durationOr(st.SendDTMF.Between, 0)
		s.dtmf.duration = durationOr(st.SendDTMF.Duration, 0)
	case st.Record != nil:
		s.kind = kindRecord
		s.record = c.compileRecord(st)
	case st.HTTP != nil:
		s.kind = kindHTTP
		s.http = c.compileHTTP(st)
	case st.Dial != nil:
		s.kind = kindDial
		s.dial = c.compileDial(st)
	case st.Call != nil:
		s.kind = kindCall
		c.compileCall(s, st)
	case st.Return != nil:
		s.kind = kindReturn
		c.compileReturn(s, st)
	default:
		return false
	}
	return true
}

// mergeText joins adjacent text parts, so a constant template stays constant.
func mergeText(t template) template {
	var out []templatePart
	for _, p := range t.parts {
		if n := len(out); n > 0 && p.program == nil && out[n-1].program == nil {
			out[n-1].text += p.text
			continue
		}
		out = append(out, p)
	}
	t.parts = out
	return t
}

// durationOr returns d's value, or def when the flow does not set it.
func durationOr(d *schema.Duration, def time.Duration) time.Duration {
	if d != nil {
		return d.D
	}
	return def
}

func (c *compiler) compileGather(st *schema.Step) *gatherSpec {
	g := st.Gather
	spec := &gatherSpec{
		minDigits:      g.MinDigits,
		maxDigits:      g.MaxDigits,
		terminator:     defaultTerminator,
		firstTimeout:   durationOr(g.Timeout, defaultFirstTimeout),
		interTimeout:   durationOr(g.InterDigitTimeout, defaultInterTimeout),
		overallTimeout: durationOr(g.OverallTimeout, 0),
		into:           g.Into,
	}
	if spec.minDigits <= 0 {
		spec.minDigits = defaultMinDigits
	}
	if spec.maxDigits <= 0 {
		spec.maxDigits = max(defaultMaxDigits, spec.minDigits)
	}
	if g.Terminator != nil {
		spec.terminator = *g.Terminator
	}
	for _, m := range g.Prompt {
		spec.prompt = append(spec.prompt, c.compileTemplate(st, m))
	}
	if g.Pattern != nil {
		re, err := regexp.Compile(g.Pattern.Value)
		if err != nil {
			c.errorf(st, g.Pattern.Pos, "pattern: %v", err)
		}
		spec.pattern = re
	}
	if g.Valid != nil {
		spec.valid = c.compileCond(st, *g.Valid)
	}
	return spec
}

func (c *compiler) compileMenu(st *schema.Step) *gatherSpec {
	m := st.Menu
	spec := &gatherSpec{
		menu:         true,
		minDigits:    1,
		maxDigits:    1,
		firstTimeout: durationOr(m.Timeout, defaultFirstTimeout),
		interTimeout: durationOr(m.Timeout, defaultFirstTimeout),
		attempts:     m.Attempts,
		options:      make(map[string]int, len(m.Options)),
	}
	if spec.attempts <= 0 {
		spec.attempts = defaultMenuAttempts
	}
	for _, list := range []struct {
		in  []schema.Template
		out *[]template
	}{{m.Prompt, &spec.prompt}, {m.NoInputPrompt, &spec.noInputPrompt}, {m.NoMatchPrompt, &spec.noMatchPrompt}} {
		for _, t := range list.in {
			*list.out = append(*list.out, c.compileTemplate(st, t))
		}
	}
	for _, o := range m.Options {
		spec.options[o.Key] = c.resolve(st, o.Target, o.TargetPos)
	}
	return spec
}

func (c *compiler) compileRecord(st *schema.Step) *recordSpec {
	r := st.Record
	spec := &recordSpec{
		format:       r.Format,
		maxDuration:  durationOr(r.MaxDuration, 0),
		maxSilence:   durationOr(r.MaxSilence, 0),
		beep:         r.Beep,
		terminateOn:  "#",
		into:         r.Into,
		hangupTarget: -1,
	}
	if spec.format == "" {
		spec.format = "wav"
	}
	if r.TerminateOn != nil {
		spec.terminateOn = *r.TerminateOn
	}
	if r.Name != nil {
		t := c.compileTemplate(st, *r.Name)
		spec.name = &t
	}
	for _, o := range st.On {
		if o.Name == "hangup" && len(o.Branches) > 0 {
			spec.hangupTarget = c.resolve(st, o.Branches[0].Goto, o.Branches[0].GotoPos)
		}
	}
	return spec
}

func (c *compiler) compileHTTP(st *schema.Step) *httpSpec {
	h := st.HTTP
	spec := &httpSpec{
		method:  strings.ToUpper(h.Method),
		timeout: durationOr(h.Timeout, defaultHTTPTimeout),
		retries: h.Retries,
		backoff: durationOr(h.Backoff, defaultHTTPBackoff),
	}
	if spec.method == "" {
		spec.method = http.MethodGet
	}
	c.withEnv(map[string]any{envSecrets: map[string]string{}}, func() {
		spec.url = c.compileTemplate(st, h.URL)
		for _, hd := range h.Headers {
			spec.headers = append(spec.headers, httpHeader{name: hd.Name, value: c.compileTemplate(st, hd.Value)})
		}
	})
	spec.body = c.compileBody(st, h.JSON)
	c.withEnv(httpResponseEnv(), func() {
		for _, in := range h.Into {
			p := c.compileExpr(st, in.Expr)
			if p != nil {
				if got, want := p.Node().Type(), reflect.TypeOf(c.env[in.Var]); !assignable(got, want) {
					c.errorf(st, in.Expr.Pos, "cannot set %s (%s) to %q, which is %s", in.Var, typeName(want), in.Expr.Src, withArticle(typeName(got)))
				}
			}
			spec.into = append(spec.into, httpInto{name: in.Var, program: p})
		}
	})
	return spec
}

// httpResponseEnv is what an http step's into expressions see besides the
// flow's names.
func httpResponseEnv() map[string]any {
	return map[string]any{envStatus: 0, envBody: map[string]any{}, envBodyList: []any{},
		envBodyText: "", envHeaders: map[string]string{}}
}

// compileBody compiles the template leaves of a JSON body.
func (c *compiler) compileBody(st *schema.Step, v any) any {
	switch x := v.(type) {
	case schema.Template:
		t := c.compileTemplate(st, x)
		return &t
	case *schema.Template:
		t := c.compileTemplate(st, *x)
		return &t
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = c.compileBody(st, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = c.compileBody(st, e)
		}
		return out
	}
	return normalizeLiteral(v)
}

// withEnv compiles with extra names visible, then removes them.
func (c *compiler) withEnv(extra map[string]any, f func()) {
	for k, v := range extra {
		c.setEnv(k, v)
	}
	defer func() {
		for k := range extra {
			c.unsetEnv(k)
		}
	}()
	f()
}

func (c *compiler) compileDial(st *schema.Step) *dialSpec {
	d := st.Dial
	spec := &dialSpec{
		sequential: d.Strategy == "sequential",
		timeout:    durationOr(d.Timeout, defaultDialTimeout),
		ringback:   d.Ringback,
	}
	if spec.ringback == "" {
		spec.ringback = "ring"
	}
	for _, ep := range d.Endpoints {
		spec.endpoints = append(spec.endpoints, c.compileTemplate(st, ep))
	}
	if d.CallerID != nil {
		t := c.compileTemplate(st, *d.CallerID)
		spec.callerID = &t
	}
	return spec
}
