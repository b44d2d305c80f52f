package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yaml "go.yaml.in/yaml/v3"
)

// fileSchema compiles flow.schema.json as an editor would: from the file on
// disk, with a fresh compiler.
func fileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("flow.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestExamples checks every example flow: it starts with the editor's schema
// comment, validates against flow.schema.json read from disk (YAML decoded by
// the YAML library into plain values, independently of Parse), and parses and
// validates with no diagnostic at all. The same holds for testdata/good.
//
// The plain decoding is YAML 1.2, as in Parse and the YAML language server:
// `on` is a string. YAML 1.1 readers (sigs.k8s.io/yaml, PyYAML) read a bare
// `on:` key as true.
func TestExamples(t *testing.T) {
	sch := fileSchema(t)
	examples, _ := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	examples = slices.DeleteFunc(examples, func(p string) bool { return strings.HasSuffix(p, ".test.yaml") })
	if len(examples) < 4 {
		t.Fatalf("want at least 4 examples, found %d", len(examples))
	}
	files := append(examples, corpus(t, "good")...)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(path, "examples") &&
				!bytes.HasPrefix(src, []byte("# yaml-language-server: $schema=../schema/flow.schema.json\n")) {
				t.Error("an example must start with # yaml-language-server: $schema=../schema/flow.schema.json")
			}
			var plain any
			if err := yaml.Unmarshal(src, &plain); err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(plain)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("flow.schema.json rejects it: %v", err)
			}
			doc, diags := Parse(path, src)
			diags = append(diags, Validate(doc)...)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", diags.Error())
			}
			if doc.Name.Value == "" || len(doc.Steps) == 0 {
				t.Errorf("decoded no name or no steps: %+v", doc)
			}
			for _, st := range doc.Steps {
				if st.Action == "" {
					t.Errorf("step %s decoded without an action", st.Label())
				}
			}
		})
	}
}

// TestSchemaIsValidJSON checks the embedded schema: it is the file, its $id is
// SchemaID, and every property carries a description (editors show it).
func TestSchemaIsValidJSON(t *testing.T) {
	onDisk, err := os.ReadFile("flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, FlowSchemaJSON) {
		t.Fatal("FlowSchemaJSON differs from flow.schema.json")
	}
	var root map[string]any
	if err := json.Unmarshal(FlowSchemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	if root["$id"] != SchemaID || root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$id = %v, $schema = %v", root["$id"], root["$schema"])
	}
	defs := root["$defs"].(map[string]any)
	described := func(s map[string]any) bool {
		if _, ok := s["description"]; ok {
			return true
		}
		if ref, ok := s["$ref"].(string); ok {
			def, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			_, ok := def["description"]
			return ok
		}
		return false
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if props, ok := s["properties"].(map[string]any); ok {
			// The dependentSchemas of a step only narrow `on` and rule out
			// the other actions.
			if s["additionalProperties"] == nil && !strings.Contains(path, "/dependentSchemas/") {
				t.Errorf("%s has properties but no additionalProperties", path)
			}
			for name, p := range props {
				if p, ok := p.(map[string]any); ok && !described(p) {
					t.Errorf("%s/properties/%s has no description", path, name)
				}
			}
		}
		for k, v := range s {
			switch v := v.(type) {
			case map[string]any:
				walk(path+"/"+k, v)
			case []any:
				for _, item := range v {
					if item, ok := item.(map[string]any); ok {
						walk(path+"/"+k+"[]", item)
					}
				}
			}
		}
	}
	walk("#", root)
	for name, def := range defs {
		if !described(def.(map[string]any)) {
			t.Errorf("$defs/%s has no description", name)
		}
	}
}
