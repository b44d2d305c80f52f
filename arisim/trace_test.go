package arisim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Replays of the captured Asterisk 22.10.1 transcripts: the test issues the
// requests of a trace at the trace's (virtual) times, after the events that
// preceded them in the trace, then compares the simulator's transcript with
// the trace: the same events in the same order (modulo documented races),
// with the same JSON shape and key order, and the same statuses, error
// messages and response shapes. Ids and times aside.

// traceLine is one line of a trace (and of a transcript, see Entry).
type traceLine struct {
	TMs    int64           `json:"t_ms"`
	Kind   string          `json:"kind"`
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Query  string          `json:"query"`
	Body   json.RawMessage `json:"body"`
	Status int             `json:"status"`
	Event  json.RawMessage `json:"event"`
	Action string          `json:"action"`
}

// traceDir finds the traces: the copies in testdata, which the tests own.
func traceDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "traces")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no traces: %v", err)
	}
	return dir
}

func loadTrace(t *testing.T, name string) []traceLine {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(traceDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var lines []traceLine
	for i, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var tl traceLine
		if err := json.Unmarshal(l, &tl); err != nil {
			t.Fatalf("%s:%d: %v", name, i+1, err)
		}
		lines = append(lines, tl)
	}
	return lines
}

// TestTraceCopiesCurrent checks testdata/traces against the shared folder
// beside the repository (../shared relative to the repository root), when
// that folder is present.
func TestTraceCopiesCurrent(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "ari", "traces")
	entries, err := os.ReadDir(shared)
	if err != nil {
		t.Skipf("shared traces not beside the repository: %v", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		want, _ := os.ReadFile(filepath.Join(shared, e.Name()))
		got, err := os.ReadFile(filepath.Join("testdata", "traces", e.Name()))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("testdata/traces/%s differs from %s: copy it again", e.Name(), shared)
		}
	}
}

type scenario struct {
	file  string
	opts  Options
	setup func(r *replayer) // before the first request (e.g. an inbound call)
	// swaps are pairs of event types whose order varies between runs on
	// Asterisk (see the traces' README).
	swaps [][2]string
}

// Documented races. A side is an event type, optionally with the half of
// its channel (";1", ";2").
var (
	// originateRace: Dial("") and the ;2 half's first events.
	originateRace = [][2]string{{"Dial", "ChannelDialplan"}, {"Dial", "ChannelStateChange"}}
	// teardownRace: ;1's ChannelDestroyed and ;2's second hangup request.
	teardownRace = [][2]string{{"ChannelDestroyed;1", "ChannelHangupRequest;2"}}
)

func TestReplayTraces(t *testing.T) {
	scenarios := []scenario{
		{file: "hello-world.jsonl"},
		{file: "hello-world-inbound.jsonl", setup: func(r *replayer) {
			r.placeInbound(CallSpec{App: testApp, Inbound: true, Context: "stasis-hello"})
		}},
		{file: "hangup-during-playback.jsonl"},
		{file: "dtmf-gather.jsonl"},
		{file: "missing-sound.jsonl"},
		{file: "play-list.jsonl"},
		{file: "continue-dialplan.jsonl"},
		{file: "variables.jsonl"},
		{file: "errors.jsonl"},
		{file: "moh-ring-dtmf.jsonl"},
		{file: "ws-reconnect.jsonl"},
		{file: "originate-no-websocket.jsonl"},
		{file: "originate-bridge.jsonl"},
		{file: "record.jsonl"},
	}
	for _, sc := range scenarios {
		t.Run(strings.TrimSuffix(sc.file, ".jsonl"), func(t *testing.T) {
			t.Parallel()
			sc.swaps = append(append(sc.swaps, originateRace...), teardownRace...)
			r := newReplayer(t, sc)
			r.run()
			r.compare()
		})
	}
}

// replayer drives a scenario. It owns at most one hold on the virtual clock
// while it works, so time only moves while it waits, as with the engine.
type replayer struct {
	*harness
	sc      scenario
	trace   []traceLine
	t0      time.Time
	holding bool
	ws      *wsClient
	got     [][]byte          // events received, in order
	resps   []traceLine       // the simulator's responses, in request order
	ids     map[string]string // trace id → simulator id
	mapped  map[string]int    // per event type: occurrences already used for ids
	extra   int               // trailing simulator events the trace lacks
}

func newReplayer(t *testing.T, sc scenario) *replayer {
	r := &replayer{harness: newHarness(t, sc.opts), sc: sc, trace: loadTrace(t, sc.file),
		ids: map[string]string{}, mapped: map[string]int{}}
	r.clk.Hold()
	r.holding = true
	r.t0 = r.clk.Now()
	return r
}

