package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/schema"
	"sigs.k8s.io/yaml"
)

// runCmd runs a subcommand with buffers, as main would.
func runCmd(t *testing.T, fn func(context.Context, []string, io.Writer, io.Writer) int, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = fn(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

var wantRE = regexp.MustCompile(`(?m)^#\s*want:\s*(\d+):(\d+):\s*(.+)$`)

// TestValidateCorpus runs every file of testdata/good and testdata/bad through
// `flowrunner validate`: good files print nothing and exit 0; each bad file
// prints exactly the diagnostics its `# want: line:col: text` lines name, and
// exits 1 (files with only warnings exit 0, and 1 under --strict).
func TestValidateCorpus(t *testing.T) {
	good, _ := filepath.Glob("../../testdata/good/*.yaml")
	bad, _ := filepath.Glob("../../testdata/bad/*.yaml")
	if len(good) == 0 || len(bad) == 0 {
		t.Fatal("no corpus in testdata/good and testdata/bad")
	}
	validateCorpus(t, good, bad)
}

// validateCorpus runs good and bad files through validate, each file after
// flags (e.g. "--config"), and checks output and exit code as
// TestValidateCorpus says.
func validateCorpus(t *testing.T, good, bad []string, flags ...string) {
	t.Helper()
	for _, path := range good {
		t.Run("good/"+filepath.Base(path), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, runValidate, append(slices.Clone(flags), path)...)
			if code != exitOK || stdout != "" || stderr != "1 file: 1 valid, 0 invalid\n" {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
	for _, path := range bad {
		t.Run("bad/"+filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wants := wantRE.FindAllStringSubmatch(string(src), -1)
			if len(wants) == 0 {
				t.Fatal("no `# want: line:col: text` line")
			}
			code, stdout, stderr := runCmd(t, runValidate, append(slices.Clone(flags), path)...)
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			used := make([]bool, len(lines))
			onlyWarnings := true
			for _, w := range wants {
				prefix := path + ":" + w[1] + ":" + w[2] + ": "
				if w[1] == "0" {
					prefix = path + ": "
				}
				if !strings.Contains(w[3], "warning: ") {
					onlyWarnings = false
				}
				found := false
				for i, l := range lines {
					if strings.HasPrefix(l, prefix) && strings.Contains(l, w[3]) {
						used[i], found = true, true
					}
				}
				if !found {
					t.Errorf("missing %s%s", prefix, w[3])
				}
			}
			for i, l := range lines {
				if !used[i] {
					t.Errorf("unexpected: %s", l)
				}
			}
			want := exitInvalid
			if onlyWarnings {
				want = exitOK
				if code, _, _ := runCmd(t, runValidate, append(append([]string{"--strict"}, flags...), path)...); code != exitInvalid {
					t.Errorf("--strict: exit %d, want %d", code, exitInvalid)
				}
			}
			if code != want {
				t.Errorf("exit %d, want %d; stderr: %s", code, want, stderr)
			}
		})
	}
}

// writeFiles creates files (path → content) under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	goodFlow = "name: ok\nsteps:\n  - answer: {}\n  - hangup: {}\n"
	badFlow  = "name: bad\nsteps:\n  - goto: nowhere\n"
)

// TestValidateDirectory walks a tree: *.yaml and *.yml count, flow tests,
// hidden entries and other files do not.
func TestValidateDirectory(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"good.yaml":          goodFlow,
		"sub/bad.yml":        badFlow,
		"sub/call.test.yaml": "not a flow: [",
		".hidden/bad.yaml":   badFlow,
		"notes.txt":          "not a flow",
	})
	code, stdout, stderr := runCmd(t, runValidate, dir)
	want := filepath.Join(dir, "sub", "bad.yml") + `:3:11: flow "bad" step #1 (goto): goto "nowhere": no step has this id` + "\n"
	if code != exitInvalid || stdout != want || stderr != "2 files: 1 valid, 1 invalid (1 error, 0 warnings)\n" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
	}
}

