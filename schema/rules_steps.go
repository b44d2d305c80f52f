package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
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
// and those a step assigns (set, gather into, get_var, http into, record into).
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
