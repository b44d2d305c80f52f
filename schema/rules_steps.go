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
