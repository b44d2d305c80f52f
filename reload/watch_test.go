package reload

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// startWatcher watches h's directory with a short debounce until the test ends.
func startWatcher(t *testing.T, h *harness) {
	t.Helper()
	w, err := h.r.NewWatcher(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFlows waits for a reload after which the flows serving are exactly
// want (name -> version), failing the test after 10 s.
func (h *harness) waitFlows(want map[string]string) Result {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case res := <-h.results:
			got := map[string]string{}
			for _, f := range res.Flows {
				got[f.Name] = f.Version
			}
			if equalMaps(got, want) {
				return res
			}
		case <-deadline:
			h.t.Fatalf("no reload produced flows %v; status %+v", want, h.r.Status())
			return Result{}
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func version(src string) string { return versionOf([]byte(src)) }

func TestWatchEditsAddsAndRemoves(t *testing.T) {
	h := newHarness(t, "")
	a1, a2, b1 := flowSrc("a", "v1"), flowSrc("a", "v2"), flowSrc("b", "v1")
	h.write("a.yaml", a1)
	h.reload()
	startWatcher(t, h)

	// An editor's save: write a temporary file, rename it over the original.
	h.write(".a.yaml.swp", "swap file")
	h.write("a.yaml.tmp", a2)
	if err := os.Rename(h.path("a.yaml.tmp"), h.path("a.yaml")); err != nil {
		t.Fatal(err)
	}
	res := h.waitFlows(map[string]string{"a": version(a2)})
	if res.Trigger != TriggerWatch {
		t.Errorf("trigger %q", res.Trigger)
	}

	// A new subdirectory with a file, then an edit inside it.
	h.write("team/b.yaml", b1)
	h.waitFlows(map[string]string{"a": version(a2), "b": version(b1)})
	b2 := flowSrc("b", "v2")
	h.write("team/b.yaml", b2)
	h.waitFlows(map[string]string{"a": version(a2), "b": version(b2)})

	// A broken save is rejected; the fix is picked up.
	h.write("a.yaml", brokenSrc("a"))
	res = h.nextResultWithErrors()
	if len(res.Flows) != 2 || res.Flows[0].Version != version(a2) {
		t.Fatalf("after a broken save: %+v", res.Flows)
	}
	h.write("a.yaml", a1)
	h.waitFlows(map[string]string{"a": version(a1), "b": version(b2)})

	// Deletions: a file, then a whole subdirectory.
	h.remove("a.yaml")
	h.waitFlows(map[string]string{"b": version(b2)})
	if err := os.RemoveAll(h.path("team")); err != nil {
		t.Fatal(err)
	}
	h.waitFlows(map[string]string{})
	// The subdirectory comes back: it is watched again.
	h.write("team/b.yaml", b1)
	h.waitFlows(map[string]string{"b": version(b1)})
	h.write("team/b.yaml", b2)
	h.waitFlows(map[string]string{"b": version(b2)})
}

// nextResultWithErrors waits for a reload that rejected a file.
func (h *harness) nextResultWithErrors() Result {
	h.t.Helper()
	for {
		if res := h.nextResult(); !res.OK() {
			return res
		}
	}
}

// TestWatchKubernetesConfigMap builds the layout the kubelet gives a ConfigMap
// volume (files are symlinks through ..data, a symlink to a timestamped
// directory) and swaps it as the kubelet does: a new directory, a ..data_tmp
// symlink to it renamed over ..data, the old directory removed.
func TestWatchKubernetesConfigMap(t *testing.T) {
	dir := t.TempDir()
	v1, v2 := flowSrc("hello", "v1"), flowSrc("hello", "v2")
	writeFile(t, filepath.Join(dir, "..2026_01_01_09_00_00.1", "hello.yaml"), v1)
	must(t, os.Symlink("..2026_01_01_09_00_00.1", filepath.Join(dir, "..data")))
	must(t, os.Symlink(filepath.Join("..data", "hello.yaml"), filepath.Join(dir, "hello.yaml")))

	h := newHarness(t, dir)
	res := h.reload()
	if len(res.Flows) != 1 || res.Flows[0].Version != version(v1) || res.Flows[0].File != filepath.Join(dir, "hello.yaml") {
		t.Fatalf("initial load: %+v %v", res.Flows, res.Errors)
	}
	startWatcher(t, h)

	writeFile(t, filepath.Join(dir, "..2026_01_01_09_05_00.2", "hello.yaml"), v2)
	must(t, os.Symlink("..2026_01_01_09_05_00.2", filepath.Join(dir, "..data_tmp")))
	must(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	must(t, os.RemoveAll(filepath.Join(dir, "..2026_01_01_09_00_00.1")))
	res = h.waitFlows(map[string]string{"hello": version(v2)})
	if len(res.Changes) != 1 || res.Changes[0].Kind() != "changed" {
		t.Fatalf("changes %+v", res.Changes)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestWatchDebounces checks that a burst of writes makes one reload.
func TestWatchDebounces(t *testing.T) {
	h := newHarness(t, "")
	h.write("a.yaml", flowSrc("a", "v0"))
	h.reload()
	w, err := h.r.NewWatcher(500 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	var last string
	for i := range 20 {
		last = flowSrc("a", "burst"+string(rune('a'+i)))
		h.write("a.yaml", last)
	}
	res := h.waitFlows(map[string]string{"a": version(last)})
	if res.Seq != 2 {
		t.Errorf("the burst took reloads up to seq %d, want one reload (seq 2)", res.Seq)
	}
}

// TestWatchSymlinkedDirectory serves a flows directory reached through a
// symlink (a mount point linked into place).
func TestWatchSymlinkedDirectory(t *testing.T) {
	real, link := filepath.Join(t.TempDir(), "real"), filepath.Join(t.TempDir(), "flows")
	v1, v2 := flowSrc("a", "v1"), flowSrc("a", "v2")
	writeFile(t, filepath.Join(real, "a.yaml"), v1)
	must(t, os.Symlink(real, link))
	h := newHarness(t, link)
	if res := h.reload(); len(res.Flows) != 1 || res.Flows[0].File != filepath.Join(link, "a.yaml") {
		t.Fatalf("through a symlink: %+v %v", res.Flows, res.Errors)
	}
	startWatcher(t, h)
	writeFile(t, filepath.Join(real, "a.yaml"), v2)
	h.waitFlows(map[string]string{"a": version(v2)})
}
