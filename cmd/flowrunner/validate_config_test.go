package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/schema"
)

// TestValidateConfigCorpus runs the node config corpus
// (schema/testdata/config) through `flowrunner validate --config`: good
// files print nothing and exit 0; each bad file prints exactly the
// diagnostics its `# want: line:col: text` lines name and exits 1 (0 with
// only warnings, and then 1 under --strict).
func TestValidateConfigCorpus(t *testing.T) {
	good, _ := filepath.Glob("../../schema/testdata/config/good/*.yaml")
	bad, _ := filepath.Glob("../../schema/testdata/config/bad/*.yaml")
	if len(good) == 0 || len(bad) == 0 {
		t.Fatal("no corpus in schema/testdata/config")
	}
	validateCorpus(t, append(good, "../../docs/examples/nodes.yaml"), bad, "--config")
}

// TestValidateConfigWithFlows: a config and flows together, in every
// format; secrets are not read; usage errors exit 2.
func TestValidateConfigWithFlows(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"flows/ok.yaml":  goodFlow,
		"flows/bad.yaml": badFlow,
		"nodes.yaml": "nodes:\n  - name: ast1\n    url: http://10.0.0.11:8088/ari\n    username: u\n" +
			"    password_file: /nonexistent/secret\n    apps: [ivr, ivr]\n",
	})
	cfg, flows := filepath.Join(dir, "nodes.yaml"), filepath.Join(dir, "flows")
	code, stdout, stderr := runCmd(t, runValidate, "--config", cfg, flows)
	want := cfg + `:6:17: node "ast1": application "ivr" is listed twice (first at line 6)` + "\n" +
		filepath.Join(flows, "bad.yaml") + `:3:11: flow "bad" step #1 (goto): goto "nowhere": no step has this id` + "\n"
	if code != exitInvalid || stdout != want || stderr != "3 files: 1 valid, 2 invalid (2 errors, 0 warnings)\n" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
	}

	code, stdout, _ = runCmd(t, runValidate, "--format", "json", flows, "--config", cfg)
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != exitInvalid || len(got) != 2 {
		t.Fatalf("json: exit %d, %v:\n%s", code, err, stdout)
	}
	if got[0]["file"] != cfg || got[0]["line"] != 6.0 || got[0]["col"] != 17.0 || got[0]["severity"] != "error" ||
		got[0]["message"] != `node "ast1": application "ivr" is listed twice (first at line 6)` {
		t.Errorf("json: %v", got[0])
	}
	_, stdout, _ = runCmd(t, runValidate, "--format=github", "--config", cfg)
	if !strings.HasPrefix(stdout, "::error file=") || !strings.Contains(stdout, `,line=6,col=17::node "ast1": application "ivr" is listed twice`) {
		t.Errorf("github: %s", stdout)
	}

	for _, tc := range []struct {
		args []string
		text string
	}{
		{[]string{"--config", filepath.Join(dir, "nope.yaml")}, "--config " + filepath.Join(dir, "nope.yaml") + ": no such file or directory"},
		{[]string{"--config", dir}, "is a directory"},
		{[]string{"--config", cfg, filepath.Join(dir, "none")}, "no such file or directory"},
	} {
		if code, _, stderr := runCmd(t, runValidate, tc.args...); code != exitUsage || !strings.Contains(stderr, tc.text) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
	if code, stdout, _ := runCmd(t, runValidate, "--help"); code != exitOK || !strings.Contains(stdout, "--config FILE") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
}

func TestSchemaCommandConfig(t *testing.T) {
	code, stdout, _ := runCmd(t, runSchema, "--config")
	if code != exitOK || stdout != string(schema.ConfigSchemaJSON) {
		t.Fatalf("exit %d; stdout is not the embedded config schema", code)
	}
	code, stdout, _ = runCmd(t, runSchema, "--config", "--format", "yaml")
	if code != exitOK || !strings.Contains(stdout, "title: flowrunner node config") {
		t.Fatalf("--format yaml: exit %d\n%s", code, stdout)
	}
}
