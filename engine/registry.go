package engine

import (
	"fmt"
	"sort"
)

// Registry is an immutable set of flows by name. The engine holds one at a time
// and swaps it atomically (SetFlows); calls keep the *Flow they started with.
type Registry struct {
	byName map[string]*Flow
}

// NewRegistry builds a registry; two flows with the same name are an error.
func NewRegistry(flows ...*Flow) (*Registry, error) {
	r := &Registry{byName: make(map[string]*Flow, len(flows))}
	for _, f := range flows {
		if prev, dup := r.byName[f.Name]; dup {
			return nil, fmt.Errorf("flow %q is defined twice: in %s and in %s", f.Name, prev.File, f.File)
		}
		r.byName[f.Name] = f
	}
	return r, nil
}

// Lookup returns the flow named name, or nil.
func (r *Registry) Lookup(name string) *Flow {
	if r == nil {
		return nil
	}
	return r.byName[name]
}

// Names returns the flow names in sorted order.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Flows returns the flows sorted by name.
func (r *Registry) Flows() []*Flow {
	if r == nil {
		return nil
	}
	out := make([]*Flow, 0, len(r.byName))
	for _, n := range r.Names() {
		out = append(out, r.byName[n])
	}
	return out
}

// Len returns the number of flows.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	return len(r.byName)
}
