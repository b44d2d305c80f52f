package arisim

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseScript(t *testing.T) {
	tests := []struct {
		in   string
		want Script
	}{
		{"", Script{}},
		{"  ", Script{}},
		{"silent", Script{Silent: true}},
		{"dtmf=1@2s,#@3s;hangup=5s", Script{
			DTMF:        []KeyPress{{Digits: "1", At: 2 * time.Second}, {Digits: "#", At: 3 * time.Second}},
			HangupAfter: 5 * time.Second,
		}},
		{" dtmf = 123# @ 1.5 ; hangup = 2500ms ", Script{
			DTMF:        []KeyPress{{Digits: "123#", At: 1500 * time.Millisecond}},
			HangupAfter: 2500 * time.Millisecond,
		}},
		{"dtmf=12@p1+500ms,*@p2", Script{DTMF: []KeyPress{
			{Digits: "12", At: 500 * time.Millisecond, Prompt: 1},
			{Digits: "*", Prompt: 2},
		}}},
		{"hangup=p2+1s", Script{HangupPrompt: 2, HangupDelay: time.Second}},
		{"hangup=p1", Script{HangupPrompt: 1}},
		{"hangup=sound:demo-congrats+600ms", Script{HangupDuring: "sound:demo-congrats", HangupDelay: 600 * time.Millisecond}},
		{"hangup=tone:440+480/2000", Script{HangupDuring: "tone:440+480/2000"}},
		{"silent;dtmf=1@0s", Script{Silent: true, DTMF: []KeyPress{{Digits: "1"}}}},
		{"dtmf=ABCD@1s", Script{DTMF: []KeyPress{{Digits: "ABCD", At: time.Second}}}},
	}
	for _, tt := range tests {
		got, err := ParseScript(tt.in)
		if err != nil {
			t.Errorf("ParseScript(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseScript(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		// String round-trips.
		again, err := ParseScript(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseScript(%q.String() = %q) = %+v, %v", tt.in, got.String(), again, err)
		}
	}
}

func TestParseScriptErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"dtmf=1", `press "1": want DIGITS@WHEN`},
		{"dtmf=", "want dtmf=DIGITS@WHEN"},
		{"dtmf=x@1s", `'x' is not a DTMF digit`},
		{"dtmf=1@soon", `bad time "soon"`},
		{"dtmf=1@-2s", "negative time"},
		{"dtmf=1@sound:x", "cannot wait for a media URI"},
		{"dtmf=1@p0", "bad prompt number"},
		{"hangup=", "want hangup=WHEN"},
		{"hangup=0", "must be positive"},
		{"hangup=later", `bad time "later"`},
		{"ring=1s", `unknown clause "ring"`},
		{"silent=yes", "silent takes no value"},
	}
	for _, tt := range tests {
		_, err := ParseScript(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseScript(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "arisim: script") {
			t.Errorf("ParseScript(%q) error %q lacks the prefix", tt.in, err)
		}
	}
}
