package reload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// flowSrc is a valid flow named name; tag makes versions differ.
func flowSrc(name, tag string) string {
	return fmt.Sprintf("# %s\nname: %s\nsteps:\n  - answer: {}\n  - hangup: {}\n", tag, name)
}

// brokenSrc is a flow with a dangling goto at line 4.
func brokenSrc(name string) string {
	return fmt.Sprintf("name: %s\nsteps:\n  - answer: {}\n  - goto: nowhere\n", name)
}

func writeFile(t testing.TB, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// harness is a running Reloader on a temporary directory, recording swaps.
type harness struct {
	t       testing.TB
	dir     string
	r       *Reloader
	swaps   chan *engine.Registry
	results chan Result
	current *engine.Registry
}

func newHarness(t testing.TB, dir string) *harness {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	h := &harness{t: t, dir: dir, swaps: make(chan *engine.Registry, 64), results: make(chan Result, 64)}
	r, err := New(Options{Dir: dir, Swap: func(reg *engine.Registry) { h.current = reg; h.swaps <- reg }})
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	r.Subscribe(func(res Result) { h.results <- res })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

func (h *harness) write(name, src string) { h.t.Helper(); writeFile(h.t, h.path(name), src) }

func (h *harness) remove(name string) {
	h.t.Helper()
	if err := os.Remove(h.path(name)); err != nil {
		h.t.Fatal(err)
	}
}

// reload runs a reload and drains the subscription's copy of its result.
func (h *harness) reload() Result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, _ := h.r.Reload(ctx, "test")
	if res.Seq == 0 {
		h.t.Fatal("reload did not run")
	}
	<-h.results
	return res
}

// nextResult waits for the next reload result, whatever triggered it.
func (h *harness) nextResult() Result {
	h.t.Helper()
	select {
	case res := <-h.results:
		return res
	case <-time.After(10 * time.Second):
		h.t.Fatal("no reload within 10s")
		return Result{}
	}
}

func removeAll(path string) error { return os.RemoveAll(path) }

func versionOf(src []byte) string { return engine.Version(src) }
