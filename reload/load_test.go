package reload_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/flowrunner/flowrunner/sandbox"
)

// loadFlows writes n flow files, every one tagged with tag.
func loadFlows(t testing.TB, dir string, n int, tag string) {
	t.Helper()
	for i := range n {
		src := fmt.Sprintf("# %s\nname: f%03d\nsteps:\n  - answer: {}\n  - set: {n: 1}\n  - hangup: {}\n", tag, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.yaml", i)), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// callLoad places calls on workers goroutines, each into one of n flows
// through one application (the flow named by the first Stasis argument),
// until stop is closed. It records every call's wall time.
type callLoad struct {
	sb       *sandbox.Sandbox
	n        int
	mu       sync.Mutex
	lat      []time.Duration // guarded by mu
	spans    []span          // guarded by mu
	failed   atomic.Int64
	firstErr atomic.Value
	wg       sync.WaitGroup
}

func (l *callLoad) run(workers int, stop <-chan struct{}) { l.runAt(workers, 0, stop) }

// runAt is run with calls paced to rate per second in all (0: no pacing).
func (l *callLoad) runAt(workers, rate int, stop <-chan struct{}) {
	var seq atomic.Int64
	var tick <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(rate))
		tick = t.C
		l.wg.Go(func() { <-stop; t.Stop() })
	}
	for range workers {
		l.wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if tick != nil {
					select {
					case <-stop:
						return
					case <-tick:
					}
				}
				i := seq.Add(1)
				t0 := time.Now()
				sum, err := l.sb.Call(arisim.CallSpec{App: "flowrunner", Args: []string{fmt.Sprintf("f%03d", i%int64(l.n))}, Inbound: true})
				d := time.Since(t0)
				if err == nil && sum.Reason != engine.EndFlowHangup {
					err = fmt.Errorf("call %s ended %s", sum.CallID, sum.Reason)
				}
				if err != nil {
					l.failed.Add(1)
					l.firstErr.CompareAndSwap(nil, err)
					continue
				}
				l.mu.Lock()
				l.lat = append(l.lat, d)
				l.spans = append(l.spans, span{t0, t0.Add(d)})
				l.mu.Unlock()
			}
		})
	}
}

// span is a call's or a reload's wall time.
type span struct{ from, to time.Time }

func (s span) overlaps(o span) bool { return s.from.Before(o.to) && o.from.Before(s.to) }

// take returns and resets the latencies recorded so far.
func (l *callLoad) take() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lat
	l.lat, l.spans = nil, nil
	slices.Sort(out)
	return out
}

