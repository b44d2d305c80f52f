package arisim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// calleeEv describes an event about the outbound channel for the callee
// tests: type and key fields, and its time after the dial (or originate).
func calleeEv(t *testing.T, ev map[string]any, t0 time.Time) string {
	t.Helper()
	typ := ev["type"].(string)
	d := evTime(t, ev).Sub(t0)
	switch typ {
	case "Dial":
		typ += fmt.Sprintf(" %q/%q", ev["dialstatus"], ev["dialstring"])
		if _, ok := ev["caller"]; ok {
			typ += " +caller"
		}
	case "ChannelStateChange":
		typ += " " + ev["channel"].(map[string]any)["state"].(string)
	case "ChannelHangupRequest":
		typ += fmt.Sprintf(" %v", ev["cause"])
		if ev["soft"] == true {
			typ += " soft"
		}
	case "ChannelDestroyed":
		typ += fmt.Sprintf(" %v %s", ev["cause"], ev["cause_txt"])
	case "ChannelVarset":
		typ += fmt.Sprintf(" %s=%s", ev["variable"], ev["value"])
	case "ChannelDtmfReceived":
		typ += " " + ev["digit"].(string)
	}
	return fmt.Sprintf("%s @%s", typ, d)
}

// collect reads events until one about channel id matches stop, returning
// the descriptions of those about id.
func collect(t *testing.T, w *wsClient, id, stop string, t0 time.Time) []string {
	t.Helper()
	var out []string
	for {
		ev := w.next()
		if channelOf(ev) != id {
			continue
		}
		out = append(out, calleeEv(t, ev, t0))
		if ev["type"] == stop {
			return out
		}
	}
}

