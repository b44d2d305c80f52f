package graph_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden renders every example and every flow in flows/ in both formats
// and compares with testdata/golden/<dir>-<name>.<mmd|dot>. Run with -update
// after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	files, err := engine.FlowFiles("../examples", "../flows")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d flow files", len(files))
	}
	for _, file := range files {
		flow, diags := engine.LoadFile(file)
		if flow == nil {
			t.Fatalf("%s: %v", file, diags)
		}
		base := filepath.Base(filepath.Dir(file)) + "-" + strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		for format, ext := range map[string]string{"mermaid": ".mmd", "dot": ".dot"} {
			t.Run(base+ext, func(t *testing.T) {
				var got bytes.Buffer
				if err := graph.Write(&got, flow.Graph(), format); err != nil {
					t.Fatal(err)
				}
				// Rendering twice gives the same bytes.
				var again bytes.Buffer
				_ = graph.Write(&again, flow.Graph(), format)
				if !bytes.Equal(got.Bytes(), again.Bytes()) {
					t.Fatal("output differs between two renderings")
				}
				golden := filepath.Join("testdata", "golden", base+ext)
				if *update {
					if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./graph -update)", err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from the golden file; got:\n%s", golden, got.String())
				}
			})
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := graph.Write(&bytes.Buffer{}, engine.Graph{}, "svg"); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}

// TestReadmeExample keeps the README's rendered example in step with the
// golden file.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/golden/examples-ivr-menu.mmd")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, append([]byte("```mermaid\n"), golden...)) {
		t.Error("README.md's Mermaid example differs from testdata/golden/examples-ivr-menu.mmd")
	}
}