func (r *replayer) run() {
	if r.sc.setup != nil {
		r.sc.setup(r)
	}
	traceResps := 0
	eventsBefore := 0
	for _, ln := range r.trace {
		switch ln.Kind {
		case "event":
			eventsBefore++
			continue
		case "response":
			traceResps++
			continue
		case "ws":
			r.waitEvents(eventsBefore)
			r.ws.close()
			r.waitWS("close")
			r.absorb()
			continue
		}
		r.waitEvents(eventsBefore)
		r.mapEventIDs()
		r.sleepUntil(ln.TMs)
		if ln.Path == "/ari/events" {
			r.ws = r.dial(r.subst(ln.Query, false))
			r.resps = append(r.resps, traceLine{Kind: "response", Status: 101})
			continue
		}
		status, body := r.do(ln.Method, r.subst(ln.Path, true), r.subst(ln.Query, false), r.body(ln.Body),
			!r.expectsAuthFailure(len(r.resps)))
		resp := traceLine{Kind: "response", Status: status}
		if len(body) > 0 {
			resp.Body = body
		}
		r.resps = append(r.resps, resp)
		if tr := r.traceResponse(len(r.resps) - 1); tr != nil {
			r.mapIDs(tr.Body, resp.Body)
		}
	}
	r.waitEvents(eventsBefore)
	r.release()
	r.waitIdle(r.ws)
}

// placeInbound places a call from Go, as the dialplan would.
func (r *replayer) placeInbound(spec CallSpec) {
	if r.ws == nil {
		// The inbound traces connect first; do the same.
		ln := r.trace[0]
		r.ws = r.dial(ln.Query)
		r.resps = append(r.resps, traceLine{Kind: "response", Status: 101})
		r.trace = r.trace[2:]
	}
	if _, err := r.srv.PlaceCall(spec); err != nil {
		r.t.Fatal(err)
	}
}

func (r *replayer) traceResponse(i int) *traceLine {
	n := 0
	for k := range r.trace {
		if r.trace[k].Kind == "response" {
			if n == i {
				return &r.trace[k]
			}
			n++
		}
	}
	return nil
}

func (r *replayer) expectsAuthFailure(i int) bool {
	tr := r.traceResponse(i)
	return tr != nil && tr.Status == 401
}

func (r *replayer) body(raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

func (r *replayer) release() {
	if r.holding {
		r.holding = false
		r.clk.Release()
	}
}

// absorb takes the frames that arrived, keeping one hold for the replayer.
func (r *replayer) absorb() {
	if r.ws == nil {
		return
	}
	frames, _ := r.ws.take()
	for _, f := range frames {
		r.got = append(r.got, f)
		if r.holding {
			r.clk.Release()
		} else {
			r.holding = true
		}
	}
}

// waitEvents waits until n events have arrived.
func (r *replayer) waitEvents(n int) {
	r.t.Helper()
	timeout := time.After(realTimeout)
	for {
		r.absorb()
		if len(r.got) >= n {
			if !r.holding {
				r.clk.Hold()
				r.holding = true
			}
			return
		}
		r.release()
		var sig <-chan struct{}
		if r.ws != nil {
			sig = r.ws.sig
		}
		select {
		case <-sig:
		case <-timeout:
			r.t.Fatalf("waiting for %d events, got %d:\n%s", n, len(r.got), summarize(r.got))
		}
	}
}

// sleepUntil lets virtual time pass until t_ms after the start.
func (r *replayer) sleepUntil(tms int64) {
	d := r.t0.Add(time.Duration(tms) * time.Millisecond).Sub(r.clk.Now())
	if d <= 0 {
		return
	}
	woke := make(chan struct{})
	r.clk.AfterFunc(d, func() { r.clk.Hold(); close(woke) })
	r.release()
	timeout := time.After(realTimeout)
	for {
		var sig <-chan struct{}
		if r.ws != nil {
			sig = r.ws.sig
		}
		select {
		case <-woke:
			r.holding = true
			r.absorb()
			return
		case <-sig:
			frames, _ := r.ws.take()
			for _, f := range frames {
				r.got = append(r.got, f)
				r.clk.Release()
			}
		case <-timeout:
			r.t.Fatalf("virtual time does not reach %d ms", tms)
		}
	}
}

// mapEventIDs pairs trace and simulator events of the same type by
// occurrence and learns the ids they carry.
func (r *replayer) mapEventIDs() {
	var traceEvents [][]byte
	for _, ln := range r.trace {
		if ln.Kind == "event" {
			traceEvents = append(traceEvents, ln.Event)
		}
	}
	byType := func(list [][]byte) map[string][][]byte {
		m := map[string][][]byte{}
		for _, e := range list {
			typ := field(e, "type")
			m[typ] = append(m[typ], e)
		}
		return m
	}
	tt, st := byType(traceEvents), byType(r.got)
	for typ, sims := range st {
		for i := r.mapped[typ]; i < len(sims) && i < len(tt[typ]); i++ {
			r.mapIDs(tt[typ][i], sims[i])
		}
		r.mapped[typ] = min(len(sims), len(tt[typ]))
	}
}

// mapIDs walks two documents of the same shape and records trace→sim ids.
func (r *replayer) mapIDs(traceDoc, simDoc json.RawMessage) {
	var a, b any
	if json.Unmarshal(traceDoc, &a) != nil || json.Unmarshal(simDoc, &b) != nil {
		return
	}
	var walk func(x, y any)
	walk = func(x, y any) {
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok {
				return
			}
			for k, v := range xv {
				if k == "id" {
					if xs, ok := v.(string); ok {
						if ys, ok := yv[k].(string); ok && xs != ys {
							if _, known := r.ids[xs]; !known {
								r.ids[xs] = ys
							}
						}
					}
					continue
				}
				walk(v, yv[k])
			}
		case []any:
			yv, ok := y.([]any)
			if !ok {
				return
			}
			for i := range min(len(xv), len(yv)) {
				walk(xv[i], yv[i])
			}
		}
	}
	walk(a, b)
}

