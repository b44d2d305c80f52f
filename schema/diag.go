package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a 1-based line and column in a flow file. The zero Pos means "unknown".
type Pos struct {
	Line int
	Col  int
}

// IsValid reports whether p names a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Severity says whether a diagnostic stops a flow from loading.
type Severity uint8

// Severities, from the most serious.
const (
	// SeverityError stops the flow from loading.
	SeverityError Severity = iota
	// SeverityWarning is reported but the flow still loads (unless the
	// validator runs with --strict).
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem in a flow file, with everything a flow author needs
// to find it: file, position, flow name, step and message.
type Diagnostic struct {
	File     string
	Pos      Pos
	Flow     string // the flow's name, if known
	Step     string // the step's label (see Step.Label), if the problem is inside a step
	Severity Severity
	Msg      string
}

// Error renders the diagnostic as
//
//	file:line:col: flow "x" step "y": message
//
// with "warning: " before the message for warnings. Editors and CI systems jump
// to the position.
func (d Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Pos.IsValid() {
		fmt.Fprintf(&b, ":%d:%d", d.Pos.Line, d.Pos.Col)
	}
	b.WriteString(": ")
	if d.Flow != "" {
		fmt.Fprintf(&b, "flow %q ", d.Flow)
	}
	if d.Step != "" {
		fmt.Fprintf(&b, "step %s ", d.Step)
	}
	if d.Flow != "" || d.Step != "" {
		s := b.String()
		b.Reset()
		b.WriteString(strings.TrimSuffix(s, " "))
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	return b.String()
}

// Diagnostics is every problem found in one or more files.
type Diagnostics []Diagnostic

// Sort orders the diagnostics by file, then position, then message.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}

// HasErrors reports whether any diagnostic is an error (not a warning).
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// Error joins all diagnostics, one per line, so Diagnostics can be returned as
// an error.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}
