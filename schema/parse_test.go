package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseAll runs Parse and, if there is a document, Validate.
func parseAll(src string) (*Document, Diagnostics) {
	doc, diags := Parse("f.yaml", []byte(src))
	diags = append(diags, Validate(doc)...)
	diags.Sort()
	return doc, diags
}

// TestParseErrors covers YAML-level problems the corpus does not, each with
// the position and words its message must have.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // "line:col: text" of one of the diagnostics
	}{
		{"unclosed list", "name: x\nsteps: [a, b\nfoo: 1\n", `2:1: a [ list is not closed`},
		{"lines ended by CR", "name: x\rsteps: [a, b\rfoo: 1\r", `2:1: a [ list is not closed`},
		{"CR before a scalar root", "       \r\r0", `3:1: a flow file must be a mapping`},
		{"bad indentation", "name: x\nsteps:\n  - answer: {}\n   - play: x\n", `4:4: list items must line up`},
		{"unclosed quote", "name: \"x\nsteps: 1\n", `1:1: a quoted string is not closed`},
		{"at sign", "name: @x\n", `1:7: quote a value that starts with @`},
		{"tab after dash", "name: x\nsteps:\n  -\tanswer: {}\n  -\t\tfoo\n", ``},
		{"tab in nested indentation", "name: x\nsteps:\n  - play:\n\t\tmedia: sound:x\n", `4:1: tab character used for indentation`},
		{"scalar root", "hello\n", `1:1: a flow file must be a mapping (name:, steps:, ...), not "hello"`},
		{"null root", "~\n", `1:1: the file is empty`},
		{"document marker only", "---\n", `2:1: the file is empty`},
		{"custom tag", "name: !secret x\nsteps: [answer: {}]\n", `1:7: YAML tag !secret is not supported`},
		{"complex key", "name: x\nsteps:\n  - ? [a]\n    : b\n", `3:7: a key must be a plain word, not a list`},
		{"merge key", "name: x\nsteps:\n  - <<: {answer: {}}\n", `3:5: merge keys (<<) are not supported`},
		{"single alias", "name: &n x\nsteps: [answer: {}]\n", `1:7: YAML anchors and aliases`},
		{"control character", "name: x\nsteps:\n  - log: \"a\x01\"\n", `3:12: the file holds a control character`},
		{"invalid UTF-8", "name: x\nsteps:\n  - log: a\xff\n", `3:11: the file is not valid UTF-8`},
		{"deep nesting", "name: " + strings.Repeat("[", 20000) + "\n", `exceeded max depth`},
		{"duplicate key in vars", "name: x\nvars: {a: 1, a: 2}\nsteps: [answer: {}]\n", `2:14: duplicate key "a" (first at line 2)`},
		{"many duplicate keys", "name: x\nvars: {" + strings.Repeat("k: 1, ", 40) + "}\nsteps: [answer: {}]\n", `duplicate key "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parseAll(tt.src)
			if tt.want == "" {
				// Only the YAML parser's own verdict matters: no panic, and a
				// positioned error if any.
				for _, d := range diags {
					if !d.Pos.IsValid() {
						t.Errorf("diagnostic without position: %s", d.Error())
					}
				}
				return
			}
			loc, text, _ := strings.Cut(tt.want, ": ")
			if !strings.Contains(loc, ":") {
				loc, text = "", tt.want
			}
			for _, d := range diags {
				got := strings.TrimPrefix(d.Error(), "f.yaml:")
				if strings.HasPrefix(got, loc) && strings.Contains(got, text) {
					return
				}
			}
			t.Errorf("want %s, got:\n%s", tt.want, diags.Error())
		})
	}
}

// TestParsePositions checks that values point at their first character of
// content, so the engine can shift expression errors onto the file.
func TestParsePositions(t *testing.T) {
	src := "name: p\nsteps:\n  - id: \"a\"\n    log: 'hi ${x}'\n    next:\n      - when: \"x > 1\"\n        goto: a\n  - set:\n      y: |\n        x + 1\n"
	doc, diags := Parse("f.yaml", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags.Error())
	}
	st := doc.Steps[0]
	for _, c := range []struct {
		what      string
		got, want Pos
	}{
		{"id", st.IDPos, Pos{3, 10}},
		{"log", st.Log.Message.Pos, Pos{4, 11}},
		{"when", st.Next[0].When.Pos, Pos{6, 16}},
		{"goto", st.Next[0].GotoPos, Pos{7, 15}},
		{"next key", st.NextPos, Pos{5, 5}},
		{"block scalar", doc.Steps[1].Set.Assignments[0].Expr.Pos, Pos{10, 10}},
	} {
		if c.got != c.want {
			t.Errorf("%s at %v, want %v", c.what, c.got, c.want)
		}
	}
}

// TestParseLineEndings checks CRLF files and a byte order mark.
func TestParseLineEndings(t *testing.T) {
	for _, src := range []string{
		"name: x\r\nsteps:\r\n  - answer: {}\r\n",
		"\ufeffname: x\nsteps:\n  - answer: {}\n",
		"name: x\rsteps:\r  - answer: {}\r",
	} {
		if _, diags := parseAll(src); len(diags) > 0 {
			t.Errorf("%q: %s", src, diags.Error())
		}
	}
}

// TestSizeLimit feeds 50 MB, in memory and as a file: both fail at once with
// a message about the size, without reading or parsing the content.
func TestSizeLimit(t *testing.T) {
	big := make([]byte, 50<<20)
	doc, diags := Parse("big.yaml", big)
	if doc != nil || len(diags) != 1 || !strings.Contains(diags[0].Msg, "larger than 1 MiB") {
		t.Fatalf("Parse of 50 MB: doc %v, diags %v", doc, diags)
	}

	path := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	f.Close()
	doc, diags = ParseFile(path)
	if doc != nil || len(diags) != 1 || diags[0].Error() != path+": file is 50 MiB; a flow file may be at most 1 MiB" {
		t.Fatalf("ParseFile of 50 MB: doc %v, diags %v", doc, diags)
	}

	// Exactly at the limit is fine as far as size goes.
	at := []byte("name: x\nsteps: [answer: {}]\n#" + strings.Repeat("x", MaxFileSize-30) + "\n")
	if len(at) != MaxFileSize {
		t.Fatalf("test file is %d bytes", len(at))
	}
	if _, diags := parseAll(string(at)); len(diags) > 0 {
		t.Errorf("file of exactly MaxFileSize: %s", diags.Error())
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, diags := ParseFile(filepath.Join(dir, "missing.yaml")); len(diags) != 1 ||
		!strings.Contains(diags[0].Msg, "cannot read flow file: no such file or directory") {
		t.Errorf("missing file: %v", diags)
	}
	if _, diags := ParseFile(dir); len(diags) != 1 || !strings.Contains(diags[0].Msg, "is a directory") {
		t.Errorf("directory: %v", diags)
	}
}

// TestAliasBombIsCheap parses a billion-laughs file far larger than the
// corpus one (each level multiplies by 50) and expects the alias error.
func TestAliasBombIsCheap(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := range 50 {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	doc, diags := Parse("bomb.yaml", []byte(b.String()))
	if doc != nil || len(diags) != 1 || !strings.Contains(diags[0].Msg, "anchors and aliases") {
		t.Fatalf("doc %v, diags %v", doc, diags)
	}
}
