package schema

import (
	"fmt"
)

// Validate checks a parsed Document and returns every problem it finds, sorted
// by position: first the JSON Schema (flow.schema.json) over the YAML tree Parse
// kept, with each error mapped back to its line and column and reworded for
// flow authors, then the rules a schema cannot state:
//
//   - step ids are unique, and every goto, next, on, menu option and switch
//     case names an existing step (with the closest id suggested); on_hangup
//     steps jump only among themselves, and a record's hangup outcome only
//     into on_hangup;
//   - outcomes under on: exist for the step's action; next is not used after
//     goto, hangup, transfer or return;
//   - settings of the step catalogue: gather digit counts, terminator and
//     pattern (a Go regular expression), menu keys, say values, channel
//     variable and header names, DTMF to send, http URLs and retries, dial
//     endpoints; call flow names (not the flow's own) and the names of with,
//     into and return; unset names only variables the flow has;
//   - durations parse and are positive; media URIs have a known scheme and
//     something after it; ${...} interpolations are closed and not empty;
//   - variables do not reuse the names every expression has (ReservedNames);
//   - warnings: steps that nothing reaches, loops in which no step takes
//     time (play, wait, gather, menu, say, record, dial, http, call), switch cases
//     that are never tried.
//
// Expressions are not checked here: engine.Compile compiles them against the
// runtime environment. A Document built in Go (not by Parse) gets only the
// rules. A problem the schema reports is not reported again by the rules.
// Validate is safe to call concurrently on different Documents.
func Validate(doc *Document) Diagnostics {
	if doc == nil {
		return nil
	}
	v := &validator{doc: doc}
	if doc.root != nil {
		v.checkSchema()
	}
	v.checkRules()
	return v.result()
}

// validator collects the diagnostics of one Validate call.
type validator struct {
	doc    *Document
	schema Diagnostics // from the JSON Schema
	rules  Diagnostics // from the semantic checks

	ids       map[string]*Step // steps by id
	sortedIDs []string         // the ids, sorted, for suggestions; see knownIDs
	vars      []string         // the variables, sorted, once needed; see assignedVars
}

// result merges the two sets: a rule diagnostic at a position the schema
// already reported is dropped, so each node gets its best message once.
func (v *validator) result() Diagnostics {
	type key struct {
		pos Pos
		msg string
	}
	seen := map[key]bool{}
	atSchema := map[Pos]bool{}
	var out Diagnostics
	add := func(d Diagnostic) {
		k := key{d.Pos, d.Msg}
		if seen[k] {
			return
		}
		seen[k] = true
		d.File = v.doc.File
		d.Flow = v.doc.Name.Value
		out = append(out, d)
	}
	for _, d := range v.schema {
		atSchema[d.Pos] = true
		add(d)
	}
	for _, d := range v.rules {
		if !atSchema[d.Pos] || !d.Pos.IsValid() {
			add(d)
		}
	}
	out.Sort()
	return out
}

func (v *validator) schemaError(st *Step, at Pos, msg string) {
	v.schema = append(v.schema, diag(st, at, SeverityError, msg))
}

func (v *validator) errorf(st *Step, at Pos, format string, args ...any) {
	v.rules = append(v.rules, diag(st, at, SeverityError, fmt.Sprintf(format, args...)))
}

func (v *validator) warnf(st *Step, at Pos, format string, args ...any) {
	v.rules = append(v.rules, diag(st, at, SeverityWarning, fmt.Sprintf(format, args...)))
}

func diag(st *Step, at Pos, sev Severity, msg string) Diagnostic {
	d := Diagnostic{Pos: at, Severity: sev, Msg: msg}
	if st != nil {
		d.Step = st.Label()
	}
	return d
}