func TestCalleeDial(t *testing.T) {
	callees := map[string]Callee{
		"PJSIP/alice": mustCallee(t, "answer=2s;hangup=5s"),
		"SIP/carol":   mustCallee(t, "answer=1s;hangup=25s"),
		"PJSIP/late":  mustCallee(t, "answer=30s"),
		"IAX2/slow":   mustCallee(t, "noanswer=5s"),
		"DAHDI/1":     mustCallee(t, "congestion=1s"),
		"PJSIP/now":   mustCallee(t, "answer;hangup=1s"),
	}
	const (
		ringing = "ChannelStateChange Ringing @0s"
		end     = "StasisEnd"
		status  = "ChannelVarset STASISSTATUS=SUCCESS"
	)
	tests := []struct {
		name, endpoint, query string
		want                  []string
	}{
		{"answer after 2s, hang up 5s later", "PJSIP/alice", "timeout=20", []string{
			`Dial ""/"alice" @0s`, ringing, `Dial "RINGING"/"" @0s`,
			"ChannelStateChange Up @2s", `Dial "ANSWER"/"" @2s`,
			"ChannelHangupRequest 16 @7s", end + " @7s", status + " @7s", "ChannelDestroyed 16 Normal Clearing @7s"}},
		{"default callee", "PJSIP/bob", "timeout=20", []string{
			`Dial ""/"bob" @0s`, ringing, `Dial "RINGING"/"" @0s`,
			"ChannelStateChange Up @1s", `Dial "ANSWER"/"" @1s`,
			"ChannelHangupRequest 16 @11s", end + " @11s", status + " @11s", "ChannelDestroyed 16 Normal Clearing @11s"}},
		{"answer at once", "PJSIP/now", "", []string{
			`Dial ""/"now" @0s`, "ChannelStateChange Up @0s", `Dial "ANSWER"/"" @0s`,
			"ChannelHangupRequest 16 @1s", end + " @1s", status + " @1s", "ChannelDestroyed 16 Normal Clearing @1s"}},
		{"answered before the timeout outlives it", "SIP/carol", "timeout=20", []string{
			`Dial ""/"carol" @0s`, ringing, `Dial "RINGING"/"" @0s`,
			"ChannelStateChange Up @1s", `Dial "ANSWER"/"" @1s`,
			"ChannelHangupRequest 16 @26s", end + " @26s", status + " @26s", "ChannelDestroyed 16 Normal Clearing @26s"}},
		{"busy", "PJSIP/busy", "timeout=20", []string{
			`Dial ""/"busy" @0s`, `Dial "BUSY"/"" @0s`,
			"ChannelHangupRequest 17 @0s", end + " @0s", status + " @0s", "ChannelDestroyed 17 User busy @0s"}},
		{"congestion after 1s", "DAHDI/1", "timeout=20", []string{
			`Dial ""/"1" @0s`, ringing, `Dial "RINGING"/"" @0s`, `Dial "CONGESTION"/"" @1s`,
			"ChannelHangupRequest 34 @1s", end + " @1s", status + " @1s", "ChannelDestroyed 34 Circuit/channel congestion @1s"}},
		{"congestion by name", "PJSIP/congestion", "", []string{
			`Dial ""/"congestion" @0s`, `Dial "CONGESTION"/"" @0s`,
			"ChannelHangupRequest 34 @0s", end + " @0s", status + " @0s", "ChannelDestroyed 34 Circuit/channel congestion @0s"}},
		{"no answer: dial timeout", "PJSIP/noanswer", "timeout=20", []string{
			`Dial ""/"noanswer" @0s`, ringing, `Dial "RINGING"/"" @0s`,
			"ChannelHangupRequest 32 soft @20s", end + " @20s", status + " @20s", "ChannelDestroyed 16 Normal Clearing @20s"}},
		{"answers too late", "PJSIP/late", "timeout=20", []string{
			`Dial ""/"late" @0s`, ringing, `Dial "RINGING"/"" @0s`,
			"ChannelHangupRequest 32 soft @20s", end + " @20s", status + " @20s", "ChannelDestroyed 16 Normal Clearing @20s"}},
		{"far end gives up", "IAX2/slow", "timeout=20", []string{
			`Dial ""/"slow" @0s`, ringing, `Dial "RINGING"/"" @0s`,
			"ChannelHangupRequest 19 @5s", end + " @5s", status + " @5s", "ChannelDestroyed 19 User alerting, no answer @5s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{Callees: callees})
			w := h.dial("app=" + testApp)
			status, body := h.do("POST", "/ari/channels/create", "endpoint="+tt.endpoint+"&app="+testApp+"&channelId=out", nil, true)
			if status != 200 {
				t.Fatalf("create: %d %s", status, body)
			}
			var ch map[string]any
			_ = json.Unmarshal(body, &ch)
			tech, res, _ := strings.Cut(tt.endpoint, "/")
			if !regexp.MustCompile(`^`+tech+`/`+res+`-[0-9a-f]{8}$`).MatchString(ch["name"].(string)) || ch["state"] != "Down" {
				t.Errorf("created channel %v", ch)
			}
			if ev := w.nextOf("StasisStart"); channelOf(ev) != "out" {
				t.Fatalf("StasisStart for %s", channelOf(ev))
			}
			t0 := h.clk.Now()
			if status, body := h.do("POST", "/ari/channels/out/dial", tt.query, nil, true); status != 204 {
				t.Fatalf("dial: %d %s", status, body)
			}
			got := collect(t, w, "out", "ChannelDestroyed", t0)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			h.waitIdle(w)
		})
	}
}

