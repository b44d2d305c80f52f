package reload

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

// TestReloadSequence runs one directory through a sequence of edits; each
// step checks the flows serving, the errors, and which compiled flows were
// kept identical.
func TestReloadSequence(t *testing.T) {
	type step struct {
		name    string
		write   map[string]string
		remove  []string
		flows   map[string]string // flow name -> file serving it
		errs    []string          // substrings, one per expected error, in order
		same    []string          // flows whose *Flow must be the previous one
		changes []string          // "kind flow", sorted by flow
	}
	steps := []step{
		{
			name:    "initial load",
			write:   map[string]string{"a.yaml": flowSrc("a", "v1"), "sub/b.yaml": flowSrc("b", "v1"), "a.test.yaml": "not a flow"},
			flows:   map[string]string{"a": "a.yaml", "b": "sub/b.yaml"},
			changes: []string{"added a", "added b"},
		},
		{
			name:    "add a file",
			write:   map[string]string{"c.yml": flowSrc("c", "v1")},
			flows:   map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "c": "c.yml"},
			same:    []string{"a", "b"},
			changes: []string{"added c"},
		},
		{
			name:  "unchanged reload keeps every pointer",
			flows: map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "c": "c.yml"},
			same:  []string{"a", "b", "c"},
		},
		{
			name:    "change a file",
			write:   map[string]string{"a.yaml": flowSrc("a", "v2")},
			flows:   map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "c": "c.yml"},
			same:    []string{"b", "c"},
			changes: []string{"changed a"},
		},
		{
			name:  "broken file keeps its previous version",
			write: map[string]string{"a.yaml": brokenSrc("a")},
			flows: map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "c": "c.yml"},
			errs:  []string{"a.yaml:4:"},
			same:  []string{"a", "b", "c"},
		},
		{
			name:  "a new broken file is absent; the old error stays reported",
			write: map[string]string{"d.yaml": brokenSrc("d")},
			flows: map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "c": "c.yml"},
			errs:  []string{"a.yaml:4:", "d.yaml:4:"},
			same:  []string{"a", "b", "c"},
		},
		{
			name:    "restore fixes it",
			write:   map[string]string{"a.yaml": flowSrc("a", "v3"), "d.yaml": flowSrc("d", "v1")},
			flows:   map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "c": "c.yml", "d": "d.yaml"},
			same:    []string{"b", "c"},
			changes: []string{"changed a", "added d"},
		},
		{
			name:    "remove a file",
			remove:  []string{"c.yml"},
			flows:   map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "d": "d.yaml"},
			same:    []string{"a", "b", "d"},
			changes: []string{"removed c"},
		},
		{
			name:  "break d",
			write: map[string]string{"d.yaml": brokenSrc("d")},
			flows: map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "d": "d.yaml"},
			errs:  []string{"d.yaml:4:"},
			same:  []string{"a", "b", "d"},
		},
		{
			name:  "put d back as it was: the serving flow is kept, not recompiled",
			write: map[string]string{"d.yaml": flowSrc("d", "v1")},
			flows: map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "d": "d.yaml"},
			same:  []string{"a", "b", "d"},
		},
		{
			name:  "a second file claiming a name loses to the owner",
			write: map[string]string{"a-copy.yaml": flowSrc("a", "copy")},
			flows: map[string]string{"a": "a.yaml", "b": "sub/b.yaml", "d": "d.yaml"},
			errs:  []string{`a-copy.yaml:2:7: flow "a": flow "a" is also defined in ` + "DIR/a.yaml; DIR/a.yaml keeps serving it"},
			same:  []string{"a", "b", "d"},
		},
		{
			name:    "the owner renames its flow; the other file takes the name",
			write:   map[string]string{"a.yaml": flowSrc("a2", "v1")},
			flows:   map[string]string{"a": "a-copy.yaml", "a2": "a.yaml", "b": "sub/b.yaml", "d": "d.yaml"},
			same:    []string{"b", "d"},
			changes: []string{"changed a", "added a2"},
		},
		{
			name:    "renaming onto an owned name is rejected; the old flow keeps serving",
			write:   map[string]string{"d.yaml": flowSrc("b", "d-as-b")},
			flows:   map[string]string{"a": "a-copy.yaml", "a2": "a.yaml", "b": "sub/b.yaml", "d": "d.yaml"},
			errs:    []string{`d.yaml:2:7: flow "b": flow "b" is also defined in DIR/sub/b.yaml`},
			same:    []string{"a", "a2", "b", "d"},
			changes: nil,
		},
	}
	h := newHarness(t, "")
	var prev *engine.Registry
	for _, s := range steps {
		for name, src := range s.write {
			h.write(name, src)
		}
		for _, name := range s.remove {
			h.remove(name)
		}
		res := h.reload()
		cur := h.r.Status()
		reg := prev
		if res.Swapped {
			reg = <-h.swaps
		}
		got := map[string]string{}
		for _, f := range reg.Flows() {
			got[f.Name] = strings.TrimPrefix(f.File, h.dir+"/")
		}
		if !maps.Equal(got, s.flows) {
			t.Errorf("%s: flows %v, want %v", s.name, got, s.flows)
		}
		if len(cur.Flows) != len(s.flows) {
			t.Errorf("%s: status lists %d flows, want %d", s.name, len(cur.Flows), len(s.flows))
		}
		if len(res.Errors) != len(s.errs) {
			t.Errorf("%s: errors\n%v\nwant %d", s.name, res.Errors, len(s.errs))
		} else {
			for i, d := range res.Errors {
				want := strings.ReplaceAll(s.errs[i], "DIR", h.dir)
				if !strings.Contains(d.Error(), want) {
					t.Errorf("%s: error %d = %q, want it to contain %q", s.name, i, d.Error(), want)
				}
			}
		}
		for _, name := range s.same {
			if reg.Lookup(name) != prev.Lookup(name) || reg.Lookup(name) == nil {
				t.Errorf("%s: flow %q was recompiled or replaced", s.name, name)
			}
		}
		var ch []string
		for _, c := range res.Changes {
			ch = append(ch, c.Kind()+" "+c.Flow)
		}
		if !slices.Equal(ch, s.changes) {
			t.Errorf("%s: changes %v, want %v", s.name, ch, s.changes)
		}
		if res.Swapped != (len(s.changes) > 0) {
			t.Errorf("%s: swapped=%v with changes %v", s.name, res.Swapped, ch)
		}
		prev = reg
	}
}

