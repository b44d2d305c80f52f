package arisim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaultStatusAndAbort(t *testing.T) {
	h := newHarness(t, Options{})
	w := h.dial("app=" + testApp)
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	w.nextOf("StasisStart")
	h.srv.SetFaults(Faults{Request: func(r *http.Request) Fault {
		switch {
		case strings.HasSuffix(r.URL.Path, "/play"):
			return Fault{Status: 503}
		case strings.HasSuffix(r.URL.Path, "/answer"):
			return Fault{Abort: true}
		}
		return Fault{}
	}})
	st, body := h.do("POST", "/ari/channels/"+id+"/play", "media=sound:hello-world", nil, true)
	if st != 503 || string(body) != `{"message":"Injected fault"}` {
		t.Fatalf("play: %d %s", st, body)
	}
	req, _ := http.NewRequest("POST", h.hs.URL+"/ari/channels/"+id+"/answer", nil)
	req.SetBasicAuth(testUser, testPass)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("aborted request answered %d", resp.StatusCode)
	}
	h.srv.SetFaults(Faults{})
	if st, _ := h.do("POST", "/ari/channels/"+id+"/answer", "", nil, true); st != 204 {
		t.Fatalf("answer after faults: %d", st)
	}
	var faults []string
	for _, e := range h.srv.Transcript() {
		if e.Kind == "fault" {
			faults = append(faults, e.Action)
		}
	}
	if strings.Join(faults, ",") != "abort" {
		t.Fatalf("fault entries %v", faults)
	}
}

func TestFaultDelay(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Request: func(r *http.Request) Fault {
		if r.URL.Path == "/ari/asterisk/ping" {
			return Fault{Delay: 30 * time.Millisecond}
		}
		return Fault{}
	}}})
	begin := time.Now()
	if st, _ := h.do("GET", "/ari/asterisk/ping", "", nil, true); st != 200 {
		t.Fatalf("ping: %d", st)
	}
	if el := time.Since(begin); el < 30*time.Millisecond {
		t.Fatalf("answered after %v", el)
	}
}

// TestFaultLoseEvent: a lost event is never sent, and recorded as a fault.
func TestFaultLoseEvent(t *testing.T) {
	var lost atomic.Int32
	h := newHarness(t, Options{Faults: Faults{LoseEvent: func(app, typ string) bool {
		if typ == "PlaybackFinished" && lost.Load() == 0 {
			lost.Add(1)
			return true
		}
		return false
	}}})
	w := h.dial("app=" + testApp)
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	w.nextOf("StasisStart")
	h.do("POST", "/ari/channels/"+id+"/play", "media=sound:hello-world", nil, true)
	h.do("POST", "/ari/channels/"+id+"/play", "media=sound:vm-goodbye", nil, true)
	var got []string
	for len(got) < 3 {
		got = append(got, evDesc(w.next()))
	}
	want := "PlaybackStarted sound:hello-world playing|PlaybackStarted sound:vm-goodbye playing|PlaybackFinished sound:vm-goodbye done"
	if strings.Join(got, "|") != want {
		t.Fatalf("got %v", got)
	}
	n := 0
	for _, e := range h.srv.Transcript() {
		if e.Kind == "fault" && e.Action == "lose" && e.Detail == "PlaybackFinished" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d lose entries", n)
	}
}

// TestDropWebSocket: a dropped socket loses its queued and later events, the
// app stays registered while it has channels, and a new socket gets new
// events only.
func TestDropWebSocket(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Request: func(r *http.Request) Fault {
		return Fault{DropWebSocket: strings.HasSuffix(r.URL.Path, "/play")}
	}}})
	w := h.dial("app=" + testApp)
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	w.nextOf("StasisStart")
	if st, _ := h.do("POST", "/ari/channels/"+id+"/play", "media=sound:hello-world", nil, true); st != 201 {
		t.Fatalf("play: %d", st)
	}
	h.waitWS("drop")
	deadline := time.After(realTimeout)
	for {
		if _, closed := w.take(); closed {
			break
		}
		select {
		case <-w.sig:
		case <-deadline:
			t.Fatal("socket not dropped")
		}
	}
	if st, body := h.do("GET", "/ari/applications/"+testApp, "", nil, true); st != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("application after drop: %d %s", st, body)
	}
	h.srv.SetFaults(Faults{})
	w2 := h.dial("app=" + testApp)
	h.do("DELETE", "/ari/channels/"+id, "", nil, true)
	if ev := w2.next(); ev["type"] != "ChannelHangupRequest" {
		t.Fatalf("after reconnect: %v", ev)
	}
	h.waitIdle(w2)
}

