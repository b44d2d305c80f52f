package schema

import (
	"bytes"
	_ "embed"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	yaml "go.yaml.in/yaml/v3"
)

// TestSchemaJSON is test.schema.json, the JSON Schema of a flow test file
// (*.test.yaml), run by `flowrunner test`. Read-only.
//
//go:embed test.schema.json
var TestSchemaJSON []byte

// TestSchemaID is the $id of TestSchemaJSON.
const TestSchemaID = "https://flowrunner.dev/schema/test.schema.json"

var testSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(TestSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(TestSchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(TestSchemaID)
})

// TestFile is a parsed flow test file: cases run against one flow.
type TestFile struct {
	File    string
	Flow    Str // "" when the file does not name it
	Secrets map[string]string
	Cases   []*TestCase
}

// Str is a string with the position of its value.
type Str struct {
	Value string
	Pos   Pos
}

// TestCase is one scripted call and what must happen in it.
type TestCase struct {
	Name          Str
	Args          []string
	Start         time.Time // zero: the sandbox's default
	CallerNumber  string
	CallerName    string
	Vars          map[string]any // initial values of flow variables
	VarsPos       map[string]Pos // where each variable is named
	MissingSounds []string
	Script        Str            // arisim.ParseScript's text form
	Callees       map[string]Str // endpoint → arisim.ParseCallee's text form
	HTTP          []HTTPMock
	Expect        Expect
}

// HTTPMock answers the http steps' requests that match Method (any when "")
// and URL (a path.Match pattern of the full URL).
type HTTPMock struct {
	Pos     Pos
	Method  string
	URL     Str
	Status  int // default 200
	JSON    any // nil: an empty body
	Delay   time.Duration
	Timeout bool
}

// Expect is what a case checks; a nil list or empty value is not checked.
type Expect struct {
	Path, Prompts, Actions, Logs []Str
	// Set tells which lists the file gives (an empty list is checked too).
	Set      map[string]Pos
	Outcome  Str
	Duration *Duration
	// Vars are the variables' expected values at the end, with the position
	// of each name.
	Vars    map[string]any
	VarsPos map[string]Pos
}

// ParseTest reads a flow test file: YAML, then test.schema.json, then a
// decode that keeps positions. Every problem is a diagnostic at its
// file:line:col; the TestFile is nil when there are errors.
func ParseTest(file string, src []byte) (*TestFile, Diagnostics) {
	p := &parser{file: file, src: src, dups: map[*yaml.Node]bool{}}
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc)
	switch {
	case errors.Is(err, io.EOF) || err == nil && len(doc.Content) == 0:
		p.errorf(Pos{}, "the file is empty; a test file needs cases:")
	case err != nil:
		p.yamlError(err)
	}
	if p.diags.HasErrors() {
		return nil, p.finish(nil)
	}
	root := doc.Content[0]
	p.checkNode(root)
	sch, err := testSchema()
	if err != nil {
		p.errorf(Pos{}, "internal error: the test schema does not compile: %v", err)
		return nil, p.finish(nil)
	}
	var ve *jsonschema.ValidationError
	if errors.As(sch.Validate(toJSON(root, p.dups)), &ve) {
		for _, e := range leaves(ve, nil) {
			n := lookup(root, e.InstanceLocation, p.dups)
			if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
				for _, name := range ap.Properties {
					p.errorf(pos(keyNode(n, name, p.dups)), "unknown key %q", name)
				}
				continue
			}
			p.errorf(contentPos(n), "%s", e.ErrorKind.LocalizedString(printer))
		}
	}
	if p.diags.HasErrors() {
		return nil, p.finish(nil)
	}
	return decodeTest(file, root), p.finish(nil)
}

// checkNode reports duplicate keys and anchors, which test files do not use.
func (p *parser) checkNode(n *yaml.Node) {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		p.errorf(pos(n), "YAML anchors and aliases are not supported in test files")
		return
	}
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if seen[k.Value] {
				p.dups[k] = true
				p.errorf(pos(k), "duplicate key %q", k.Value)
			}
			seen[k.Value] = true
		}
	}
	for _, c := range n.Content {
		p.checkNode(c)
	}
}

