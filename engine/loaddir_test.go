package engine_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

// TestFlowFilesThroughSymlink lists a directory reached through a symlink,
// and skips Kubernetes' hidden ..data entries while following the visible
// symlinks through them.
func TestFlowFilesThroughSymlink(t *testing.T) {
	real := filepath.Join(t.TempDir(), "real")
	ts := filepath.Join(real, "..2026_01_01")
	if err := os.MkdirAll(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(ts, "a.yaml"), filepath.Join(real, "b.yaml")} {
		if err := os.WriteFile(f, []byte("name: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(t.TempDir(), "flows")
	for _, l := range [][2]string{{"..2026_01_01", filepath.Join(real, "..data")}, {"..data/a.yaml", filepath.Join(real, "a.yaml")}, {real, link}} {
		if err := os.Symlink(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := engine.FlowFiles(link)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(link, "a.yaml"), filepath.Join(link, "b.yaml")}
	if !slices.Equal(got, want) {
		t.Fatalf("FlowFiles = %v, want %v", got, want)
	}
}