func TestValidateFormats(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a,b.yaml": badFlow})
	path := filepath.Join(dir, "a,b.yaml")

	code, stdout, _ := runCmd(t, runValidate, "--format", "json", path)
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != exitInvalid {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	want := []map[string]any{{
		"file": path, "line": 3.0, "col": 11.0, "flow": "bad", "step": "#1 (goto)",
		"severity": "error", "message": `goto "nowhere": no step has this id`,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json:\n%v\nwant:\n%v", got, want)
	}

	_, stdout, _ = runCmd(t, runValidate, path, "--format=github")
	ghFile := strings.NewReplacer(":", "%3A", ",", "%2C").Replace(path)
	wantGH := "::error file=" + ghFile + `,line=3,col=11::flow "bad" step #1 (goto): goto "nowhere": no step has this id` + "\n"
	if stdout != wantGH {
		t.Errorf("github:\n%s\nwant:\n%s", stdout, wantGH)
	}

	dir = writeFiles(t, map[string]string{"ok.yaml": goodFlow})
	if code, stdout, _ := runCmd(t, runValidate, "--format", "json", dir); code != exitOK || stdout != "[]\n" {
		t.Errorf("json with no problems: exit %d, %q", code, stdout)
	}
}

func TestValidateUsage(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ok.yaml": goodFlow})
	empty := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stream string // "stdout" or "stderr"
		text   string
	}{
		{"help", []string{"--help"}, exitOK, "stdout", "Exit status:\n  0  every file is valid"},
		{"no path", nil, exitUsage, "stderr", "no PATH given"},
		{"unknown flag", []string{"--nope", dir}, exitUsage, "stderr", "flag provided but not defined: -nope"},
		{"unknown format", []string{"--format", "xml", dir}, exitUsage, "stderr", `unknown format "xml"`},
		{"missing path", []string{filepath.Join(dir, "nope.yaml")}, exitUsage, "stderr", "no such file or directory"},
		{"no flow files", []string{empty}, exitUsage, "stderr", "no flow files"},
		{"flags after paths", []string{dir, "--strict"}, exitOK, "stderr", "1 file: 1 valid"},
		{"after --", []string{"--", dir}, exitOK, "stderr", "1 file: 1 valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, runValidate, tt.args...)
			out := map[string]string{"stdout": stdout, "stderr": stderr}[tt.stream]
			if code != tt.code || !strings.Contains(out, tt.text) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
		})
	}
}

// TestValidateHugeFile: a 50 MB file is refused at once, by size.
func TestValidateHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	f.Close()
	// Refused by its size before any of it is read or parsed.
	code, stdout, _ := runCmd(t, runValidate, path)
	if code != exitInvalid || stdout != path+": file is 50 MiB; a flow file may be at most 1 MiB\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestValidateInterrupted(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ok.yaml": goodFlow})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := runValidate(ctx, []string{dir}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func TestSchemaCommand(t *testing.T) {
	code, stdout, _ := runCmd(t, runSchema)
	if code != exitOK || stdout != string(schema.FlowSchemaJSON) {
		t.Fatalf("exit %d; stdout is not the embedded schema", code)
	}

	code, stdout, _ = runCmd(t, runSchema, "--format", "yaml")
	if code != exitOK {
		t.Fatalf("--format yaml: exit %d", code)
	}
	js, err := yaml.YAMLToJSON([]byte(stdout))
	if err != nil {
		t.Fatal(err)
	}
	var fromYAML, fromJSON any
	if err := json.Unmarshal(js, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(schema.FlowSchemaJSON, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		t.Error("the YAML schema differs from the JSON one")
	}

	for _, args := range [][]string{{"--format", "toml"}, {"extra"}, {"--nope"}} {
		if code, _, stderr := runCmd(t, runSchema, args...); code != exitUsage || !strings.Contains(stderr, "Usage: flowrunner schema") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, stdout, _ := runCmd(t, runSchema, "--help"); code != exitOK || !strings.Contains(stdout, "yaml-language-server") {
		t.Errorf("--help: exit %d, %q", code, stdout)
	}
}
