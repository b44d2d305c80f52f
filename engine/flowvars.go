package engine

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// Vars returns the names of the flow's variables (declared in vars: or first
// set by a step), sorted.
func (f *Flow) Vars() []string { return slices.Sorted(maps.Keys(f.vars)) }

// WithVars returns a copy of f whose calls start with vals instead of the
// variables' initial values; f is unchanged. Tests use it to start a call in a
// given state. Each name must be one of f's variables, and each value
// (integers of any size, float64, string, bool, lists and maps as YAML
// decodes them) of the variable's type.
func (f *Flow) WithVars(vals map[string]any) (*Flow, error) {
	out := *f
	out.vars = maps.Clone(f.vars)
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		cur, ok := f.vars[name]
		if !ok {
			return nil, fmt.Errorf("flow %q has no variable %q", f.Name, name)
		}
		v := normalizeLiteral(vals[name])
		if got, want := reflect.TypeOf(v), reflect.TypeOf(cur); !assignable(got, want) {
			return nil, fmt.Errorf("variable %s is %s, not %s", name, withArticle(typeName(want)), typeName(got))
		}
		out.vars[name] = v
	}
	return &out, nil
}
