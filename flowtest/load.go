package flowtest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/schema"
)

// Suite is a test file with its flow, ready to run.
type Suite struct {
	File  *schema.TestFile
	Flow  *engine.Flow
	Graph engine.Graph
	// flows are the cases' flows: Flow, or a copy with the case's vars.
	flows map[*schema.TestCase]*engine.Flow
	// subflows are the flows beside Flow that its call steps may run.
	subflows []*engine.Flow
	// scripts and callees are the cases' parsed caller and callee scripts.
	scripts map[*schema.TestCase]arisim.Script
	callees map[*schema.TestCase]map[string]arisim.Callee
}

// IsTestFile reports whether name is a flow test file (*.test.yaml, *.test.yml).
func IsTestFile(name string) bool {
	return strings.HasSuffix(name, ".test.yaml") || strings.HasSuffix(name, ".test.yml")
}

// TestFiles lists the test files in paths: test files as given, a flow file's
// tests (main.yaml: main.test.yaml), directories searched recursively (hidden
// entries skipped); sorted, without duplicates.
func TestFiles(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if !IsTestFile(p) {
				// A flow file stands for its tests.
				ext := filepath.Ext(p)
				p = strings.TrimSuffix(p, ext) + ".test" + ext
				if _, err := os.Stat(p); err != nil {
					return nil, fmt.Errorf("%s is not a test file (*.test.yaml), and has none beside it", strings.TrimSuffix(p, ".test"+ext)+ext)
				}
			}
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && IsTestFile(d.Name()) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Load reads a test file and its flow and checks what the cases name: the
// flow file, the steps of expected paths, the prompts (a prompt must appear in
// the flow file, unless the flow builds media from expressions), scripts and
// callees. Every problem is a diagnostic at its file:line:col.
func Load(path string) (*Suite, schema.Diagnostics) {
	src, d := schema.ReadFile(path)
	if d != nil {
		return nil, schema.Diagnostics{*d}
	}
	tf, diags := schema.ParseTest(path, src)
	if tf == nil {
		return nil, diags
	}
	l := &loader{file: path}
	flowPath := tf.Flow.Value
	if flowPath == "" {
		base := filepath.Base(path)
		flowPath = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
		flowPath = strings.TrimSuffix(flowPath, ".test") + filepath.Ext(base)
	}
	flowPath = filepath.Join(filepath.Dir(path), flowPath)
	flowSrc, rd := schema.ReadFile(flowPath)
	if rd != nil {
		l.errorf(tf.Flow.Pos, "flow %s: %s", flowPath, rd.Msg)
		return nil, l.diags
	}
	flow, fdiags := engine.Load(flowPath, flowSrc)
	if flow == nil {
		l.errorf(tf.Flow.Pos, "flow %s does not load:\n%v", flowPath, fdiags.Errors())
		return nil, l.diags
	}
	s := &Suite{File: tf, Flow: flow, Graph: flow.Graph(),
		flows: map[*schema.TestCase]*engine.Flow{}, scripts: map[*schema.TestCase]arisim.Script{}, callees: map[*schema.TestCase]map[string]arisim.Callee{}}
	if len(flow.Calls()) > 0 {
		s.subflows = l.loadSubflows(tf, flowPath, flow)
	}
	ids := map[string]bool{}
	for _, n := range s.Graph.Nodes {
		ids[n.ID] = true
	}
	templated := strings.Contains(string(flowSrc), "${")
	names := map[string]bool{}
	for _, tc := range tf.Cases {
		if names[tc.Name.Value] {
			l.errorf(tc.Name.Pos, "a second case named %q", tc.Name.Value)
		}
		names[tc.Name.Value] = true
		s.flows[tc] = flow
		for _, name := range slices.Sorted(maps.Keys(tc.Vars)) {
			f, err := s.flows[tc].WithVars(map[string]any{name: tc.Vars[name]})
			if err != nil {
				l.errorf(tc.VarsPos[name], "vars: %v", err)
				continue
			}
			s.flows[tc] = f
		}
		sc, err := arisim.ParseScript(tc.Script.Value)
		if err != nil {
			l.errorf(tc.Script.Pos, "%v", err)
		}
		s.scripts[tc] = sc
		s.callees[tc] = map[string]arisim.Callee{}
		for ep, text := range tc.Callees {
			c, err := arisim.ParseCallee(text.Value)
			if err != nil {
				l.errorf(text.Pos, "%v", err)
			}
			s.callees[tc][ep] = c
		}
		for _, st := range tc.Expect.Path {
			if !ids[st.Value] {
				l.errorf(st.Pos, "flow %q has no step %q%s", flow.Name, st.Value, suggest(st.Value, s.Graph))
			}
		}
		for _, p := range tc.Expect.Prompts {
			if !templated && !strings.Contains(string(flowSrc), p.Value) {
				l.errorf(p.Pos, "flow %q never plays %q", flow.Name, p.Value)
			}
		}
	}
	if len(l.diags) > 0 {
		l.diags.Sort()
		return nil, l.diags
	}
	return s, nil
}

func suggest(id string, g engine.Graph) string {
	var all []string
	for _, n := range g.Nodes {
		all = append(all, n.ID)
	}
	if c := schema.Closest(id, all); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

type loader struct {
	file  string
	diags schema.Diagnostics
}

func (l *loader) errorf(at schema.Pos, format string, args ...any) {
	l.diags = append(l.diags, schema.Diagnostic{File: l.file, Pos: at, Msg: fmt.Sprintf(format, args...)})
}

// loadSubflows loads the flows in the flow's directory, which its call steps
// may run, as serve would load them together, and reports calls that name a
// flow that is not there.
func (l *loader) loadSubflows(tf *schema.TestFile, flowPath string, flow *engine.Flow) []*engine.Flow {
	files, err := engine.FlowFiles(filepath.Dir(flowPath))
	if err != nil {
		l.errorf(tf.Flow.Pos, "loading the flows beside %s: %v", flowPath, err)
		return nil
	}
	var subs []*engine.Flow
	for _, f := range files {
		if filepath.Clean(f) == filepath.Clean(flowPath) {
			continue
		}
		if g, _ := engine.LoadFile(f); g != nil && g.Name != flow.Name {
			subs = append(subs, g)
		}
	}
	reg, err := engine.NewRegistry(append([]*engine.Flow{flow}, subs...)...)
	if err != nil {
		l.errorf(tf.Flow.Pos, "%v", err)
		return nil
	}
	l.diags = append(l.diags, engine.CheckCalls(reg)...)
	return subs
}
