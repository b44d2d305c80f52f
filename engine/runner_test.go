package engine

import (
	"sync"
	"testing"
	"time"
)

func TestRunnerReusesWorkersAndStops(t *testing.T) {
	stop := make(chan struct{})
	r := newRunner(stop)

	// A burst runs at once, each job on its own worker.
	const burst = 20
	var started, release sync.WaitGroup
	started.Add(burst)
	release.Add(1)
	for range burst {
		r.run(func() { started.Done(); release.Wait() })
	}
	started.Wait()
	release.Done()
	waitFor(t, "the burst's workers to go idle", func() bool { return r.idle.Load() == burst })

	// The next jobs go to those idle workers: no worker is started.
	done := make(chan struct{})
	for range 100 {
		r.run(func() { done <- struct{}{} })
		<-done
		waitFor(t, "the worker to go idle again", func() bool { return r.idle.Load() == burst })
	}
	if n := r.started.Load(); n != burst {
		t.Errorf("%d workers started, want %d: idle ones were not reused", n, burst)
	}

	close(stop)
	waitFor(t, "idle workers to exit", func() bool { return r.idle.Load() == 0 })
	r.run(func() { done <- struct{}{} }) // still runs after stop, on a worker that then exits
	<-done
}

func TestRunnerKeepsAtMostMaxIdle(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	r := newRunner(stop)
	var started, release sync.WaitGroup
	started.Add(maxIdleRunners + 50)
	release.Add(1)
	for range maxIdleRunners + 50 {
		r.run(func() { started.Done(); release.Wait() })
	}
	started.Wait()
	release.Done()
	waitFor(t, "the idle pool to settle", func() bool { return r.idle.Load() == maxIdleRunners })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