// TestReloadDoesNotRetryRejectedFile checks that a rejected file is loaded
// once: later reloads reuse its diagnostics until its content changes.
func TestReloadDoesNotRetryRejectedFile(t *testing.T) {
	h := newHarness(t, "")
	h.write("a.yaml", flowSrc("a", "v1"))
	h.write("b.yaml", brokenSrc("b"))
	if res := h.reload(); res.Compiled != 2 || len(res.Errors) != 1 {
		t.Fatalf("first reload: compiled %d, errors %v", res.Compiled, res.Errors)
	}
	if res := h.reload(); res.Compiled != 0 || len(res.Errors) != 1 {
		t.Fatalf("second reload: compiled %d, errors %v", res.Compiled, res.Errors)
	}
	st := h.r.Status()
	if st.LastError == nil || st.LastError.Seq != 2 || len(st.Files) != 2 || !st.Files[1].Rejected || st.Files[0].Rejected {
		t.Fatalf("status %+v", st)
	}
}

// TestReloadDuplicateWithoutOwner rejects both files when neither served the
// name before.
func TestReloadDuplicateWithoutOwner(t *testing.T) {
	h := newHarness(t, "")
	h.write("x1.yaml", flowSrc("x", "1"))
	h.write("x2.yaml", flowSrc("x", "2"))
	h.write("y.yaml", flowSrc("y", "1"))
	res := h.reload()
	if len(res.Flows) != 1 || res.Flows[0].Name != "y" {
		t.Fatalf("flows %+v", res.Flows)
	}
	if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Error(), "x2.yaml") || !strings.Contains(res.Errors[1].Error(), "x1.yaml") {
		t.Fatalf("errors %v", res.Errors)
	}
}

// TestReloadMissingDirectoryKeepsFlows keeps serving when the directory
// disappears, and reports it.
func TestReloadMissingDirectoryKeepsFlows(t *testing.T) {
	dir := t.TempDir() + "/flows"
	h := newHarness(t, dir)
	h.write("a.yaml", flowSrc("a", "v1"))
	h.reload()
	if err := removeAll(dir); err != nil {
		t.Fatal(err)
	}
	res := h.reload()
	if res.Swapped || len(res.Flows) != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Msg, "flows loaded before keep serving") {
		t.Fatalf("result %+v", res)
	}
}