// decodeTest decodes a tree that passed the schema.
func decodeTest(file string, root *yaml.Node) *TestFile {
	tf := &TestFile{File: file}
	eachKey(root, func(k string, v *yaml.Node) {
		switch k {
		case "flow":
			tf.Flow = strOf(v)
		case "secrets":
			tf.Secrets = map[string]string{}
			eachKey(v, func(k string, v *yaml.Node) { tf.Secrets[k] = v.Value })
		case "cases":
			for _, c := range v.Content {
				tf.Cases = append(tf.Cases, decodeCase(c))
			}
		}
	})
	return tf
}

func decodeCase(n *yaml.Node) *TestCase {
	tc := &TestCase{Name: Str{Pos: pos(n)}}
	eachKey(n, func(k string, v *yaml.Node) {
		switch k {
		case "name":
			tc.Name = strOf(v)
		case "args":
			for _, a := range v.Content {
				tc.Args = append(tc.Args, a.Value)
			}
		case "start":
			tc.Start, _ = time.Parse(time.RFC3339, v.Value)
		case "caller":
			eachKey(v, func(k string, v *yaml.Node) {
				if k == "number" {
					tc.CallerNumber = v.Value
				} else {
					tc.CallerName = v.Value
				}
			})
		case "vars":
			tc.Vars, tc.VarsPos = map[string]any{}, map[string]Pos{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k := v.Content[i]
				tc.Vars[k.Value], tc.VarsPos[k.Value] = literal(v.Content[i+1]), pos(k)
			}
		case "missing_sounds":
			for _, a := range v.Content {
				tc.MissingSounds = append(tc.MissingSounds, a.Value)
			}
		case "script":
			tc.Script = strOf(v)
		case "callees":
			tc.Callees = map[string]Str{}
			eachKey(v, func(k string, v *yaml.Node) { tc.Callees[k] = strOf(v) })
		case "http":
			for _, m := range v.Content {
				tc.HTTP = append(tc.HTTP, decodeMock(m))
			}
		case "expect":
			tc.Expect = decodeExpect(v)
		}
	})
	return tc
}

func decodeMock(n *yaml.Node) HTTPMock {
	m := HTTPMock{Pos: pos(n), Status: 200}
	eachKey(n, func(k string, v *yaml.Node) {
		switch k {
		case "method":
			m.Method = v.Value
		case "url":
			m.URL = strOf(v)
		case "status":
			m.Status, _ = scalar(v).(int)
		case "json":
			m.JSON = literal(v)
		case "delay":
			m.Delay, _ = time.ParseDuration(v.Value)
		case "timeout":
			m.Timeout, _ = scalar(v).(bool)
		}
	})
	return m
}

func decodeExpect(n *yaml.Node) Expect {
	e := Expect{Set: map[string]Pos{}}
	eachKey(n, func(k string, v *yaml.Node) {
		e.Set[k] = contentPos(v)
		list := func() []Str {
			out := []Str{}
			for _, c := range v.Content {
				out = append(out, strOf(c))
			}
			return out
		}
		switch k {
		case "path":
			e.Path = list()
		case "prompts":
			e.Prompts = list()
		case "actions":
			e.Actions = list()
		case "logs":
			e.Logs = list()
		case "outcome":
			e.Outcome = strOf(v)
		case "duration":
			d := Duration{Src: v.Value, Pos: contentPos(v)}
			d.D, _ = time.ParseDuration(v.Value)
			e.Duration = &d
		case "vars":
			e.Vars, e.VarsPos = map[string]any{}, map[string]Pos{}
			eachKey(v, func(name string, val *yaml.Node) {
				var x any
				_ = val.Decode(&x)
				e.Vars[name] = x
				e.VarsPos[name] = contentPos(val)
			})
		}
	})
	return e
}

func eachKey(n *yaml.Node, fn func(k string, v *yaml.Node)) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, n.Content[i+1])
	}
}

func strOf(n *yaml.Node) Str { return Str{Value: n.Value, Pos: contentPos(n)} }
