package reload

import (
	"slices"
	"sync"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
)

func TestAppSyncKeepsRemovedAppsUntilTheirCallsEnd(t *testing.T) {
	var mu sync.Mutex
	var sets [][]string
	calls := map[string]int{}
	a := NewAppSync(func(apps []string) error {
		mu.Lock()
		defer mu.Unlock()
		sets = append(sets, apps)
		return nil
	}, func() map[string]int { return calls }, []string{"a", "b"}, nil)
	last := func() []string {
		mu.Lock()
		defer mu.Unlock()
		if len(sets) == 0 {
			return nil
		}
		return sets[len(sets)-1]
	}
	reg := func(names ...string) *engine.Registry {
		var flows []*engine.Flow
		for _, n := range names {
			f, d := engine.Load(n+".yaml", []byte(flowSrc(n, "v")))
			if f == nil {
				t.Fatal(d)
			}
			flows = append(flows, f)
		}
		r, err := engine.NewRegistry(flows...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	a.Update(reg("a", "b"))
	if len(sets) != 0 {
		t.Fatalf("an unchanged set was applied: %v", sets)
	}
	a.Update(reg("a", "b", "c"))
	if got := last(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("after adding c: %v", got)
	}
	calls["b"] = 1
	a.Update(reg("a", "c"))
	if got := last(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("b was closed at once: %v", got)
	}
	a.retire(0)
	if got := last(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("b was closed with a call in progress: %v", got)
	}
	calls["b"] = 0
	a.retire(0)
	if got := last(); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("b was not closed once its call ended: %v", got)
	}
	// A flow removed and restored before its app closed keeps the app.
	a.Update(reg("c"))
	a.Update(reg("a", "c"))
	a.retire(0)
	if got := a.Apps(); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("after restoring a: %v", got)
	}
}
