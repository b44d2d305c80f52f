package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The semantic checks: what a JSON Schema cannot say about a flow.

var (
	stepIDRE   = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	varNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	durationRE = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`)
	dtmfRE     = regexp.MustCompile(`^[0-9A-D*#]+$`)
)

func (v *validator) checkRules() {
	doc := v.doc
	for _, va := range doc.Vars {
		if !varNameRE.MatchString(va.Name) || slices.Contains(ReservedNames, va.Name) {
			v.errorf(nil, va.Pos, "%s", varNameMsg(va.Name))
		}
	}
	v.checkDuration(nil, doc.MaxDuration, `"max_duration"`)
	v.ids = v.collectIDs()
	for _, list := range doc.Sections() {
		for _, st := range list.Steps {
			v.checkStep(st, v.ids)
		}
	}
	newGraph(doc, v.ids).check(v)
}

// collectIDs indexes the steps by id and reports repeated ids.
func (v *validator) collectIDs() map[string]*Step {
	ids := map[string]*Step{}
	for _, list := range v.doc.Sections() {
		for _, st := range list.Steps {
			if st.ID == "" {
				continue
			}
			if !stepIDRE.MatchString(st.ID) {
				v.errorf(st, st.IDPos, "%q is not a valid step id: use lowercase letters, digits, _ and -, starting with a letter", st.ID)
			}
			if first, dup := ids[st.ID]; dup {
				v.errorf(st, st.IDPos, "duplicate step id %q (first used at line %d); ids must be unique in a flow", st.ID, first.IDPos.Line)
				continue
			}
			ids[st.ID] = st
		}
	}
	return ids
}

func (v *validator) checkStep(st *Step, ids map[string]*Step) {
	if st.Action == "" {
		if v.doc.root == nil { // otherwise the schema has said why
			v.errorf(st, st.Pos, "step has no action; give it one of %s", strings.Join(ActionNames(), ", "))
		}
		return
	}
	spec, _ := action(st.Action)
	switch {
	case st.Play != nil:
		v.checkPlay(st)
	case st.Wait != nil:
		v.checkDuration(st, &st.Wait.Duration, `"wait"`)
	case st.Hangup != nil:
		if r := st.Hangup.Reason; r != "" && !slices.Contains(HangupReasons, r) {
			v.errorf(st, st.Hangup.ReasonPos, "%s", enumText("hangup reason", r, HangupReasons))
		}
	case st.Set != nil:
		v.checkAssignments(st, st.Set.Assignments)
	case st.Log != nil:
		v.checkTemplate(st, st.Log.Message)
		if l := st.Log.Level; l != "" && !slices.Contains(LogLevels, l) {
			v.errorf(st, st.Log.LevelPos, "%s", enumText("log level", l, LogLevels))
		}
	case st.Goto != nil:
		v.jump(st, st.Goto.Target, st.Goto.TargetPos, ids)
	case st.Gather != nil:
		v.checkGather(st)
	case st.Menu != nil:
		v.checkMenu(st)
	case st.Say != nil:
		v.checkSay(st)
	case st.Switch != nil:
		v.checkSwitch(st)
	case st.Unset != nil:
		v.checkUnset(st)
	case st.GetVar != nil:
		v.checkGetVar(st)
	case st.SetVar != nil:
		v.checkSetVar(st)
	case st.Transfer != nil:
		v.checkRange(st, `"priority"`, st.Transfer.Priority, st.Transfer.PriorityPos, 1, 0)
	case st.HTTP != nil:
		v.checkHTTP(st)
	case st.Record != nil:
		v.checkRecord(st)
	case st.Dial != nil:
		v.checkDial(st)
	case st.Call != nil:
		v.checkCall(st)
	case st.Return != nil:
		v.checkAssignments(st, st.Return.Values)
	case st.SendDTMF != nil:
		v.checkSendDTMF(st)
	case st.MOH != nil:
		if st.MOH.Stop && st.MOH.Class != "" {
			v.errorf(st, st.ActionPos, "moh: stop takes no class")
		}
	}

	if len(st.Next) > 0 && spec.ends {
		v.errorf(st, st.NextPos, `"next" is never used: %s`, endsReason(st.Action))
	}
	for _, b := range st.Next {
		v.jump(st, b.Goto, b.GotoPos, ids)
	}
	for _, o := range st.On {
		if !slices.Contains(spec.outcomes, o.Name) {
			v.errorf(st, o.Pos, "%s", outcomeMsg(st.Action, o.Name))
			continue
		}
		for _, b := range o.Branches {
			if st.Record != nil && o.Name == "hangup" {
				v.hangupJump(st, b)
			} else {
				v.jump(st, b.Goto, b.GotoPos, ids)
			}
		}
	}
}

// checkAssignments checks the names of set, call's with and return.
func (v *validator) checkAssignments(st *Step, as []Assignment) {
	for _, a := range as {
		if !varNameRE.MatchString(a.Name) || slices.Contains(ReservedNames, a.Name) {
			v.errorf(st, a.NamePos, "%s", varNameMsg(a.Name))
		}
	}
}

func (v *validator) checkPlay(st *Step) {
	p := st.Play
	v.checkMedia(st, p.Media)
	v.checkInterrupt(st, p.Interrupt, p.InterruptPos)
	v.checkDuration(st, p.Timeout, `"timeout"`)
}

// checkDuration reports a duration that does not parse or is not positive.
// A value that is not text at all is the schema's to report.
func (v *validator) checkDuration(st *Step, d *Duration, what string) {
	if d == nil || d.Src == "" {
		return
	}
	got, err := time.ParseDuration(d.Src)
	switch {
	case err != nil && durationRE.MatchString(d.Src):
		v.errorf(st, d.Pos, "%s of %q is too long to represent", what, d.Src)
	case err != nil || got < 0 || !durationRE.MatchString(d.Src):
		v.errorf(st, d.Pos, "%s", durationText(what, fmt.Sprintf("%q", d.Src), d.Src))
	case got == 0 && what == `"wait"`:
		v.errorf(st, d.Pos, `"wait: %s" waits for nothing; remove the step or wait longer`, d.Src)
	case got == 0:
		v.errorf(st, d.Pos, "%s of %s means no time at all; give a positive duration", what, d.Src)
	}
}

// checkTemplate reports ${ without its } and empty ${}. Columns count bytes
// from the start of the text, as engine.Compile does.
func (v *validator) checkTemplate(st *Step, t Template) {
	src := t.Src
	for off := 0; ; {
		i := strings.Index(src[off:], "${")
		if i < 0 {
			return
		}
		i += off
		end := InterpolationEnd(src, i+2)
		if end < 0 {
			v.errorf(st, Pos{Line: t.Pos.Line, Col: t.Pos.Col + i}, "unclosed ${ in %q", src)
			return
		}
		if strings.TrimSpace(src[i+2:end]) == "" {
			v.errorf(st, Pos{Line: t.Pos.Line, Col: t.Pos.Col + i}, "empty ${} in %q", src)
		}
		off = end + 1
	}
}

// InterpolationEnd returns the index in s of the } that closes a ${...}
// interpolation whose body starts at i, skipping nested braces and quoted
// strings, or -1 if it is not closed. engine.Compile splits templates with it.
func InterpolationEnd(s string, i int) int {
	depth := 0
	var quote byte
	for ; i < len(s); i++ {
		switch ch := s[i]; {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'' || ch == '`':
			quote = ch
		case ch == '{':
			depth++
		case ch == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// jump checks one goto, next or on target.
func (v *validator) jump(st *Step, id string, at Pos, ids map[string]*Step) {
	if id == "" {
		return // not text: the schema reports it
	}
	target, ok := ids[id]
	if !ok {
		msg := fmt.Sprintf("goto %q: no step has this id", id)
		if s := closest(id, v.knownIDs()); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		v.errorf(st, at, "%s", msg)
		return
	}
	if (st.Section == SectionOnHangup) != (target.Section == SectionOnHangup) {
		if st.Section == SectionOnHangup {
			v.errorf(st, at, "goto %q: on_hangup steps can only jump to other on_hangup steps (the caller is gone)", id)
		} else {
			v.errorf(st, at, "goto %q: that step is in on_hangup, which runs only when the caller hangs up", id)
		}
	}
}

// maxSuggestIDs bounds the ids searched for a suggestion, so a huge flow full
// of dangling jumps stays linear.
const maxSuggestIDs = 1000

// knownIDs returns the step ids, sorted, for suggestions; none for flows with
// more than maxSuggestIDs ids.
func (v *validator) knownIDs() []string {
	if v.sortedIDs == nil && len(v.ids) <= maxSuggestIDs {
		v.sortedIDs = make([]string, 0, len(v.ids))
		for k := range v.ids {
			v.sortedIDs = append(v.sortedIDs, k)
		}
		slices.Sort(v.sortedIDs)
	}
	return v.sortedIDs
}

func enumText(what, got string, valid []string) string {
	if c := closest(got, valid); c != "" {
		return fmt.Sprintf("%s %q is not valid; did you mean %q? (valid: %s)", what, got, c, strings.Join(valid, ", "))
	}
	return fmt.Sprintf("%s %q is not valid; use %s", what, got, orList(valid))
}
