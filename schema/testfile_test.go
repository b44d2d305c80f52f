package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/schema"
)

// TestExampleTestFiles checks that every test file of examples/ and flows/
// names its schema for editors and parses without a diagnostic.
func TestExampleTestFiles(t *testing.T) {
	var files []string
	for _, dir := range []string{"../examples", "../flows"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.test.yaml"))
		files = append(files, m...)
	}
	if len(files) < 2 {
		t.Fatalf("found %d test files", len(files))
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(src), "# yaml-language-server: $schema=../schema/test.schema.json\n") {
			t.Errorf("%s: must start with # yaml-language-server: $schema=../schema/test.schema.json", file)
		}
		tf, diags := schema.ParseTest(file, src)
		if tf == nil || len(diags) > 0 || len(tf.Cases) == 0 {
			t.Errorf("%s: %v", file, diags)
		}
	}
}

func TestParseTestDecodes(t *testing.T) {
	src := `flow: f.yaml
cases:
  - name: c
    args: [a, b]
    start: 2026-03-01T20:00:00Z
    caller: {number: "42", name: Ada}
    script: "dtmf=1@2s"
    callees: {PJSIP/x: busy}
    missing_sounds: [sound:x]
    vars: {tries: 2}
    http: [{method: GET, url: "https://h/*", status: 404, json: {a: 1}, delay: 2s, timeout: false}]
    expect:
      path: [a]
      prompts: []
      outcome: caller_hangup
      duration: 1.5s
`
	tf, diags := schema.ParseTest("t.test.yaml", []byte(src))
	if tf == nil {
		t.Fatal(diags)
	}
	c := tf.Cases[0]
	if tf.Flow.Value != "f.yaml" || c.Name.Value != "c" || len(c.Args) != 2 || c.Start.Hour() != 20 ||
		c.CallerNumber != "42" || c.CallerName != "Ada" || c.Script.Value != "dtmf=1@2s" ||
		c.Callees["PJSIP/x"].Value != "busy" || c.MissingSounds[0] != "sound:x" {
		t.Errorf("case %+v", c)
	}
	if c.Vars["tries"] != 2 || c.VarsPos["tries"] != (schema.Pos{Line: 10, Col: 12}) {
		t.Errorf("vars %v %v", c.Vars, c.VarsPos)
	}
	if m := c.HTTP[0]; m.Delay.Seconds() != 2 || m.Method != "GET" || m.URL.Value != "https://h/*" || m.Status != 404 || m.JSON == nil {
		t.Errorf("mock %+v", m)
	}
	e := c.Expect
	if len(e.Path) != 1 || e.Path[0].Pos != (schema.Pos{Line: 13, Col: 14}) || e.Prompts == nil ||
		e.Outcome.Value != "caller_hangup" || e.Duration.D.Seconds() != 1.5 {
		t.Errorf("expect %+v", e)
	}
	if _, ok := e.Set["logs"]; ok {
		t.Error("logs is not set")
	}
}

// FuzzParseTest checks that no input makes ParseTest panic, and that a file
// it accepts has cases. Seeded from the test files of examples/ and flows/.
func FuzzParseTest(f *testing.F) {
	for _, pattern := range []string{"../examples/*.test.yaml", "../flows/*.test.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Add([]byte("cases: [{name: a, vars: {x: [1, {y: 2}]}, expect: {path: []}}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tf, diags := schema.ParseTest("f.test.yaml", src)
		if tf != nil && (len(tf.Cases) == 0 || diags.HasErrors()) {
			t.Fatalf("accepted with %d cases and %v", len(tf.Cases), diags)
		}
	})
}
