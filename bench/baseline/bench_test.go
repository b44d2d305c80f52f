//go:build unix

package baseline

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

// BenchmarkHelloWorldCalls runs hello-world calls against an in-process
// simulator (1 ms prompt, 1 ms pause), 50 in flight, and reports the
// process's CPU time per call (the app's and the simulator's together) and
// the TCP connections opened per call.
//
// The library's REST client is a zero http.Client, so it uses
// http.DefaultTransport, which keeps 2 idle connections per host: with 50
// calls in flight most requests open a new connection. transport=pooled
// swaps in a transport keeping 100, to show what that churn costs.
//
// More than ~100 calls placed at once make the library's event bus drop
// events (its subscription buffer holds 100 and Send never blocks): calls
// then never start or never see PlaybackFinished.
func BenchmarkHelloWorldCalls(b *testing.B) {
	b.Run("transport=default", benchCalls)
	b.Run("transport=pooled", func(b *testing.B) {
		old := http.DefaultTransport
		t := old.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 100
		http.DefaultTransport = t
		defer func() { http.DefaultTransport = old }()
		benchCalls(b)
	})
}

func benchCalls(b *testing.B) {
	sim := arisim.New(arisim.Options{
		Username:     testUser,
		Password:     testPass,
		NoTranscript: true,
		Media:        map[string]time.Duration{"sound:hello-world": time.Millisecond},
	})
	hs := httptest.NewUnstartedServer(sim)
	var conns atomic.Int64
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	hs.Start()
	defer hs.Close()
	defer sim.Close()
	app := New(Options{URL: hs.URL + "/ari", Username: testUser, Password: testPass, Pause: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	select {
	case <-app.Ready():
	case err := <-done:
		b.Fatalf("Run: %v", err)
	}

	const window = 50 // calls in flight
	var live []string // oldest first
	wait := func() {
		select {
		case <-sim.Done(live[0]):
		case <-time.After(deadline):
			b.Fatalf("call %s never ended; stats %+v, %d channels in Stasis", live[0], app.Stats(), sim.InStasis())
		}
		live = live[1:]
	}
	conns0, cpu0 := conns.Load(), cpuTime(b)
	b.ResetTimer()
	for range b.N {
		if len(live) == window {
			wait()
		}
		id, err := sim.PlaceCall(arisim.CallSpec{App: "hello-world", Inbound: true})
		if err != nil {
			b.Fatalf("PlaceCall: %v", err)
		}
		live = append(live, id)
	}
	for len(live) > 0 {
		wait()
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/call")
	b.ReportMetric(float64(conns.Load()-conns0)/float64(b.N), "conns/call")

	cancel()
	if err := <-done; err != nil {
		b.Fatalf("Run: %v", err)
	}
	if s := app.Stats(); s.Completed != int64(b.N) || s.Errors != 0 {
		b.Fatalf("stats = %+v after %d calls", s, b.N)
	}
}

// cpuTime is the user plus system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
