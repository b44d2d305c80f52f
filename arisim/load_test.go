package arisim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// miniEngine is a hello-world ARI app for load tests: on StasisStart it
// answers and plays; on PlaybackFinished it hangs up. It releases each
// frame's clock hold once it has acted on it (the accounting rule).
type miniEngine struct {
	base   string
	client *http.Client
	media  string
	errs   chan error
}

type miniEvent struct {
	Type     string `json:"type"`
	Channel  struct{ ID string }
	Playback struct {
		TargetURI string `json:"target_uri"`
		State     string
	}
}

func newMiniEngine(base, media string) *miniEngine {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	return &miniEngine{base: base, media: media, client: &http.Client{Transport: tr, Timeout: realTimeout},
		errs: make(chan error, 16)}
}

func (e *miniEngine) fail(err error) {
	select {
	case e.errs <- err:
	default:
	}
}

func (e *miniEngine) do(method, path, query string) int {
	req, _ := http.NewRequest(method, e.base+path+"?"+query, nil)
	req.SetBasicAuth(testUser, testPass)
	resp, err := e.client.Do(req)
	if err != nil {
		e.fail(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body) // so the connection is reused
	resp.Body.Close()
	return resp.StatusCode
}

// handle acts on one event.
func (e *miniEngine) handle(frame []byte) {
	var ev miniEvent
	if err := json.Unmarshal(frame, &ev); err != nil {
		e.fail(err)
		return
	}
	switch ev.Type {
	case "StasisStart":
		if st := e.do("POST", "/channels/"+ev.Channel.ID+"/answer", ""); st != 204 {
			e.fail(fmt.Errorf("answer: %d", st))
		}
		if st := e.do("POST", "/channels/"+ev.Channel.ID+"/play", "media="+e.media); st != 201 {
			e.fail(fmt.Errorf("play: %d", st))
		}
	case "PlaybackFinished":
		// 404: the caller hung up first.
		if st := e.do("DELETE", "/channels/"+strings.TrimPrefix(ev.Playback.TargetURI, "channel:"), ""); st != 204 && st != 404 {
			e.fail(fmt.Errorf("hangup: %d", st))
		}
	}
}

// TestConcurrentCalls: 200 concurrent calls with assorted scripted callers;
// when all are done none is left in Stasis and no timer or hold is left.
func TestConcurrentCalls(t *testing.T) {
	var sent atomic.Int64
	h := newHarness(t, Options{NoTranscript: true, Observer: func(e Entry) {
		if e.Kind == "event" {
			sent.Add(1)
		}
	}})
	w := h.dial("app=" + testApp)
	eng := newMiniEngine(h.hs.URL+"/ari", "sound:hello-world,digits:42")
	stop := make(chan struct{})
	var loop sync.WaitGroup
	loop.Add(1)
	var received atomic.Int64
	go func() { // the engine's event loop
		defer loop.Done()
		for {
			frames, closed := w.take()
			for _, f := range frames {
				eng.handle(f)
				received.Add(1)
				w.release()
			}
			if closed {
				return
			}
			select {
			case <-w.sig:
			case <-stop:
				return
			}
		}
	}()
	scripts := []string{"", "dtmf=1@500ms", "hangup=1s", "hangup=p1+200ms", "dtmf=12#@p1;hangup=5s", "hangup=digits:42"}
	const calls = 200
	var place sync.WaitGroup
	for i := range calls {
		place.Add(1)
		go func() {
			defer place.Done()
			spec := CallSpec{App: testApp, Inbound: i%2 == 0, Script: mustScript(t, scripts[i%len(scripts)]),
				CallerNumber: fmt.Sprint(1000 + i)}
			if _, err := h.srv.PlaceCall(spec); err != nil {
				t.Error(err)
			}
		}()
	}
	place.Wait()
	select {
	case <-h.srv.Idle():
	case err := <-eng.errs:
		t.Fatal(err)
	case <-time.After(realTimeout):
		t.Fatalf("live %d, in Stasis %d", h.srv.Live(), h.srv.InStasis())
	}
	// The last events may still be on the wire.
	deadline := time.After(realTimeout)
	for received.Load() < sent.Load() {
		select {
		case <-deadline:
			t.Fatalf("%d events sent, %d received", sent.Load(), received.Load())
		case <-time.After(time.Millisecond):
		}
	}
	close(stop)
	loop.Wait()
	if n := h.srv.InStasis(); n != 0 {
		t.Fatalf("%d channels left in Stasis", n)
	}
	h.srv.mu.Lock()
	left := len(h.srv.channels) + len(h.srv.playbacks)
	h.srv.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d channels or playbacks left", left)
	}
	if timers, holds := h.clk.Pending(); holds != 0 {
		t.Fatalf("clock: %d timers, %d holds left", timers, holds)
	}
}