// subst replaces trace ids in a path (segments) or query (values, comma
// lists) by the simulator's.
func (r *replayer) subst(s string, path bool) string {
	if path {
		segs := strings.Split(s, "/")
		for i, seg := range segs {
			if v, ok := r.ids[seg]; ok {
				segs[i] = v
			}
		}
		return strings.Join(segs, "/")
	}
	parts := strings.Split(s, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		items := strings.Split(v, ",")
		for j, it := range items {
			if id, ok := r.ids[it]; ok {
				items[j] = id
			}
		}
		parts[i] = k + "=" + strings.Join(items, ",")
	}
	return strings.Join(parts, "&")
}

// compare checks the simulator's transcript against the trace.
func (r *replayer) compare() {
	t := r.t
	var traceEvents [][]byte
	var traceResps []traceLine
	for _, ln := range r.trace {
		switch ln.Kind {
		case "event":
			traceEvents = append(traceEvents, ln.Event)
		case "response":
			traceResps = append(traceResps, ln)
		}
	}
	if r.sc.setup != nil {
		traceResps = append([]traceLine{{Kind: "response", Status: 101}}, traceResps...)
	}

	// The frames the client got are the events of the transcript.
	var sent [][]byte
	for _, e := range r.srv.Transcript() {
		if e.Kind == "event" {
			sent = append(sent, e.Event)
		}
	}
	if len(sent) != len(r.got) {
		t.Errorf("transcript has %d events, the socket delivered %d", len(sent), len(r.got))
	}
	for i := range min(len(sent), len(r.got)) {
		if !bytes.Equal(sent[i], r.got[i]) {
			t.Errorf("event %d: transcript %s, socket %s", i, sent[i], r.got[i])
		}
	}
	for _, ev := range r.got {
		ts := field(ev, "timestamp")
		if _, err := time.Parse(tsLayout, ts); err != nil || !strings.HasSuffix(ts, "+0000") {
			t.Errorf("bad timestamp %q in %s", ts, ev)
		}
	}

	matchEvents(t, traceEvents, r.got[:len(r.got)-r.extra], r.sc.swaps)

	if len(r.resps) != len(traceResps) {
		t.Errorf("%d responses, trace has %d", len(r.resps), len(traceResps))
	}
	for i := range min(len(r.resps), len(traceResps)) {
		got, want := r.resps[i], traceResps[i]
		if got.Status != want.Status {
			t.Errorf("response %d: status %d, trace %d (body %s)", i, got.Status, want.Status, got.Body)
			continue
		}
		if want.Status >= 400 {
			if !jsonEqual(got.Body, want.Body) {
				t.Errorf("response %d: body %s, trace %s", i, got.Body, want.Body)
			}
			continue
		}
		if gs, ws := shape(got.Body), shape(want.Body); gs != ws {
			t.Errorf("response %d (status %d): shape\n got %s\nwant %s", i, got.Status, gs, ws)
		}
	}
}

