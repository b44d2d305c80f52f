package arisim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestScriptedCallers places calls with scripts; a small in-test "engine"
// answers and plays a prompt list; the test checks the events the Stasis
// channel gets and when (virtual time since StasisStart).
func TestScriptedCallers(t *testing.T) {
	type step struct {
		desc string
		at   time.Duration // -1: not checked
	}
	tests := []struct {
		name   string
		spec   CallSpec
		media  string // played when the call starts ("" = none)
		hangup time.Duration
		want   []step
	}{
		{
			name:  "inbound dtmf then hangup",
			spec:  CallSpec{Inbound: true, Script: mustScript(t, "dtmf=1@2s,#@3s;hangup=5s")},
			media: "sound:demo-congrats",
			want: []step{
				{"StasisStart", 0}, {"ChannelStateChange Up", 0},
				{"PlaybackStarted sound:demo-congrats playing", 0},
				{"ChannelDtmfReceived 1", 2 * time.Second}, {"ChannelDtmfReceived #", 3 * time.Second},
				{"ChannelHangupRequest", 5 * time.Second},
				{"PlaybackFinished sound:demo-congrats failed", 5 * time.Second}, {"StasisEnd", 5 * time.Second},
			},
		},
		{
			name:  "originate hangup during media",
			spec:  CallSpec{Script: mustScript(t, "hangup=sound:demo-congrats+600ms")},
			media: "sound:demo-congrats",
			want: []step{
				{"Dial", -1}, {"ChannelStateChange Up", -1}, {"Dial", -1},
				{"ChannelVarset", -1}, {"StasisStart", 0},
				{"PlaybackStarted sound:demo-congrats playing", 0},
				{"ChannelHangupRequest", 600 * time.Millisecond},
				{"PlaybackFinished sound:demo-congrats failed", 600 * time.Millisecond},
				{"StasisEnd", -1}, {"ChannelVarset", -1}, {"ChannelDestroyed", -1},
			},
		},
		{
			name:  "digits after the first prompt",
			spec:  CallSpec{Inbound: true, Script: mustScript(t, "dtmf=12@p1+500ms")},
			media: "sound:hello-world",
			want: []step{
				{"StasisStart", 0}, {"ChannelStateChange Up", 0},
				{"PlaybackStarted sound:hello-world playing", 0},
				{"ChannelDtmfReceived 1", 500 * time.Millisecond},
				{"ChannelDtmfReceived 2", 800 * time.Millisecond},
				{"PlaybackFinished sound:hello-world done", 1403 * time.Millisecond},
			},
			hangup: 2 * time.Second,
		},
		{
			name:  "hang up as the second prompt starts",
			spec:  CallSpec{Inbound: true, Script: mustScript(t, "hangup=p2")},
			media: "sound:hello-world,sound:vm-goodbye",
			want: []step{
				{"StasisStart", 0}, {"ChannelStateChange Up", 0},
				{"PlaybackStarted sound:hello-world playing", 0},
				{"PlaybackContinuing sound:hello-world continuing", 1403 * time.Millisecond},
				{"PlaybackStarted sound:vm-goodbye playing", 1403 * time.Millisecond},
				{"PlaybackFinished sound:vm-goodbye done", 2267 * time.Millisecond},
			},
			hangup: 3 * time.Second,
		},
		{
			name: "silent caller presses nothing",
			spec: CallSpec{Inbound: true, Script: mustScript(t, "silent;dtmf=1@1s;hangup=2s")},
			want: []step{
				{"StasisStart", 0}, {"ChannelStateChange Up", 0},
				{"ChannelHangupRequest", 2 * time.Second}, {"StasisEnd", 2 * time.Second},
			},
		},
		{
			name: "PJSIP caller hangs up",
			spec: CallSpec{Inbound: true, Endpoint: "PJSIP/alice", CallerNumber: "1001", Script: mustScript(t, "hangup=1s")},
			want: []step{
				{"StasisStart", 0}, {"ChannelStateChange Up", 0},
				{"ChannelHangupRequest", time.Second}, {"StasisEnd", time.Second},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			w := h.dial("app=" + testApp)
			tt.spec.App = testApp
			id, err := h.srv.PlaceCall(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			var start time.Time
			var got []string
			for len(got) < len(tt.want) {
				ev := w.nextHeld()
				if channelOf(ev) != id {
					w.release()
					continue
				}
				d := evDesc(ev)
				if d == "StasisStart" {
					start = evTime(t, ev)
					h.do("POST", "/ari/channels/"+id+"/answer", "", nil, true)
					if tt.media != "" {
						h.do("POST", "/ari/channels/"+id+"/play", "media="+tt.media, nil, true)
					}
					if tt.hangup > 0 {
						h.clk.AfterFunc(tt.hangup, func() { h.srv.mu.Lock(); defer h.srv.mu.Unlock(); h.srv.hangupLocked(h.srv.channels[id], 32, true, 16) })
					}
				}
				if want := tt.want[len(got)]; want.desc != d {
					t.Errorf("event %d: %s, want %s", len(got), d, want.desc)
				} else if want.at >= 0 && !start.IsZero() && evTime(t, ev).Sub(start) != want.at {
					t.Errorf("event %d %s at %v, want %v", len(got), d, evTime(t, ev).Sub(start), want.at)
				}
				got = append(got, d)
				w.release()
			}
			h.waitIdle(w)
			select {
			case <-h.srv.Done(id):
			default:
				t.Error("Done(id) not closed after the call ended")
			}
			if n := h.srv.InStasis(); n != 0 {
				t.Errorf("InStasis() = %d", n)
			}
		})
	}
}

func mustScript(t *testing.T, s string) Script {
	t.Helper()
	sc, err := ParseScript(s)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestPlaceCallNotConnected(t *testing.T) {
	h := newHarness(t, Options{})
	if _, err := h.srv.PlaceCall(CallSpec{App: "nobody", Inbound: true}); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Fatalf("PlaceCall to an unconnected app: %v", err)
	}
	if h.srv.Live() != 0 {
		t.Fatalf("Live() = %d", h.srv.Live())
	}
}

// TestInboundShape: the realistic inbound call; after StasisEnd the app hears
// nothing more (no ChannelDestroyed), and continue goes on in the dialplan.
func TestInboundShape(t *testing.T) {
	h := newHarness(t, Options{})
	w := h.dial("app=" + testApp)
	id, err := h.srv.PlaceCall(CallSpec{App: testApp, Args: []string{"a", "b"}, Inbound: true,
		Context: "stasis-hello", CallerNumber: "5551234", CallerName: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	ev := w.next()
	ch := ev["channel"].(map[string]any)
	dp := ch["dialplan"].(map[string]any)
	if ev["type"] != "StasisStart" || ch["state"] != "Ring" || dp["app_name"] != "Stasis" ||
		dp["app_data"] != "hello-world,a,b" || dp["context"] != "stasis-hello" || dp["priority"] != 2.0 {
		t.Fatalf("StasisStart = %v", ev)
	}
	if fmt.Sprint(ev["args"]) != "[a b]" || ch["caller"].(map[string]any)["number"] != "5551234" {
		t.Fatalf("args/caller: %v", ev)
	}
	status, body := h.do("GET", "/ari/applications/"+testApp, "", nil, true)
	if status != 200 || !strings.Contains(string(body), `"channel_ids":["`+id+`"]`) {
		t.Fatalf("application: %d %s", status, body)
	}
	// continue: StasisEnd, then stasis-hello priority 3 is Hangup().
	status, _ = h.do("POST", "/ari/channels/"+id+"/continue", "", nil, true)
	if status != 204 {
		t.Fatalf("continue: %d", status)
	}
	if ev := w.next(); ev["type"] != "StasisEnd" {
		t.Fatalf("after continue: %v", ev)
	}
	h.waitIdle(w)
	if types := eventTypes(h.srv.Transcript()); strings.Join(types, ",") != "StasisStart,StasisEnd" {
		t.Fatalf("events: %v", types)
	}
}

// TestVirtualTimePlayback: a one-minute prompt and a 30-second one finish 90
// seconds later in virtual time (and so at once in wall time).
func TestVirtualTimePlayback(t *testing.T) {
	h := newHarness(t, Options{Media: map[string]time.Duration{"sound:long": time.Minute}})
	w := h.dial("app=" + testApp)
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	w.nextOf("StasisStart")
	h.do("POST", "/ari/channels/"+id+"/play", "media=sound:long,sound:demo-congrats", nil, true)
	ev := w.nextOf("PlaybackFinished")
	if d := evTime(t, ev).Sub(testStart); d != 90*time.Second {
		t.Fatalf("finished after %v of virtual time", d)
	}
}

func TestPlaybackQueueAndStop(t *testing.T) {
	h := newHarness(t, Options{})
	w := h.dial("app=" + testApp)
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	if ev := w.nextHeld(); ev["type"] != "StasisStart" {
		t.Fatalf("got %v", ev)
	}
	h.do("POST", "/ari/channels/"+id+"/play/pb-1", "media=sound:hello-world", nil, true)
	status, body := h.do("POST", "/ari/channels/"+id+"/play/pb-2", "media=tone:ring", nil, true)
	if status != 201 || !strings.Contains(string(body), `"state":"queued"`) {
		t.Fatalf("second play: %d %s", status, body)
	}
	status, body = h.do("POST", "/ari/channels/"+id+"/play", "", []byte(`{"media":["digits:12","sound:vm-goodbye"],"playbackId":"pb-3"}`), true)
	if status != 201 || !strings.Contains(string(body), `"next_media_uri":"sound:vm-goodbye"`) {
		t.Fatalf("JSON play: %d %s", status, body)
	}
	w.release()
	var got []string
	for len(got) < 4 {
		ev := w.nextHeld()
		if strings.HasPrefix(ev["type"].(string), "Playback") {
			got = append(got, evDesc(ev))
			if evDesc(ev) == "PlaybackStarted tone:ring playing" {
				// A tone plays until stopped.
				if st, _ := h.do("DELETE", "/ari/playbacks/pb-2", "", nil, true); st != 204 {
					t.Errorf("stop: %d", st)
				}
			}
		}
		w.release()
	}
	want := []string{"PlaybackStarted sound:hello-world playing", "PlaybackFinished sound:hello-world done",
		"PlaybackStarted tone:ring playing", "PlaybackFinished tone:ring done"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if ev := w.nextOf("PlaybackStarted"); evDesc(ev) != "PlaybackStarted digits:12 playing" {
		t.Fatalf("third playback: %v", ev)
	}
	if st, _ := h.do("GET", "/ari/playbacks/pb-3", "", nil, true); st != 200 {
		t.Fatalf("GET playback: %d", st)
	}
}

func TestHangupReasons(t *testing.T) {
	tests := []struct {
		query  string
		status int
		cause  float64
		text   string
	}{
		{"", 204, 16, "Normal Clearing"},
		{"reason=busy", 204, 17, "User busy"},
		{"reason=congestion", 204, 34, "Circuit/channel congestion"},
		{"reason=no_answer", 204, 19, "User alerting, no answer"},
		{"reason=rejected", 204, 21, "Call Rejected"},
		{"reason=failure", 204, 38, "Network out of order"},
		{"reason_code=127", 204, 127, "Interworking, unspecified"},
		{"reason=whatever", 400, 0, ""},
		{"reason=busy&reason_code=17", 400, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			h := newHarness(t, Options{})
			w := h.dial("app=" + testApp)
			id, _ := h.srv.PlaceCall(CallSpec{App: testApp})
			w.nextOf("StasisStart")
			status, _ := h.do("DELETE", "/ari/channels/"+id, tt.query, nil, true)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if status != 204 {
				return
			}
			hr := w.nextOf("ChannelHangupRequest")
			if hr["cause"] != 32.0 || hr["soft"] != true {
				t.Errorf("hangup request %v", hr)
			}
			ev := w.nextOf("ChannelDestroyed")
			if ev["cause"] != tt.cause || ev["cause_txt"] != tt.text {
				t.Errorf("destroyed with %v %q, want %v %q", ev["cause"], ev["cause_txt"], tt.cause, tt.text)
			}
		})
	}
}

func TestApplicationReplaced(t *testing.T) {
	h := newHarness(t, Options{})
	old := h.dial("app=" + testApp + ",other")
	fresh := h.dial("app=" + testApp)
	ev := old.next()
	if ev["type"] != "ApplicationReplaced" || ev["application"] != testApp || ev["asterisk_id"] != DefaultAsteriskID {
		t.Fatalf("old socket got %v", ev)
	}
	// The old socket still serves "other", so it stays open.
	id, _ := h.srv.PlaceCall(CallSpec{App: testApp, Inbound: true})
	if ev := fresh.next(); ev["type"] != "StasisStart" || channelOf(ev) != id {
		t.Fatalf("new socket got %v", ev)
	}
	if _, err := h.srv.PlaceCall(CallSpec{App: "other", Inbound: true}); err != nil {
		t.Fatal(err)
	}
	if ev := old.next(); ev["type"] != "StasisStart" || ev["application"] != "other" {
		t.Fatalf("old socket got %v", ev)
	}
	// Replacing its last app closes it.
	h.dial("app=other")
	if ev := old.next(); ev["type"] != "ApplicationReplaced" {
		t.Fatalf("old socket got %v", ev)
	}
	deadline := time.After(realTimeout)
	for {
		if _, closed := old.take(); closed {
			break
		}
		select {
		case <-old.sig:
		case <-deadline:
			t.Fatal("replaced socket not closed")
		}
	}
}

func TestAuth(t *testing.T) {
	h := newHarness(t, Options{})
	req, _ := http.NewRequest("GET", h.hs.URL+"/ari/channels", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("no auth: %d %v", resp.StatusCode, resp.Header)
	}
	if st, _ := h.do("GET", "/ari/channels", "api_key=flow:flowpass", nil, false); st != 200 {
		t.Fatalf("api_key: %d", st)
	}
	if st, _ := h.do("GET", "/sim/calls", "", nil, false); st != 401 {
		t.Fatalf("sim without auth: %d", st)
	}
	_, resp, err = websocketDial(h.hs.URL + "/ari/events?app=x")
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("WebSocket without auth: %v %v", err, resp)
	}
	// /asterisk/info, which the Go library reads after connecting.
	st, body := h.do("GET", "/ari/asterisk/info", "", nil, true)
	var info struct {
		System struct {
			EntityID string `json:"entity_id"`
		}
	}
	if st != 200 || json.Unmarshal(body, &info) != nil || info.System.EntityID != DefaultAsteriskID {
		t.Fatalf("info: %d %s", st, body)
	}
	if st, body := h.do("GET", "/ari/asterisk/ping", "", nil, true); st != 200 || !strings.Contains(string(body), `"ping":"pong"`) {
		t.Fatalf("ping: %d %s", st, body)
	}
}