// during returns the latencies of the calls that overlapped one of the
// reloads, and how many calls ended within them.
func (l *callLoad) during(reloads []span) (lat []time.Duration, ended int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.spans {
		for _, r := range reloads {
			if c.overlaps(r) {
				lat = append(lat, c.to.Sub(c.from))
				if !c.to.Before(r.from) && !c.to.After(r.to) {
					ended++
				}
				break
			}
		}
	}
	slices.Sort(lat)
	return lat, ended
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// loadSetup is a sandbox serving n flows from a directory through a Reloader.
func loadSetup(t testing.TB, n int) (*sandbox.Sandbox, *reload.Reloader, string) {
	dir := t.TempDir()
	loadFlows(t, dir, n, "v0")
	r, reg, setEngine, _ := served(t, dir)
	if reg.Len() != n {
		t.Fatalf("%d flows loaded, want %d", reg.Len(), n)
	}
	sb, err := sandbox.Start(sandbox.Options{Flows: reg, Apps: []string{"flowrunner"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	setEngine(sb.Engine)
	return sb, r, dir
}

// TestReloadUnderLoad reloads 500 changed flows three times while calls run
// on the simulator: no call fails, and every reload swaps all 500.
func TestReloadUnderLoad(t *testing.T) {
	const flows, reloads, workers = 500, 3, 32
	sb, r, dir := loadSetup(t, flows)
	load := &callLoad{sb: sb, n: flows}
	stop := make(chan struct{})
	load.run(workers, stop)
	var durations []time.Duration
	for i := range reloads {
		loadFlows(t, dir, flows, fmt.Sprintf("v%d", i+1))
		res, err := r.Reload(context.Background(), "test")
		if err != nil || len(res.Changes) != flows || res.Compiled != flows || !res.Swapped {
			t.Fatalf("reload %d: %v, %d changes, %d loaded", i+1, err, len(res.Changes), res.Compiled)
		}
		durations = append(durations, res.Duration)
	}
	close(stop)
	load.wg.Wait()
	if n := load.failed.Load(); n > 0 {
		t.Fatalf("%d calls failed; first: %v", n, load.firstErr.Load())
	}
	lat := load.take()
	if len(lat) == 0 {
		t.Fatal("no call completed")
	}
	t.Logf("%d calls, none failed; reloads of %d flows took %v; call p50 %v p99 %v", len(lat), flows, durations, pct(lat, .5), pct(lat, .99))
}

// BenchmarkReloadUnderLoad measures a reload of 500 changed flows while
// callers keep placing calls on the simulator (in the same process), and what
// the reloads cost those calls: at 500 calls/s, and with 64 callers placing
// calls as fast as the two sides can take them. It reports the reload time; the calls per second ending
// during reloads, and the p50/p99 wall time of the calls that overlapped a
// reload; and the same figures for the same load with no reload (base-*).
// Rewriting the 500 files between reloads is left out of both.
func BenchmarkReloadUnderLoad(b *testing.B) {
	b.Run("rate=500", func(b *testing.B) { benchReloadUnderLoad(b, 500) })
	b.Run("saturated", func(b *testing.B) { benchReloadUnderLoad(b, 0) })
}

func benchReloadUnderLoad(b *testing.B, rate int) {
	const flows, workers = 500, 64
	sb, r, dir := loadSetup(b, flows)
	load := &callLoad{sb: sb, n: flows}
	stop := make(chan struct{})
	load.runAt(workers, rate, stop)
	defer func() { close(stop); load.wg.Wait() }()

	load.take()
	var reloads []span
	var reloadTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		loadFlows(b, dir, flows, fmt.Sprintf("b%d", i))
		b.StartTimer()
		t0 := time.Now()
		res, err := r.Reload(context.Background(), "bench")
		reloads = append(reloads, span{t0, time.Now()})
		if err != nil || res.Compiled != flows {
			b.Fatalf("reload: %v, %d loaded", err, res.Compiled)
		}
		reloadTime += res.Duration
	}
	b.StopTimer()
	withLat, ended := load.during(reloads)
	var inReloads time.Duration
	for _, s := range reloads {
		inReloads += s.to.Sub(s.from)
	}
	load.take()
	t0 := time.Now()
	time.Sleep(max(inReloads, 500*time.Millisecond)) // a window of the same load without reloads
	baseWall := time.Since(t0)
	baseLat := load.take()
	if n := load.failed.Load(); n > 0 {
		b.Fatalf("%d calls failed; first: %v", n, load.firstErr.Load())
	}
	b.ReportMetric(float64(reloadTime.Microseconds())/1000/float64(b.N), "reload-ms")
	b.ReportMetric(float64(ended)/inReloads.Seconds(), "calls/s")
	b.ReportMetric(float64(pct(withLat, .5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(withLat, .99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(baseLat))/baseWall.Seconds(), "base-calls/s")
	b.ReportMetric(float64(pct(baseLat, .5).Microseconds())/1000, "base-p50-ms")
	b.ReportMetric(float64(pct(baseLat, .99).Microseconds())/1000, "base-p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReloadUnchanged measures a reload of 500 flows none of which
// changed: each file is read and hashed, nothing is compiled or swapped.
func BenchmarkReloadUnchanged(b *testing.B) {
	dir := b.TempDir()
	loadFlows(b, dir, 500, "v0")
	r, _, _, _ := served(b, dir)
	b.ResetTimer()
	for range b.N {
		res, err := r.Reload(context.Background(), "bench")
		if err != nil || res.Compiled != 0 || res.Swapped {
			b.Fatalf("reload: %v, %d loaded", err, res.Compiled)
		}
	}
}
