package arisim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/clock"
)

// startMiniApp serves a real-clock simulator with a hello-world app
// connected (answer, play a 1 ms sound, hang up) and returns both.
func startMiniApp(t *testing.T) (*Server, string) {
	t.Helper()
	srv := New(Options{Username: testUser, Password: testPass, NoTranscript: true, Clock: clock.Real{},
		Media: map[string]time.Duration{"sound:bench": time.Millisecond}})
	hs := httptestServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	conn := benchDial(t, hs.URL)
	eng := newMiniEngine(hs.URL+"/ari", "sound:bench")
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			go eng.handle(data)
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return srv, hs.URL
}

func waitLoad(t *testing.T, l *Load) LoadStats {
	t.Helper()
	select {
	case <-l.Done():
	case <-time.After(realTimeout):
		t.Fatalf("load not done: %+v", l.Stats())
	}
	return l.Stats()
}

func TestLoadPlacesCallsWithinConcurrency(t *testing.T) {
	srv, _ := startMiniApp(t)
	l, err := srv.StartLoad(LoadSpec{Call: CallSpec{App: testApp, Inbound: true, Endpoint: "PJSIP/caller"},
		Calls: 120, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	st := waitLoad(t, l)
	if st.Placed != 120 || st.Ended != 120 || st.Live != 0 || st.Failed != 0 || st.Placing || !st.Done {
		t.Errorf("stats %+v, want 120 placed and ended", st)
	}
	if st.PeakLive > 8 || st.PeakLive < 2 {
		t.Errorf("peak live %d, want 2..8 (concurrency 8)", st.PeakLive)
	}
	if srv.Live() != 0 {
		t.Errorf("%d calls left in the simulator", srv.Live())
	}
}

func TestLoadPacesByRate(t *testing.T) {
	srv, _ := startMiniApp(t)
	start := time.Now()
	l, err := srv.StartLoad(LoadSpec{Call: CallSpec{App: testApp}, Calls: 30, Rate: 200})
	if err != nil {
		t.Fatal(err)
	}
	st := waitLoad(t, l)
	// 30 calls at 200/s take at least 145 ms of placing (the first is placed at once).
	if el := time.Since(start); st.Placed != 30 || el < 140*time.Millisecond {
		t.Errorf("placed %d in %v, want 30 in at least 145ms", st.Placed, el)
	}
}

func TestLoadCountsRefusedCalls(t *testing.T) {
	srv, _ := startMiniApp(t)
	l, err := srv.StartLoad(LoadSpec{Call: CallSpec{App: "nobody"}, Calls: 5})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitLoad(t, l); st.Failed != 5 || st.Placed != 0 || !st.Done {
		t.Errorf("stats %+v, want 5 failed", st)
	}
	for _, bad := range []LoadSpec{
		{Calls: 1},
		{Call: CallSpec{App: testApp, ChannelID: "x"}, Calls: 1},
		{Call: CallSpec{App: testApp}},
		{Call: CallSpec{App: testApp}, Calls: -1},
	} {
		if _, err := srv.StartLoad(bad); err == nil {
			t.Errorf("StartLoad(%+v) accepted", bad)
		}
	}
}

func TestLoadOverHTTP(t *testing.T) {
	_, url := startMiniApp(t)
	call := func(method, query string) (int, string) {
		req, _ := http.NewRequest(method, url+"/sim/load?"+query, nil)
		req.SetBasicAuth(testUser, testPass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := call("GET", ""); st != 404 {
		t.Errorf("GET before any load: %d %s", st, body)
	}
	for _, q := range []string{"calls=10", "app=" + testApp + "&calls=x", "app=" + testApp + "&rate=fast&calls=1",
		"app=" + testApp + "&duration=soon", "app=" + testApp, "app=" + testApp + "&calls=1&script=dance"} {
		if st, body := call("POST", q); st != 400 {
			t.Errorf("POST %s: %d %s, want 400", q, st, body)
		}
	}
	if st, body := call("POST", "app="+testApp+"&calls=40&rate=100&concurrency=5&endpoint=PJSIP/caller"); st != 200 {
		t.Fatalf("POST: %d %s", st, body)
	}
	if st, body := call("POST", "app="+testApp+"&calls=1"); st != 409 {
		t.Errorf("second POST while placing: %d %s, want 409", st, body)
	}
	st, body := call("GET", "wait=done&timeout=10s")
	var got LoadStats
	if err := json.Unmarshal([]byte(body), &got); err != nil || st != 200 {
		t.Fatalf("GET wait=done: %d %s %v", st, body, err)
	}
	if !got.Done || got.Placed != 40 || got.Ended != 40 || got.PeakLive > 5 || got.PlacingSeconds < 0.35 {
		t.Errorf("stats %s", body)
	}
	if st, body := call("DELETE", ""); st != 200 || !strings.Contains(body, `"placing":false`) {
		t.Errorf("DELETE: %d %s", st, body)
	}
}

// TestLoadForADurationUnpaced: no rate, no cap, no count: placing goes as
// fast as it can and still stops at the duration.
func TestLoadForADurationUnpaced(t *testing.T) {
	srv, _ := startMiniApp(t)
	l, err := srv.StartLoad(LoadSpec{Call: CallSpec{App: testApp}, Duration: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st := waitLoad(t, l)
	t.Logf("%d calls placed in %.3fs", st.Placed, st.PlacingSeconds)
	if st.Placed == 0 || st.Ended != st.Placed || st.PlacingSeconds > 5 {
		t.Errorf("stats %+v, want calls placed for about 50ms, all ended", st)
	}
}
