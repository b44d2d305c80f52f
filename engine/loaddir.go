package engine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowrunner/flowrunner/schema"
)

// IsFlowFile reports whether name is a flow file: *.yaml or *.yml, but not a
// flow test (*.test.yaml, *.test.yml).
func IsFlowFile(name string) bool {
	ext := filepath.Ext(name)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(name, ext), ".test")
}

// FlowFiles expands paths into flow files: a file is taken as it is, a directory
// is walked recursively for flow files (see IsFlowFile), skipping hidden
// entries such as Kubernetes' ..data. The result is sorted and without duplicates.
func FlowFiles(paths ...string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			add(p)
			continue
		}
		root := walkRoot(p)
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
				if IsFlowFile(d.Name()) {
					add(path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// walkRoot returns dir as filepath.WalkDir must be given it to walk the
// directory: a symlink to a directory (a flows directory mounted through a
// link) gets a trailing separator, or WalkDir would not follow it.
func walkRoot(dir string) string {
	if li, err := os.Lstat(dir); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		return dir + string(filepath.Separator)
	}
	return dir
}

// LoadFiles loads each file with LoadFile and builds a registry of the flows
// that loaded. Diagnostics of all files come back sorted; the registry is nil
// if any file failed or two flows share a name.
func LoadFiles(files []string) (*Registry, schema.Diagnostics) {
	var flows []*Flow
	var diags schema.Diagnostics
	for _, f := range files {
		flow, d := LoadFile(f)
		diags = append(diags, d...)
		if flow != nil {
			flows = append(flows, flow)
		}
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	reg, err := NewRegistry(flows...)
	if err != nil {
		diags = append(diags, schema.Diagnostic{File: files[0], Severity: schema.SeverityError, Msg: err.Error()})
		return nil, diags
	}
	diags = append(diags, CheckCalls(reg)...)
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	if reg.Len() == 0 {
		diags = append(diags, schema.Diagnostic{File: strings.Join(files, ","), Severity: schema.SeverityError, Msg: "no flow files found"})
		return nil, diags
	}
	return reg, diags
}

// CheckCalls reports call steps that name a flow the registry does not hold.
// (At run time such a call fails into on_error; loading flows together
// catches it first.)
func CheckCalls(reg *Registry) schema.Diagnostics {
	var diags schema.Diagnostics
	for _, name := range reg.Names() {
		f := reg.Lookup(name)
		for _, ref := range f.Calls() {
			bad := func(format string, args ...any) {
				diags = append(diags, schema.Diagnostic{File: f.File, Pos: ref.Pos, Flow: f.Name, Step: ref.Step,
					Severity: schema.SeverityError, Msg: fmt.Sprintf(format, args...)})
			}
			sub := reg.Lookup(ref.Flow)
			if sub == nil {
				bad("call: no flow named %q is loaded with this one%s", ref.Flow, closestFlow(reg, ref.Flow))
				continue
			}
			for _, name := range ref.With {
				if _, ok := sub.vars[name]; !ok {
					bad("call %s: with %s: flow %q has no variable %q (declare it in its vars)", ref.Flow, name, ref.Flow, name)
				}
			}
		}
	}
	return diags
}

// closestFlow suggests the loaded flow whose name is nearest to name.
func closestFlow(reg *Registry, name string) string {
	if best := schema.Closest(name, reg.Names()); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}
