package schema

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// The semantic checks of the step catalogue beyond the core actions.

var terminatorRE = regexp.MustCompile(`^[0-9A-D*#]?$`)

// Limits and defaults the checks share with flow.schema.json.
const (
	maxGatherDigits     = 64
	defaultGatherDigits = 20
)

func (v *validator) checkGather(st *Step) {
	g := st.Gather
	v.checkMedia(st, g.Prompt)
	v.checkRange(st, `"min_digits"`, g.MinDigits, g.MinDigitsPos, 1, maxGatherDigits)
	v.checkRange(st, `"max_digits"`, g.MaxDigits, g.MaxDigitsPos, 1, maxGatherDigits)
	lo, hi := max(g.MinDigits, 1), g.MaxDigits
	switch {
	case hi == 0 && lo > defaultGatherDigits && lo <= maxGatherDigits:
		v.errorf(st, g.MinDigitsPos, `"min_digits" (%d) is more than the default "max_digits" (%d); set max_digits too`, lo, defaultGatherDigits)
	case hi >= 1 && hi <= maxGatherDigits && lo > hi && lo <= maxGatherDigits:
		v.errorf(st, g.MaxDigitsPos, `"max_digits" (%d) is less than "min_digits" (%d)`, hi, lo)
	}
	if g.Terminator != nil && !terminatorRE.MatchString(*g.Terminator) {
		v.errorf(st, g.TerminatorPos, "%s", terminatorMsg(*g.Terminator))
	}
	v.checkDuration(st, g.Timeout, `"timeout"`)
	v.checkDuration(st, g.InterDigitTimeout, `"inter_digit_timeout"`)
	v.checkDuration(st, g.OverallTimeout, `"overall_timeout"`)
	if p := g.Pattern; p != nil {
		if _, err := regexp.Compile(p.Value); err != nil {
			v.errorf(st, p.Pos, `"pattern" is not a valid regular expression: %s`,
				strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	v.checkVarTarget(st, g.Into, g.IntoPos)
}

// checkMedia checks media URIs and their interpolations.
func (v *validator) checkMedia(st *Step, media []Template) {
	for _, m := range media {
		if msg := mediaProblem(m.Src); msg != "" {
			v.errorf(st, m.Pos, "%s", msg)
		}
		v.checkTemplate(st, m)
	}
}

// checkRange reports a whole number given at `at` outside [lo, hi] (hi 0: no
// upper bound). A number that was not given has no position and is the
// engine's default.
func (v *validator) checkRange(st *Step, what string, n int, at Pos, lo, hi int) {
	if !at.IsValid() {
		return
	}
	if n < lo {
		v.errorf(st, at, "%s", rangeMsg(what, n, lo, true))
	} else if hi > 0 && n > hi {
		v.errorf(st, at, "%s", rangeMsg(what, n, hi, false))
	}
}

// checkVarTarget checks a variable a step assigns (into:, get_var:, ...).
func (v *validator) checkVarTarget(st *Step, name string, at Pos) {
	if name != "" && (!varNameRE.MatchString(name) || slices.Contains(ReservedNames, name)) {
		v.errorf(st, at, "%s", varNameMsg(name))
	}
}

func rangeMsg(what string, got, limit int, low bool) string {
	if low {
		return fmt.Sprintf("%s must be at least %d, not %d", what, limit, got)
	}
	return fmt.Sprintf("%s must be at most %d, not %d", what, limit, got)
}

func terminatorMsg(got string) string {
	return fmt.Sprintf(`"terminator" is one DTMF key (0-9, *, #, A-D), or "" for none; not %q`, got)
}

var menuKeyRE = regexp.MustCompile(`^[0-9A-D*#]$`)

func (v *validator) checkMenu(st *Step) {
	m := st.Menu
	v.checkMedia(st, m.Prompt)
	v.checkMedia(st, m.NoInputPrompt)
	v.checkMedia(st, m.NoMatchPrompt)
	for _, o := range m.Options {
		if !menuKeyRE.MatchString(o.Key) {
			v.errorf(st, o.KeyPos, "menu option %q is not one DTMF key (0-9, *, #, A-D)", o.Key)
		}
		v.jump(st, o.Target, o.TargetPos, v.ids)
	}
	if len(m.Options) == 0 && v.doc.root == nil {
		v.errorf(st, st.ActionPos, "%s", missingMsg("menu", "options"))
	}
	v.checkRange(st, `"attempts"`, m.Attempts, m.AttemptsPos, 1, 0)
	v.checkDuration(st, m.Timeout, `"timeout"`)
}

var (
	languageRE  = regexp.MustCompile(`^[a-z]{2,3}([_-][A-Za-z0-9]+)*$`)
	sayNumberRE = regexp.MustCompile(`^-?[0-9]+$`)
)

func (v *validator) checkSay(st *Step) {
	s := st.Say
	switch {
	case s.Kind == "":
		if v.doc.root == nil { // otherwise the schema has said why
			v.errorf(st, st.ActionPos, "%s", sayCountMsg(nil))
		}
	case !slices.Contains(SayKinds, s.Kind):
		v.errorf(st, s.KindPos, "%s", enumText("say kind", s.Kind, SayKinds))
	case s.Kind == "number" && !strings.Contains(s.Value.Src, "${") && s.Value.Src != "" && !sayNumberRE.MatchString(s.Value.Src):
		v.errorf(st, s.Value.Pos, "say number %q is not a whole number; use digits or characters to read it out as it is", s.Value.Src)
	}
	v.checkTemplate(st, s.Value)
	if s.Language != "" && !languageRE.MatchString(s.Language) {
		v.errorf(st, s.LanguagePos, "%s", languageMsg(s.Language))
	}
	v.checkInterrupt(st, s.Interrupt, s.InterruptPos)
}

// checkInterrupt checks the interrupt keys of a prompt, and warns about an
// interrupted outcome that cannot happen.
func (v *validator) checkInterrupt(st *Step, keys string, at Pos) {
	if keys != "" && !dtmfRE.MatchString(keys) {
		v.errorf(st, at, `"interrupt" takes DTMF keys (0-9, *, #, A-D), not %q`, keys)
	}
	if keys == "" {
		for _, o := range st.On {
			if o.Name == "interrupted" {
				v.warnf(st, o.Pos, `"interrupted" never happens: the %s has no interrupt keys (add interrupt: "#", for example)`, st.Action)
			}
		}
	}
}

func languageMsg(got string) string {
	return fmt.Sprintf("language %q is not valid: use a code like en, fr or en_GB", got)
}

// sayCountMsg explains a say without exactly one value to read; names are
// the kinds it has (none, or more than one).
func sayCountMsg(names []string) string {
	if len(names) == 0 {
		return "say has nothing to read: give one of digits, number or characters"
	}
	return fmt.Sprintf("say reads one value: give only one of digits, number or characters (found %s)", andList(names))
}

func (v *validator) checkSwitch(st *Step) {
	cases := st.Switch.Cases
	if len(cases) == 0 && v.doc.root == nil {
		v.errorf(st, st.ActionPos, `"switch" lists no cases`)
	}
	for i, b := range cases {
		v.jump(st, b.Goto, b.GotoPos, v.ids)
		if i > 0 && cases[i-1].When == nil && cases[i-1].Goto != "" {
			v.warnf(st, b.Pos, "this case is never tried: the case above has no when, so it always matches")
		}
	}
	if len(st.Next) > 0 && alwaysJumps(cases, v.ids) {
		v.warnf(st, st.NextPos, `"next" is never used: a case without when always matches`)
	}
}

func (v *validator) checkUnset(st *Step) {
	if len(st.Unset.Names) == 0 && v.doc.root == nil {
		v.errorf(st, st.ActionPos, `"unset" names no variables`)
	}
	for _, n := range st.Unset.Names {
		if !varNameRE.MatchString(n.Value) || slices.Contains(ReservedNames, n.Value) {
			v.errorf(st, n.Pos, "%s", varNameMsg(n.Value))
			continue
		}
		vars := v.assignedVars()
		if !slices.Contains(vars, n.Value) {
			msg := fmt.Sprintf("unset %q: no such variable (declare it in vars, or assign it with set, get_var or a step's into)", n.Value)
			if s := closest(n.Value, vars); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			v.errorf(st, n.Pos, "%s", msg)
		}
	}
}

// assignedVars returns the flow's variables, sorted: those declared in vars
// and those a step assigns (set, gather into, get_var, http into, record
// into, call into).
func (v *validator) assignedVars() []string {
	if v.vars != nil {
		return v.vars
	}
	seen := map[string]bool{}
	for _, va := range v.doc.Vars {
		seen[va.Name] = true
	}
	for _, list := range v.doc.Sections() {
		for _, st := range list.Steps {
			for _, name := range assigns(st) {
				seen[name] = true
			}
		}
	}
	v.vars = make([]string, 0, len(seen))
	for name := range seen {
		if name != "" {
			v.vars = append(v.vars, name)
		}
	}
	slices.Sort(v.vars)
	return v.vars
}

// assigns returns the variables a step assigns.
func assigns(st *Step) []string {
	var out []string
	switch {
	case st.Set != nil:
		for _, a := range st.Set.Assignments {
			out = append(out, a.Name)
		}
	case st.Gather != nil:
		out = append(out, st.Gather.Into)
	case st.GetVar != nil:
		for _, m := range st.GetVar.Vars {
			out = append(out, m.Var)
		}
	case st.HTTP != nil:
		for _, in := range st.HTTP.Into {
			out = append(out, in.Var)
		}
	case st.Record != nil:
		out = append(out, st.Record.Into)
	case st.Call != nil:
		for _, in := range st.Call.Into {
			out = append(out, in.Var)
		}
	}
	return out
}

var channelVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\(.*\))?$`)

func (v *validator) checkGetVar(st *Step) {
	if len(st.GetVar.Vars) == 0 && v.doc.root == nil {
		v.errorf(st, st.ActionPos, `"get_var" reads nothing; give it CHANNEL_VAR: flow_var pairs`)
	}
	for _, m := range st.GetVar.Vars {
		v.checkChannelVar(st, m.Channel, m.ChannelPos)
		v.checkVarTarget(st, m.Var, m.VarPos)
	}
}

func (v *validator) checkSetVar(st *Step) {
	if len(st.SetVar.Vars) == 0 && v.doc.root == nil {
		v.errorf(st, st.ActionPos, `"set_var" sets nothing; give it CHANNEL_VAR: value pairs`)
	}
	for _, cv := range st.SetVar.Vars {
		v.checkChannelVar(st, cv.Channel, cv.ChannelPos)
		v.checkTemplate(st, cv.Value)
	}
}

func (v *validator) checkChannelVar(st *Step, name string, at Pos) {
	if !channelVarRE.MatchString(name) {
		v.errorf(st, at, "%q is not a channel variable: use a name like ACCOUNT or a function like CALLERID(name)", name)
	}
}

func (v *validator) checkSendDTMF(st *Step) {
	s := st.SendDTMF
	if s.Digits.Src == "" && v.doc.root == nil {
		v.errorf(st, st.ActionPos, "send_dtmf has no digits to send")
	}
	v.checkTemplate(st, s.Digits)
	if i := badDTMF(s.Digits.Src); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s.Digits.Src[i:])
		v.errorf(st, Pos{Line: s.Digits.Pos.Line, Col: s.Digits.Pos.Col + i},
			"send_dtmf: %q is not a DTMF key (0-9, *, #, A-D) in %q", r, s.Digits.Src)
	}
	v.checkDuration(st, s.Between, `"between"`)
	v.checkDuration(st, s.Duration, `"duration"`)
}

// badDTMF returns the byte offset of the first character of src, outside
// ${...} interpolations, that is not a DTMF key; -1 if there is none.
func badDTMF(src string) int {
	for i := 0; i < len(src); i++ {
		if strings.HasPrefix(src[i:], "${") {
			end := InterpolationEnd(src, i+2)
			if end < 0 {
				return -1 // checkTemplate reports it
			}
			i = end
			continue
		}
		if !strings.ContainsRune("0123456789ABCD*#", rune(src[i])) {
			return i
		}
	}
	return -1
}

// maxHTTPRetries bounds http retries, as flow.schema.json does.
const maxHTTPRetries = 10

var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func (v *validator) checkHTTP(st *Step) {
	h := st.HTTP
	if h.Method != "" && !slices.Contains(HTTPMethods, h.Method) && v.doc.root == nil {
		v.errorf(st, st.ActionPos, "%s", enumText("method", h.Method, HTTPMethods))
	}
	switch u := h.URL.Src; {
	case u == "":
		if v.doc.root == nil {
			v.errorf(st, st.ActionPos, "%s", missingMsg("http", "url"))
		}
	case !strings.HasPrefix(u, "${") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://"):
		v.errorf(st, h.URL.Pos, "%s", urlMsg(u))
	}
	v.checkTemplate(st, h.URL)
	for _, hd := range h.Headers {
		if !headerNameRE.MatchString(hd.Name) {
			v.errorf(st, hd.NamePos, "%q is not a valid header name: use letters, digits and - (no spaces or colons)", hd.Name)
		}
		v.checkTemplate(st, hd.Value)
	}
	v.checkJSONTemplates(st, h.JSON)
	v.checkDuration(st, h.Timeout, `"timeout"`)
	v.checkRange(st, `"retries"`, h.Retries, h.RetriesPos, 0, maxHTTPRetries)
	v.checkDuration(st, h.Backoff, `"backoff"`)
	for _, in := range h.Into {
		v.checkVarTarget(st, in.Var, in.VarPos)
	}
}

// checkJSONTemplates checks the template leaves of a request body.
func (v *validator) checkJSONTemplates(st *Step, body any) {
	switch b := body.(type) {
	case Template:
		v.checkTemplate(st, b)
	case []any:
		for _, x := range b {
			v.checkJSONTemplates(st, x)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(b)) {
			v.checkJSONTemplates(st, b[k])
		}
	}
}

func urlMsg(got string) string {
	return fmt.Sprintf("url %q must start with http:// or https:// (or with a ${...} that yields one)", got)
}

func (v *validator) checkRecord(st *Step) {
	r := st.Record
	if r.Name != nil {
		v.checkTemplate(st, *r.Name)
	}
	if v.doc.root == nil { // otherwise the schema checks these
		if r.Format != "" && !slices.Contains(RecordFormats, r.Format) {
			v.errorf(st, st.ActionPos, "%s", enumText("record format", r.Format, RecordFormats))
		}
		if r.TerminateOn != nil && !slices.Contains(TerminateKeys, *r.TerminateOn) {
			v.errorf(st, st.ActionPos, `"terminate_on" takes none, any, "*" or "#", not %q`, *r.TerminateOn)
		}
	}
	v.checkDuration(st, r.MaxDuration, `"max_duration"`)
	v.checkDuration(st, r.MaxSilence, `"max_silence"`)
	v.checkVarTarget(st, r.Into, r.IntoPos)
}

// hangupJump checks the target of a record's hangup outcome: the caller is
// gone, so the call goes on in on_hangup, from the step named.
func (v *validator) hangupJump(st *Step, b Branch) {
	target, ok := v.ids[b.Goto]
	switch {
	case !ok:
		v.jump(st, b.Goto, b.GotoPos, v.ids) // no such step
		return
	case target.Section == SectionOnHangup:
		return
	}
	v.errorf(st, b.GotoPos, `goto %q: after "hangup" the caller is gone and the call goes on in on_hangup; name an on_hangup step to start from`, b.Goto)
}

var endpointRE = regexp.MustCompile(`^(\$\{|[A-Za-z][A-Za-z0-9_]*/.+)`)

func (v *validator) checkDial(st *Step) {
	a := st.Dial
	if v.doc.root == nil { // otherwise the schema checks these
		if len(a.Endpoints) == 0 {
			v.errorf(st, st.ActionPos, "%s", dialCountMsg(nil))
		}
		if a.Strategy != "" && !slices.Contains(DialStrategies, a.Strategy) {
			v.errorf(st, st.ActionPos, "%s", enumText("strategy", a.Strategy, DialStrategies))
		}
		if a.Ringback != "" && !slices.Contains(Ringbacks, a.Ringback) {
			v.errorf(st, st.ActionPos, "%s", enumText("ringback", a.Ringback, Ringbacks))
		}
	}
	for _, e := range a.Endpoints {
		if !endpointRE.MatchString(e.Src) {
			v.errorf(st, e.Pos, "%s", endpointMsg(e.Src))
		}
		v.checkTemplate(st, e)
	}
	v.checkDuration(st, a.Timeout, `"timeout"`)
	if a.CallerID != nil {
		v.checkTemplate(st, *a.CallerID)
	}
}

func endpointMsg(got string) string {
	return fmt.Sprintf("endpoint %q must be TECH/resource, e.g. PJSIP/alice (or start with ${)", got)
}

// dialCountMsg explains a dial without exactly one of endpoint and endpoints.
func dialCountMsg(names []string) string {
	if len(names) == 0 {
		return "dial has nothing to ring: give endpoint: PJSIP/alice, or endpoints: [PJSIP/alice, PJSIP/bob]"
	}
	return "dial takes endpoint or endpoints, not both: put every endpoint under endpoints"
}

// flowNameRE is the pattern of flow names, as flow.schema.json states it
// ($defs/flowName).
var flowNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (v *validator) checkCall(st *Step) {
	c := st.Call
	switch {
	case c.Flow == "":
		if v.doc.root == nil { // otherwise the schema has said why
			v.errorf(st, st.ActionPos, "%s", missingMsg("call", "flow"))
		}
	case !flowNameRE.MatchString(c.Flow):
		v.errorf(st, c.FlowPos, "%s", flowNameMsg(c.Flow))
	case c.Flow == v.doc.Name.Value:
		// Deeper recursion (a calls b calls a) is bounded at run time by the
		// depth limit.
		v.errorf(st, c.FlowPos, "call %q: a flow cannot call itself; use goto to run its steps again", c.Flow)
	}
	v.checkAssignments(st, c.With)
	for _, in := range c.Into {
		v.checkVarTarget(st, in.Var, in.VarPos)
		if in.Key != "" && (!varNameRE.MatchString(in.Key) || slices.Contains(ReservedNames, in.Key)) {
			v.errorf(st, in.KeyPos, "%s", returnNameMsg(in.Key))
		}
	}
}

func flowNameMsg(got string) string {
	return fmt.Sprintf("flow name %q is not valid: use letters, digits, ., _ and -, starting with a letter or digit", got)
}

// returnNameMsg explains a name under a call's into that no return step can
// hand back: return names follow the rules of variable names.
func returnNameMsg(name string) string {
	if slices.Contains(ReservedNames, name) {
		return fmt.Sprintf("%q is never returned: return cannot use the names every expression already has (%s)",
			name, strings.Join(ReservedNames, ", "))
	}
	return fmt.Sprintf("%q is never returned: return names are like variable names (letters, digits and _, not starting with a digit)", name)
}