// TestCalleeCancel: DELETE while the callee rings is the usual teardown; no
// Dial event reports it.
func TestCalleeCancel(t *testing.T) {
	h := newHarness(t, Options{})
	w := h.dial("app=" + testApp)
	h.do("POST", "/ari/channels/create", "endpoint=PJSIP/noanswer&app="+testApp+"&channelId=out", nil, true)
	w.nextOf("StasisStart")
	t0 := h.clk.Now()
	h.do("POST", "/ari/channels/out/dial", "timeout=20", nil, true)
	for {
		ev := w.nextHeld()
		if ev["type"] == "Dial" && ev["dialstatus"] == "RINGING" {
			break
		}
		w.release()
	}
	// The test holds the clock on RINGING: hang up 0 s into the ringing.
	if status, _ := h.do("DELETE", "/ari/channels/out", "", nil, true); status != 204 {
		t.Fatalf("DELETE: %d", status)
	}
	w.release()
	got := collect(t, w, "out", "ChannelDestroyed", t0)
	want := []string{"ChannelHangupRequest 32 soft @0s", "StasisEnd @0s",
		"ChannelVarset STASISSTATUS=SUCCESS @0s", "ChannelDestroyed 16 Normal Clearing @0s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Dialing a channel that is not Down, or not created by ARI.
	h.do("POST", "/ari/channels/create", "endpoint=PJSIP/noanswer&app="+testApp+"&channelId=out2", nil, true)
	w.nextOf("StasisStart")
	h.do("POST", "/ari/channels/out2/dial", "", nil, true)
	w.nextOf("Dial")
	if status, body := h.do("POST", "/ari/channels/out2/dial", "", nil, true); status != 409 || !strings.Contains(string(body), "not in the 'Down' state") {
		t.Errorf("second dial: %d %s", status, body)
	}
	h.do("DELETE", "/ari/channels/out2", "", nil, true)
	h.waitIdle(w)
}

func TestCalleeUnavailable(t *testing.T) {
	h := newHarness(t, Options{Callees: map[string]Callee{"PJSIP/gone": {Outcome: CalleeUnavailable}}})
	w := h.dial("app=" + testApp)
	for _, q := range []string{
		"/ari/channels/create?endpoint=PJSIP/unavailable",
		"/ari/channels/create?endpoint=PJSIP/gone",
		"/ari/channels?endpoint=SIP/unavailable",
	} {
		path, query, _ := strings.Cut(q, "?")
		status, body := h.do("POST", path, query+"&app="+testApp, nil, true)
		if status != 500 || string(body) != `{"error":"Allocation failed"}` {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
	if n := h.srv.Live(); n != 0 {
		t.Errorf("%d live calls", n)
	}
	w.close()
}

// TestCalleeOriginate: POST /channels to a non-Local endpoint follows its
// callee; a failed call never enters Stasis.
func TestCalleeOriginate(t *testing.T) {
	tests := []struct {
		name, endpoint, query, stop string
		want                        []string
	}{
		{"answer", "PJSIP/alice", "", "StasisStart", []string{
			`Dial ""/"alice" @0s`, "ChannelStateChange Ringing @0s", `Dial "RINGING"/"alice" @0s`,
			"ChannelStateChange Up @2s", `Dial "ANSWER"/"alice" @2s`, "ChannelVarset STASISSTATUS= @2s", "StasisStart @2s"}},
		{"busy", "PJSIP/busy", "", "ChannelDestroyed", []string{
			`Dial ""/"busy" @0s`, "ChannelHangupRequest 17 @0s", `Dial "BUSY"/"busy" @0s`, "ChannelDestroyed 17 User busy @0s"}},
		{"far end gives up", "PJSIP/slow", "", "ChannelDestroyed", []string{
			`Dial ""/"slow" @0s`, "ChannelStateChange Ringing @0s", `Dial "RINGING"/"slow" @0s`,
			"ChannelHangupRequest 19 @5s", `Dial "NOANSWER"/"slow" @5s`, "ChannelDestroyed 19 User alerting, no answer @5s"}},
		{"originate timeout", "PJSIP/noanswer", "&timeout=5", "ChannelDestroyed", []string{
			`Dial ""/"noanswer" @0s`, "ChannelStateChange Ringing @0s", `Dial "RINGING"/"noanswer" @0s`,
			"ChannelDestroyed 0 Unknown @5s"}},
		{"default originate timeout", "PJSIP/noanswer", "", "ChannelDestroyed", []string{
			`Dial ""/"noanswer" @0s`, "ChannelStateChange Ringing @0s", `Dial "RINGING"/"noanswer" @0s`,
			"ChannelDestroyed 0 Unknown @30s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{Callees: map[string]Callee{
				"PJSIP/alice": mustCallee(t, "answer=2s;hangup=1s"),
				"PJSIP/slow":  mustCallee(t, "noanswer=5s"),
			}})
			w := h.dial("app=" + testApp)
			t0 := h.clk.Now()
			status, body := h.do("POST", "/ari/channels", "endpoint="+tt.endpoint+"&app="+testApp+"&channelId=out"+tt.query, nil, true)
			if status != 200 {
				t.Fatalf("originate: %d %s", status, body)
			}
			got := collect(t, w, "out", tt.stop, t0)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.stop == "StasisStart" {
				// The callee hangs up 1 s after answering.
				got = collect(t, w, "out", "ChannelDestroyed", t0)
				if want := "ChannelDestroyed 16 Normal Clearing @3s"; got[len(got)-1] != want {
					t.Errorf("end %q, want %q", got[len(got)-1], want)
				}
			}
			h.waitIdle(w)
		})
	}
}

