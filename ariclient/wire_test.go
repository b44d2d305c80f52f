package ariclient

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// wireCases are frames that probe every way decodeWire could part from
// json.Unmarshal.
var wireCases = []string{
	``, ` `, `null`, ` null `, `nul`, `{}`, `[]`, `"x"`, `1`, `true`, `{} x`, `{}{}`, `{`, `}`,
	`{"type":"StasisStart"}`, `{"type":"StasisStart",}`, `{"type" "x"}`, `{"type":}`, `{type:"x"}`,
	`{"type":1}`, `{"type":null}`, `{"type":"a","type":"b"}`, `{"Type":"a"}`, `{"TYPE":"a","type":"b"}`,
	`{"cause":16}`, `{"cause":-0}`, `{"cause":1.0}`, `{"cause":1e2}`, `{"cause":"16"}`, `{"cause":01}`,
	`{"cause":99999999999999999999}`, `{"cause":-}`, `{"cause":1.}`, `{"cause":1e}`, `{"cause":null}`,
	`{"args":["a","b"]}`, `{"args":[]}`, `{"args":null}`, `{"args":["a",null]}`, `{"args":["a",1]}`,
	`{"args":"a"}`, `{"args":["a",]}`, `{"args":["a"],"args":["b","c"]}`, `{"args":[["a"]]}`,
	`{"channel":{"id":"1","name":"PJSIP/a"},"channel":{"id":"2"}}`, `{"channel":null}`,
	`{"channel":"x"}`, `{"channel":{"caller":{"name":"A","number":"1"},"dialplan":{"context":"c","exten":"s","priority":2}}}`,
	`{"channel":{"dialplan":{"priority":"2"}}}`, `{"channel":{"caller":null,"dialplan":null}}`,
	`{"playback":{"id":"p","target_uri":"channel:1","state":"done","media_uri":"sound:x"}}`,
	`{"recording":{"name":"r","target_uri":"channel:1"}}`, `{"peer":{"id":"leg"},"dialstatus":"ANSWER"}`,
	`{"digit":"\u0031"}`, `{"digit":"\"\\\/\b\f\n\r\t"}`, `{"digit":"\ud83d\ude00"}`, `{"digit":"\ud83d"}`,
	`{"digit":"\x"}`, `{"digit":"\u12"}`, "{\"digit\":\"a\x01\"}", "{\"digit\":\"\xff\xfe\"}",
	"{\"digit\":\"caf\xc3\xa9\"}", `{"t\u0079pe":"escaped key"}`, "{\"\u212Aey\":1}", "{\"\u017Fta\u212Ae\":\"x\"}",
	`{"channel":{"\u0069d":"1"}}`, "{\"channel\":{\"\u017Ftate\":\"Up\",\"\u212Aey\":1}}", `{"Channel":{"ID":"x"}}`, `{"x":{"y":[1,2,{"z":true}],"w":false},"type":"A"}`, `{"x":[}`,
	`{"x":tru}`, `{"x":"unterminated}`, `{"x":-01}`, `{"x":.5}`, `{"x":1.5e+3,"cause":3}`,
	strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001),
	`{"x":` + strings.Repeat(`[`, 9998) + strings.Repeat(`]`, 9998) + `}`,
	`{"x":` + strings.Repeat(`[`, 10000) + strings.Repeat(`]`, 10000) + `}`,
}

// allFrames are the captured event frames and every line of the traces.
func allFrames(t testing.TB) []string {
	frames := traceFrames(t)
	files, _ := filepath.Glob("../arisim/testdata/traces/*.jsonl")
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			frames = append(frames, sc.Text())
			// Trace lines wrap frames; the frames themselves are in them.
			var rec map[string]json.RawMessage
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				for _, v := range rec {
					frames = append(frames, string(v))
				}
			}
		}
		f.Close()
	}
	return frames
}

func checkWire(t *testing.T, frame string) {
	t.Helper()
	var want, got wireEvent
	wantErr := json.Unmarshal([]byte(frame), &want)
	gotErr := decodeWire([]byte(frame), &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("frame %.200q: error %v, json.Unmarshal says %v", frame, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("frame %.200q:\ngot  %+v\nwant %+v", frame, got, want)
	}
}

func TestDecodeWireMatchesJSON(t *testing.T) {
	frames := append(allFrames(t), wireCases...)
	if len(frames) < 200 {
		t.Fatalf("only %d frames", len(frames))
	}
	for _, f := range frames {
		checkWire(t, f)
	}
}

func FuzzDecodeWire(f *testing.F) {
	for _, fr := range append(allFrames(f), wireCases...) {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, frame string) { checkWire(t, frame) })
}

func BenchmarkDecodeWire(b *testing.B) {
	frames := traceFrames(b)
	b.Run("decodeWire", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			var w wireEvent
			_ = decodeWire([]byte(frames[i%len(frames)]), &w)
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			var w wireEvent
			_ = json.Unmarshal([]byte(frames[i%len(frames)]), &w)
		}
	})
}