// matchEvents checks that sim has the trace's events in the trace's order,
// allowing the swaps, and the same shape for each pair.
func matchEvents(t *testing.T, trace, sim [][]byte, swaps [][2]string) {
	t.Helper()
	side := func(ev []byte) []string {
		typ := field(ev, "type")
		var m map[string]map[string]any
		_ = json.Unmarshal(ev, &m)
		name, _ := m["channel"]["name"].(string)
		if i := strings.LastIndexByte(name, ';'); i >= 0 {
			return []string{typ, typ + name[i:]}
		}
		return []string{typ}
	}
	allowed := func(x, y []byte) bool {
		for _, s := range swaps {
			for _, a := range side(x) {
				for _, b := range side(y) {
					if s[0] == a && s[1] == b || s[0] == b && s[1] == a {
						return true
					}
				}
			}
		}
		return false
	}
	used := make([]bool, len(trace))
	ok := true
	for i, ev := range sim {
		sig := signature(ev)
		j := -1
		for k := range trace {
			if !used[k] && signature(trace[k]) == sig {
				j = k
				break
			}
		}
		if j < 0 {
			t.Errorf("event %d not in the trace: %s", i, sig)
			ok = false
			continue
		}
		for k := range j {
			if !used[k] && !allowed(trace[k], ev) {
				t.Errorf("event %d %s comes before trace event %s", i, sig, signature(trace[k]))
				ok = false
			}
		}
		used[j] = true
		if gs, ws := shape(ev), shape(trace[j]); gs != ws {
			t.Errorf("event %d %s: shape\n got %s\nwant %s", i, sig, gs, ws)
			ok = false
		}
	}
	for k, u := range used {
		if !u {
			t.Errorf("trace event missing: %s", signature(trace[k]))
			ok = false
		}
	}
	if !ok {
		t.Logf("simulator events:\n%s", summarize(sim))
		t.Logf("trace events:\n%s", summarize(trace))
	}
}

// signature names an event by what must match: type, the channel's half
// (;1/;2), state and dialplan application, and the event's own fields.
func signature(ev []byte) string {
	var m map[string]any
	_ = json.Unmarshal(ev, &m)
	var b strings.Builder
	b.WriteString(fmt.Sprint(m["type"]))
	for _, k := range []string{"channel", "peer"} {
		if ch, ok := m[k].(map[string]any); ok {
			name := fmt.Sprint(ch["name"])
			half := ""
			if i := strings.LastIndexByte(name, ';'); i >= 0 {
				half = name[i:]
			}
			dp, _ := ch["dialplan"].(map[string]any)
			fmt.Fprintf(&b, " %s%s[%v %v]", k, half, ch["state"], dp["app_name"])
		}
	}
	switch m["type"] {
	case "Dial":
		fmt.Fprintf(&b, " %q %q", m["dialstatus"], m["dialstring"])
	case "ChannelVarset":
		v := fmt.Sprint(m["value"])
		if strings.Contains(v, "Local/") {
			v = "<peer>"
		}
		fmt.Fprintf(&b, " %v=%q", m["variable"], v)
	case "ChannelDialplan":
		fmt.Fprintf(&b, " %v(%v)", m["dialplan_app"], m["dialplan_app_data"])
	case "ChannelHangupRequest":
		fmt.Fprintf(&b, " cause=%v soft=%v", m["cause"], m["soft"])
	case "ChannelDestroyed":
		fmt.Fprintf(&b, " cause=%v", m["cause"])
	case "ChannelDtmfReceived":
		fmt.Fprintf(&b, " %v/%v", m["digit"], m["duration_ms"])
	case "StasisStart":
		fmt.Fprintf(&b, " args=%v", m["args"])
	case "PlaybackStarted", "PlaybackContinuing", "PlaybackFinished":
		pb, _ := m["playback"].(map[string]any)
		fmt.Fprintf(&b, " %v→%v %v", pb["media_uri"], pb["next_media_uri"], pb["state"])
	case "RecordingStarted", "RecordingFinished":
		rec, _ := m["recording"].(map[string]any)
		fmt.Fprintf(&b, " %v %v", rec["name"], rec["state"])
	case "ChannelEnteredBridge", "ChannelLeftBridge", "BridgeDestroyed":
		br, _ := m["bridge"].(map[string]any)
		chans, _ := br["channels"].([]any)
		fmt.Fprintf(&b, " %v members=%d", br["id"], len(chans))
	}
	return b.String()
}