// TestCalleeBridge: a caller and an answered callee in a mixing bridge; the
// callee presses a digit, then hangs up and leaves the bridge.
func TestCalleeBridge(t *testing.T) {
	h := newHarness(t, Options{Callees: map[string]Callee{"PJSIP/alice": mustCallee(t, "answer=1s;dtmf=5@2s;hangup=4s")}})
	w := h.dial("app=" + testApp)
	caller, err := h.srv.PlaceCall(CallSpec{App: testApp})
	if err != nil {
		t.Fatal(err)
	}
	w.nextOf("StasisStart")
	h.do("POST", "/ari/channels/create", "endpoint=PJSIP/alice&app="+testApp+"&channelId=out&originator="+caller, nil, true)
	w.nextOf("StasisStart")
	t0 := h.clk.Now()
	h.do("POST", "/ari/channels/out/dial", "caller="+caller+"&timeout=20", nil, true)
	for {
		ev := w.nextHeld()
		if ev["type"] == "Dial" && ev["dialstatus"] == "ANSWER" {
			if _, ok := ev["caller"]; ok {
				t.Errorf("Dial ANSWER has a caller: %v", ev)
			}
			break
		}
		w.release()
	}
	if status, _ := h.do("POST", "/ari/bridges/b1", "type=mixing", nil, true); status != 200 {
		t.Fatal("bridge create")
	}
	if status, body := h.do("POST", "/ari/bridges/b1/addChannel", "channel="+caller+",out", nil, true); status != 204 {
		t.Fatalf("addChannel: %d %s", status, body)
	}
	w.release()
	var got []string
	for {
		ev := w.next()
		id := channelOf(ev)
		if id == "out" || ev["type"] == "ChannelDtmfReceived" {
			who := "callee "
			if id != "out" {
				who = "caller's far end "
			}
			got = append(got, who+calleeEv(t, ev, t0))
		}
		if id == "out" && ev["type"] == "ChannelDestroyed" {
			break
		}
	}
	want := []string{
		"callee ChannelEnteredBridge @1s",
		"callee ChannelVarset BRIDGEPEER=" + h.srv.channelName(caller) + " @1s",
		"callee ChannelDtmfReceived 5 @3s",
		"caller's far end ChannelDtmfReceived 5 @3s",
		"callee ChannelHangupRequest 16 @5s",
		"callee ChannelVarset BRIDGEPEER= @5s",
		"callee ChannelLeftBridge @5s",
		"callee StasisEnd @5s",
		"callee ChannelVarset STASISSTATUS=SUCCESS @5s",
		"callee ChannelDestroyed 16 Normal Clearing @5s",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, body := h.do("GET", "/ari/bridges/b1", "", nil, true)
	if !strings.Contains(string(body), `"channels":["`+caller+`"]`) {
		t.Errorf("bridge after the callee left: %s", body)
	}
	h.do("DELETE", "/ari/channels/"+caller, "", nil, true)
	h.waitIdle(w)
}

func (s *Server) channelName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels[id].name
}