// BenchmarkCall measures one originate + answer + play + hangup, end to end
// over HTTP and the WebSocket (client costs included), many calls in flight.
func BenchmarkCall(b *testing.B) {
	srv := New(Options{Username: testUser, Password: testPass, NoTranscript: true, Clock: clock.Real{},
		Media: map[string]time.Duration{"sound:bench": time.Millisecond}})
	hs := httptestServer(srv)
	defer hs.Close()
	defer srv.Close()
	conn := benchDial(b, hs.URL)
	eng := newMiniEngine(hs.URL+"/ari", "sound:bench")

	var mu sync.Mutex
	waiting := map[string]chan struct{}{}
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ev miniEvent
			_ = json.Unmarshal(data, &ev)
			switch ev.Type {
			case "StasisStart", "PlaybackFinished":
				go eng.handle(data)
			case "ChannelDestroyed":
				mu.Lock()
				if c := waiting[ev.Channel.ID]; c != nil {
					delete(waiting, ev.Channel.ID)
					close(c)
				}
				mu.Unlock()
			}
		}
	}()
	var seq sync.Mutex
	n := 0
	b.ReportAllocs()
	b.SetParallelism(32) // 64 calls in flight on 2 cores
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			seq.Lock()
			n++
			id := fmt.Sprintf("bench-%d", n)
			seq.Unlock()
			done := make(chan struct{})
			mu.Lock()
			waiting[id] = done
			mu.Unlock()
			if st := eng.do("POST", "/channels", "endpoint=Local/s@bench&app="+testApp+"&formats=ulaw&channelId="+id); st != 200 {
				b.Errorf("originate: %d", st)
				return
			}
			select {
			case <-done:
			case <-time.After(realTimeout):
				b.Error("call did not end")
				return
			}
		}
	})
	b.StopTimer()
	reportCPU(b, cpu)
	if srv.InStasis() != 0 {
		b.Fatalf("%d in Stasis", srv.InStasis())
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process CPU per operation since start (client and
// simulator together: they share the process).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/call")
}

// BenchmarkCallCore measures the simulator alone: place a call, play, hang
// up, with the events written to a connected socket but no HTTP.
func BenchmarkCallCore(b *testing.B) {
	srv := New(Options{NoTranscript: true, Clock: clock.Real{},
		Media: map[string]time.Duration{"sound:bench": time.Hour}})
	hs := httptestServer(srv)
	defer hs.Close()
	defer srv.Close()
	conn := benchDial(b, hs.URL)
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		id, err := srv.PlaceCall(CallSpec{App: testApp})
		if err != nil {
			b.Fatal(err)
		}
		srv.mu.Lock()
		rq := &request{vars: []string{id}, query: map[string][]string{"media": {"sound:bench"}}}
		answerChannel(srv, rq)
		play(srv, rq)
		hangupChannel(srv, &request{vars: []string{id}})
		srv.mu.Unlock()
	}
	b.StopTimer()
	reportCPU(b, cpu)
}
