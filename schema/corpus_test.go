package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The corpus lives at the repository root (testdata/good, testdata/bad) so the
// CLI's tests run the same files through `flowrunner validate`.

// want is one expected diagnostic of a bad file: `# want: line:col: text`,
// where 0:0 means a diagnostic without a position.
type want struct {
	pos  Pos
	text string
}

var wantRE = regexp.MustCompile(`^#\s*want:\s*(\d+):(\d+):\s*(.+)$`)

func readWants(t *testing.T, path string) []want {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []want
	for _, line := range strings.Split(string(src), "\n") {
		if m := wantRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			var w want
			fmt.Sscan(m[1], &w.pos.Line)
			fmt.Sscan(m[2], &w.pos.Col)
			w.text = m[3]
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no `# want: line:col: message` line", path)
	}
	return out
}

// check runs a file through Parse and (when there is a document) Validate.
func check(path string) Diagnostics {
	doc, diags := ParseFile(path)
	diags = append(diags, Validate(doc)...)
	diags.Sort()
	return diags
}

func corpus(t *testing.T, dir string) []string {
	t.Helper()
	return yamlFiles(t, filepath.Join("..", "testdata", dir))
}

// yamlFiles lists the *.yaml files of a corpus directory, failing the test
// when there are none.
func yamlFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	return files
}

func TestCorpusGood(t *testing.T) {
	for _, path := range corpus(t, "good") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			if diags := check(path); len(diags) > 0 {
				t.Errorf("want no diagnostics, got:\n%s", diags.Error())
			}
		})
	}
}

func TestCorpusBad(t *testing.T) {
	for _, path := range corpus(t, "bad") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			wants := readWants(t, path)
			diags := check(path)
			// Expression errors come from engine.Compile, which runs only on
			// files this package passes; such a file's wants are checked by
			// the CLI's test. Here it must produce nothing unwanted.
			laterStage := !diags.HasErrors()
			checkWants(t, path, diags, wants, func(w want) bool {
				return laterStage && !strings.HasPrefix(w.text, "warning: ")
			})
		})
	}
}

// checkWants checks that diags, found in path, are exactly the wanted ones:
// each want is met by a diagnostic at its position whose text contains it
// (unless optional says it may be missing), and each diagnostic names path
// and meets a want.
func checkWants(t *testing.T, path string, diags Diagnostics, wants []want, optional func(want) bool) {
	t.Helper()
	used := make([]bool, len(diags))
	for _, w := range wants {
		found := false
		for i, d := range diags {
			if d.Pos == w.pos && strings.Contains(d.Error(), w.text) {
				used[i], found = true, true
			}
		}
		if !found && (optional == nil || !optional(w)) {
			t.Errorf("missing %d:%d: %s", w.pos.Line, w.pos.Col, w.text)
		}
	}
	for i, d := range diags {
		if d.File != path {
			t.Errorf("diagnostic names file %q, want %q", d.File, path)
		}
		if !used[i] {
			t.Errorf("unexpected diagnostic: %s", d.Error())
		}
	}
}