func TestSimEndpoints(t *testing.T) {
	h := newHarness(t, Options{})
	if st, body := h.do("POST", "/sim/calls", "app="+testApp, nil, true); st != 409 {
		t.Fatalf("call into an unconnected app: %d %s", st, body)
	}
	w := h.dial("app=" + testApp)
	st, body := h.do("POST", "/sim/calls", "app="+testApp+"&args=x,y&caller=5551234&callerName=Bob&script=dtmf%3D5%402s", nil, true)
	if st != 200 {
		t.Fatalf("place: %d %s", st, body)
	}
	id := field(body, "id")
	ev := w.next()
	if ev["type"] != "StasisStart" || channelOf(ev) != id || ev["channel"].(map[string]any)["state"] != "Ring" {
		t.Fatalf("got %v", ev)
	}
	if ev := w.next(); evDesc(ev) != "ChannelDtmfReceived 5" {
		t.Fatalf("got %v", ev)
	}
	if st, body := h.do("POST", "/sim/calls", "app="+testApp+"&script=dtmf%3Dz", nil, true); st != 400 || !strings.Contains(string(body), "script") {
		t.Fatalf("bad script: %d %s", st, body)
	}
	if st, _ := h.do("POST", "/sim/calls/"+id+"/dtmf", "dtmf=9", nil, true); st != 204 {
		t.Fatalf("dtmf: %d", st)
	}
	if ev := w.next(); evDesc(ev) != "ChannelDtmfReceived 9" {
		t.Fatalf("got %v", ev)
	}
	st, body = h.do("GET", "/sim/calls", "", nil, true)
	var list struct {
		Live     int `json:"live"`
		InStasis int `json:"in_stasis"`
		Channels []struct {
			ID       string `json:"id"`
			App      string `json:"app"`
			InStasis bool   `json:"in_stasis"`
		} `json:"channels"`
	}
	if st != 200 || json.Unmarshal(body, &list) != nil || list.Live != 1 || list.InStasis != 1 || len(list.Channels) != 2 {
		t.Fatalf("list: %d %s", st, body)
	}
	// The caller hangs up; a waiting GET answers once the call is gone.
	done := make(chan []byte)
	go func() {
		_, b := h.do("GET", "/sim/calls", "wait=idle&timeout=5s", nil, true)
		done <- b
	}()
	if st, _ := h.do("DELETE", "/sim/calls/"+id, "", nil, true); st != 204 {
		t.Fatalf("hangup: %d", st)
	}
	w.releaseAll()
	select {
	case b := <-done:
		if !bytes.Contains(b, []byte(`"live":0,"in_stasis":0,"channels":[]`)) {
			t.Fatalf("after wait: %s", b)
		}
	case <-time.After(realTimeout):
		t.Fatal("wait=idle did not answer")
	}
}

// TestOriginateScriptParam: the script travels in originate's query.
func TestOriginateScriptParam(t *testing.T) {
	h := newHarness(t, Options{Scripts: map[string]Script{"press7": {DTMF: []KeyPress{{Digits: "7", At: time.Second}}}}})
	w := h.dial("app=" + testApp)
	st, body := h.do("POST", "/ari/channels", "endpoint=Local/s@anything&app="+testApp+"&script=dtmf%3D4%401s%3Bhangup%3D2s", nil, true)
	if st != 200 {
		t.Fatalf("originate: %d %s", st, body)
	}
	if ev := w.nextOf("ChannelDtmfReceived"); ev["digit"] != "4" {
		t.Fatalf("got %v", ev)
	}
	if ev := w.nextOf("ChannelDialplan"); ev["dialplan_app"] != "Hangup" {
		t.Fatalf("got %v", ev)
	}
	h.waitIdle(w)
	// A named script, chosen by the extension.
	if st, _ := h.do("POST", "/ari/channels", "endpoint=Local/press7@sim&app="+testApp, nil, true); st != 200 {
		t.Fatalf("originate: %d", st)
	}
	if ev := w.nextOf("ChannelDtmfReceived"); ev["digit"] != "7" {
		t.Fatalf("got %v", ev)
	}
	if st, body := h.do("POST", "/ari/channels", "endpoint=Local/s@x&app="+testApp+"&script=bad", nil, true); st != 400 {
		t.Fatalf("bad script: %d %s", st, body)
	}
}

func TestTranscriptFormat(t *testing.T) {
	var seen []Entry
	h := newHarness(t, Options{Observer: func(e Entry) { seen = append(seen, e) }})
	w := h.dial("app=" + testApp)
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	w.nextOf("StasisStart")
	h.do("DELETE", "/ari/channels/"+id, "reason=busy", nil, true)
	h.waitIdle(w)
	var buf bytes.Buffer
	if err := h.srv.WriteTranscript(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	entries := h.srv.Transcript()
	if len(lines) != len(entries) {
		t.Fatalf("%d lines for %d entries", len(lines), len(entries))
	}
	var kinds []string
	for _, l := range lines {
		var tl traceLine
		if err := json.Unmarshal([]byte(l), &tl); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		kinds = append(kinds, tl.Kind)
	}
	want := "request,response,event,request,event,event,response"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("kinds %v\n%s", kinds, buf.String())
	}
	if !strings.HasPrefix(lines[0], `{"t_ms":0,"kind":"request","method":"GET","path":"/ari/events","query":"app=hello-world","body":null}`) {
		t.Fatalf("first line %s", lines[0])
	}
	if !strings.Contains(lines[3], `"query":"reason=busy"`) {
		t.Fatalf("request line %s", lines[3])
	}
	h.srv.mu.Lock()
	n := len(seen)
	h.srv.mu.Unlock()
	if n != len(entries) {
		t.Fatalf("observer saw %d entries, transcript has %d", n, len(entries))
	}
}
