package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// seedCorpus adds every example and test flow to a fuzz target's corpus.
func seedCorpus(f *testing.F) {
	for _, pattern := range []string{"../examples/*.yaml", "../testdata/*/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Add([]byte(allKeys))
	f.Add([]byte("name: x\nsteps: [{play: {media: [\"sound:${a}\"], on: {done: [{when: a, goto: b}]}}}]\n"))
}

// maxTime bounds one Parse or Validate of a fuzz input (at most a few KiB, and
// instrumented): far above what any input should need, far below a hang.
const maxTime = 2 * time.Second

// checkDiags holds for any diagnostics of any input: named file, a message,
// and a position inside the file or none.
func checkDiags(t *testing.T, src []byte, diags Diagnostics) {
	// YAML also ends lines at a lone \r; counting every \r and \n bounds the
	// number of lines from above.
	lines := bytes.Count(src, []byte("\n")) + bytes.Count(src, []byte("\r")) + 1
	for _, d := range diags {
		if d.File != "f.yaml" || d.Msg == "" {
			t.Fatalf("bad diagnostic %#v", d)
		}
		if d.Pos.Line < 0 || d.Pos.Line > lines+1 || d.Pos.Col < 0 {
			t.Fatalf("position %v outside the file (%d lines): %s", d.Pos, lines, d.Error())
		}
	}
}

// FuzzParse: Parse never panics, a nil Document always comes with an error,
// and diagnostics are well formed.
func FuzzParse(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		doc, diags := Parse("f.yaml", src)
		if took := time.Since(start); took > maxTime {
			t.Fatalf("Parse took %v on %d bytes", took, len(src))
		}
		if doc == nil && !diags.HasErrors() {
			t.Fatal("no document and no error")
		}
		checkDiags(t, src, diags)
	})
}

// FuzzValidate: Validate never panics on whatever Parse returns, and reports
// the same sorted diagnostics every time.
func FuzzValidate(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, _ := Parse("f.yaml", src)
		if doc == nil {
			return
		}
		start := time.Now()
		first := Validate(doc)
		if took := time.Since(start); took > maxTime {
			t.Fatalf("Validate took %v on %d bytes", took, len(src))
		}
		checkDiags(t, src, first)
		if again := Validate(doc); !slices.Equal(first, again) {
			t.Fatalf("Validate is not deterministic:\n%s\n---\n%s", first.Error(), again.Error())
		}
		if !slices.IsSortedFunc(first, func(a, b Diagnostic) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		}) {
			t.Fatalf("not sorted:\n%s", first.Error())
		}
	})
}