func mustCallee(t *testing.T, text string) Callee {
	t.Helper()
	c, err := ParseCallee(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseCallee(t *testing.T) {
	tests := []struct {
		text string
		want Callee
		err  string
	}{
		{"", Callee{}, ""},
		{"answer", Callee{}, ""},
		{"answer=2s;hangup=30s", Callee{Ring: 2 * time.Second, HangupAfter: 30 * time.Second}, ""},
		{" hangup = 1.5 ", Callee{HangupAfter: 1500 * time.Millisecond}, ""},
		{"busy", Callee{Outcome: CalleeBusy}, ""},
		{"busy=3s", Callee{Outcome: CalleeBusy, Ring: 3 * time.Second}, ""},
		{"noanswer", Callee{Outcome: CalleeNoAnswer}, ""},
		{"NoAnswer=45s", Callee{Outcome: CalleeNoAnswer, Ring: 45 * time.Second}, ""},
		{"unavailable", Callee{Outcome: CalleeUnavailable}, ""},
		{"congestion=1s", Callee{Outcome: CalleeCongestion, Ring: time.Second}, ""},
		{"answer=1s;dtmf=1@2s,#9@500ms;hangup=5s", Callee{Ring: time.Second, HangupAfter: 5 * time.Second,
			DTMF: []KeyPress{{Digits: "1", At: 2 * time.Second}, {Digits: "#9", At: 500 * time.Millisecond}}}, ""},
		{"busy;answer", Callee{}, "only one of"},
		{"unavailable=2s", Callee{}, "takes no value"},
		{"busy;hangup=2s", Callee{}, "need a callee that answers"},
		{"noanswer;dtmf=1@1s", Callee{}, "need a callee that answers"},
		{"hangup", Callee{}, "want hangup=DURATION"},
		{"hangup=0", Callee{}, "must be positive"},
		{"answer=soon", Callee{}, "bad time"},
		{"answer=-1s", Callee{}, "negative"},
		{"dtmf=1", Callee{}, "want DIGITS@DURATION"},
		{"dtmf=x@1s", Callee{}, "not a DTMF digit"},
		{"dtmf=1@p1", Callee{}, "bad time"},
		{"ring=2s", Callee{}, "unknown clause"},
	}
	for _, tt := range tests {
		got, err := ParseCallee(tt.text)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseCallee(%q) error %v, want %q", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCallee(%q): %v", tt.text, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCallee(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
		back, err := ParseCallee(got.String())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("round trip of %q via %q: %+v %v", tt.text, got.String(), back, err)
		}
	}
}

func TestSimCallees(t *testing.T) {
	def := mustCallee(t, "busy")
	h := newHarness(t, Options{DefaultCallee: &def})
	w := h.dial("app=" + testApp)
	for _, tt := range []struct {
		method, query string
		status        int
	}{
		{"POST", "endpoint=PJSIP/alice&callee=answer%3D2s%3Bhangup%3D3s", 204},
		{"POST", "endpoint=PJSIP/dave&callee=noanswer", 204},
		{"POST", "callee=busy", 400},
		{"POST", "endpoint=alice&callee=busy", 400},
		{"POST", "endpoint=PJSIP/alice2&callee=sometimes", 400},
		{"DELETE", "endpoint=PJSIP/dave", 204},
		{"DELETE", "endpoint=PJSIP/dave", 404},
	} {
		if status, body := h.do(tt.method, "/sim/callees", tt.query, nil, true); status != tt.status {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.query, status, body, tt.status)
		}
	}
	if status, body := h.do("GET", "/sim/callees", "", nil, true); status != 200 || string(body) != `{"PJSIP/alice":"answer=2s;hangup=3s"}` {
		t.Errorf("GET /sim/callees: %d %s", status, body)
	}
	if status, _ := h.do("POST", "/sim/callees", "endpoint=PJSIP/alice", nil, false); status != 401 {
		t.Errorf("without credentials: %d", status)
	}
	// PJSIP/alice follows the callee set at run time; PJSIP/dave, removed,
	// falls back to the default callee (busy).
	for _, tt := range []struct{ endpoint, want string }{
		{"PJSIP/alice", "ChannelDestroyed 16 Normal Clearing @5s"},
		{"PJSIP/dave", "ChannelDestroyed 17 User busy @0s"},
	} {
		h.do("POST", "/ari/channels/create", "endpoint="+tt.endpoint+"&app="+testApp+"&channelId=out", nil, true)
		w.nextOf("StasisStart")
		t0 := h.clk.Now()
		h.do("POST", "/ari/channels/out/dial", "", nil, true)
		got := collect(t, w, "out", "ChannelDestroyed", t0)
		if got[len(got)-1] != tt.want {
			t.Errorf("%s: %s, want %s", tt.endpoint, got[len(got)-1], tt.want)
		}
	}
	h.waitIdle(w)
}