// shape renders a JSON document's structure with key order: objects as
// {k:shape,...}, arrays as the set of their elements' shapes, scalars as
// their type.
func shape(raw []byte) string {
	if len(raw) == 0 {
		return "null"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var walk func() string
	walk = func() string {
		tok, err := dec.Token()
		if err != nil {
			return "!" + err.Error()
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				var parts []string
				for dec.More() {
					k, _ := dec.Token()
					parts = append(parts, fmt.Sprint(k)+":"+walk())
				}
				_, _ = dec.Token()
				return "{" + strings.Join(parts, ",") + "}"
			}
			set := map[string]bool{}
			for dec.More() {
				set[walk()] = true
			}
			_, _ = dec.Token()
			elems := make([]string, 0, len(set))
			for e := range set {
				elems = append(elems, e)
			}
			sort.Strings(elems)
			return "[" + strings.Join(elems, "|") + "]"
		case string:
			return "s"
		case json.Number:
			return "n"
		case bool:
			return "b"
		case nil:
			return "null"
		}
		return "?"
	}
	return walk()
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func field(raw []byte, key string) string {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	s, _ := m[key].(string)
	return s
}

func summarize(events [][]byte) string {
	var b strings.Builder
	for i, e := range events {
		b.WriteString(strconv.Itoa(i) + ": " + signature(e) + "\n")
	}
	return b.String()
}

// TestReplayHelloWorldLocal replays hello-world-local.jsonl, which holds only
// the events; its README gives the requests: originate Local/s@flowtest,
// answer, play sound:hello-world, DELETE after PlaybackFinished.
func TestReplayHelloWorldLocal(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(traceDir(t), "hello-world-local.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var t0 time.Time
	at := func(ev []byte) int64 {
		ts, err := time.Parse(tsLayout, field(ev, "timestamp"))
		if err != nil {
			t.Fatal(err)
		}
		if t0.IsZero() {
			t0 = ts
		}
		return ts.Sub(t0).Milliseconds()
	}
	lines := []traceLine{
		{Kind: "request", Method: "GET", Path: "/ari/events", Query: "app=hello-world&api_key=flow:flowpass"},
		{Kind: "response", Status: 101},
		{Kind: "request", Method: "POST", Path: "/ari/channels", Query: "endpoint=Local/s@flowtest&app=hello-world"},
	}
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		ev := json.RawMessage(l)
		tms := at(ev)
		switch field(ev, "type") {
		case "Dial":
			if len(lines) == 3 {
				var d struct{ Peer json.RawMessage }
				_ = json.Unmarshal(ev, &d)
				lines = append(lines, traceLine{Kind: "response", Status: 200, Body: d.Peer})
			}
		case "PlaybackStarted":
			var p struct{ Playback json.RawMessage }
			_ = json.Unmarshal(ev, &p)
			body := bytes.Replace(p.Playback, []byte(`"state":"playing"`), []byte(`"state":"queued"`), 1)
			id := strings.TrimPrefix(field(p.Playback, "target_uri"), "channel:")
			lines = append(lines,
				traceLine{TMs: tms - 1, Kind: "request", Method: "POST", Path: "/ari/channels/" + id + "/answer"},
				traceLine{TMs: tms - 1, Kind: "response", Status: 204},
				traceLine{TMs: tms, Kind: "request", Method: "POST", Path: "/ari/channels/" + id + "/play", Query: "media=sound:hello-world"},
				traceLine{TMs: tms, Kind: "response", Status: 201, Body: body})
		case "ChannelHangupRequest":
			var c struct{ Channel struct{ ID string } }
			_ = json.Unmarshal(ev, &c)
			lines = append(lines,
				traceLine{TMs: tms, Kind: "request", Method: "DELETE", Path: "/ari/channels/" + c.Channel.ID},
				traceLine{TMs: tms, Kind: "response", Status: 204})
		}
		lines = append(lines, traceLine{TMs: tms, Kind: "event", Event: ev})
	}
	sc := scenario{file: "hello-world-local.jsonl", swaps: append(originateRace, teardownRace...)}
	r := &replayer{harness: newHarness(t, Options{}), sc: sc, trace: lines, ids: map[string]string{}, mapped: map[string]int{}}
	r.clk.Hold()
	r.holding = true
	r.t0 = r.clk.Now()
	r.run()
	// The capture stops at StasisEnd; the simulator goes on with the
	// teardown of the originated channel (see hello-world.jsonl).
	tail := []string{"ChannelVarset", "ChannelHangupRequest", "ChannelDestroyed", "ChannelHangupRequest", "ChannelDestroyed"}
	if len(r.got) < len(tail) {
		t.Fatalf("only %d events", len(r.got))
	}
	for i, typ := range tail {
		if got := field(r.got[len(r.got)-len(tail)+i], "type"); got != typ {
			t.Errorf("teardown event %d: %s, want %s", i, got, typ)
		}
	}
	r.extra = len(tail)
	r.compare()
}
