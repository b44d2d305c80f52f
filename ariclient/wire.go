package ariclient

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeWire fills w from one event frame exactly as json.Unmarshal(data, w)
// would: the same fields, the same merging of repeated keys, the same
// case-insensitive key matching, and an error for every frame it rejects.
// It reads only the fields of wireEvent and skips the rest (most of a
// frame) while checking its syntax, which makes it several times faster
// than encoding/json's reflection. A fuzz test holds it to json.Unmarshal.
func decodeWire(data []byte, w *wireEvent) error {
	r := wireReader{data: data}
	r.space()
	if r.literal("null") {
		// null leaves w as it is, as json.Unmarshal does
	} else if !r.object(w.field) {
		return r.fail()
	}
	r.space()
	if r.err == nil && r.pos != len(r.data) {
		r.err = errors.New("invalid character after the event object")
	}
	return r.err
}

// wireReader reads JSON from data. A method that returns false has set err
// (or found a type mismatch, which is an error too).
type wireReader struct {
	data  []byte
	pos   int
	depth int
	err   error
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

var (
	errSyntax   = errors.New("malformed JSON in event frame")
	errMismatch = errors.New("event field of the wrong JSON type")
)

func (r *wireReader) fail() error {
	if r.err == nil {
		r.err = errSyntax
	}
	return r.err
}

func (r *wireReader) bad(err error) bool {
	if r.err == nil {
		r.err = err
	}
	return false
}

func (r *wireReader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *wireReader) peek() byte {
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

// literal consumes word (null, true, false) if it is next.
func (r *wireReader) literal(word string) bool {
	if len(r.data)-r.pos >= len(word) && string(r.data[r.pos:r.pos+len(word)]) == word {
		r.pos += len(word)
		return true
	}
	return false
}

// null consumes a null if it is next: a null leaves a field unchanged.
func (r *wireReader) null() bool {
	r.space()
	return r.literal("null")
}

// object reads an object, calling field for each key (the raw bytes of a
// key without escapes, or its decoded text) with the reader positioned at
// the value; field must consume the value.
func (r *wireReader) object(field func(r *wireReader, key []byte) bool) bool {
	r.space()
	if r.peek() != '{' {
		return r.bad(errMismatch)
	}
	if r.depth++; r.depth > maxDepth {
		return r.bad(errSyntax)
	}
	r.pos++
	r.space()
	if r.peek() == '}' {
		r.pos++
		r.depth--
		return true
	}
	for {
		r.space()
		key, ok := r.key()
		if !ok {
			return false
		}
		r.space()
		if r.peek() != ':' {
			return r.bad(errSyntax)
		}
		r.pos++
		r.space()
		if !field(r, key) {
			return false
		}
		r.space()
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			r.depth--
			return true
		default:
			return r.bad(errSyntax)
		}
	}
}

// key reads an object key: its raw bytes when it has no escape, else its
// decoded text.
func (r *wireReader) key() ([]byte, bool) {
	start := r.pos
	end, plain, ok := r.scanString()
	if !ok {
		return nil, false
	}
	if plain {
		return r.data[start+1 : end-1], true
	}
	var s string
	if err := json.Unmarshal(r.data[start:end], &s); err != nil {
		return nil, r.bad(errSyntax)
	}
	return []byte(s), true
}

// scanString checks the string starting at pos and moves past it. plain
// reports that it has no escape and is valid UTF-8, so its bytes are its
// text.
func (r *wireReader) scanString() (end int, plain, ok bool) {
	if r.peek() != '"' {
		return 0, false, r.bad(errSyntax)
	}
	plain = true
	ascii := true
	i := r.pos + 1
	for i < len(r.data) {
		c := r.data[i]
		switch {
		case c == '"':
			if !ascii && plain {
				plain = utf8.Valid(r.data[r.pos+1 : i])
			}
			r.pos = i + 1
			return r.pos, plain, true
		case c == '\\':
			plain = false
			if i+1 >= len(r.data) {
				return 0, false, r.bad(errSyntax)
			}
			switch r.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(r.data) || !isHex4(r.data[i+2:i+6]) {
					return 0, false, r.bad(errSyntax)
				}
				i += 6
			default:
				return 0, false, r.bad(errSyntax)
			}
		case c < 0x20:
			return 0, false, r.bad(errSyntax)
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
	}
	return 0, false, r.bad(errSyntax)
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// str reads a string value into *dst; null leaves it unchanged.
func (r *wireReader) str(dst *string) bool {
	if r.null() {
		return true
	}
	if r.peek() != '"' {
		return r.mismatch()
	}
	start := r.pos
	end, plain, ok := r.scanString()
	if !ok {
		return false
	}
	if plain {
		*dst = string(r.data[start+1 : end-1])
		return true
	}
	if err := json.Unmarshal(r.data[start:end], dst); err != nil {
		return r.bad(errSyntax)
	}
	return true
}

// integer reads a number that json.Unmarshal accepts for an int; null
// leaves *dst unchanged.
func (r *wireReader) integer(dst *int) bool {
	if r.null() {
		return true
	}
	start := r.pos
	if !r.number() {
		return r.mismatch()
	}
	n, err := strconv.ParseInt(string(r.data[start:r.pos]), 10, 0)
	if err != nil {
		return r.bad(errMismatch)
	}
	*dst = int(n)
	return true
}

// stringList reads an array of strings into *dst; null sets it to nil.
func (r *wireReader) stringList(dst *[]string) bool {
	if r.null() {
		*dst = nil
		return true
	}
	if r.peek() != '[' {
		return r.mismatch()
	}
	out := (*dst)[:0]
	if out == nil {
		out = []string{}
	}
	ok := r.array(func(r *wireReader) bool {
		var s string
		if !r.str(&s) {
			return false
		}
		out = append(out, s)
		return true
	})
	if ok {
		*dst = out
	}
	return ok
}

// array reads an array, calling elem for each element with the reader at
// it; elem must consume the element.
func (r *wireReader) array(elem func(r *wireReader) bool) bool {
	if r.depth++; r.depth > maxDepth {
		return r.bad(errSyntax)
	}
	r.pos++ // the '['
	r.space()
	if r.peek() == ']' {
		r.pos++
		r.depth--
		return true
	}
	for {
		if !elem(r) {
			return false
		}
		r.space()
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			r.depth--
			return true
		default:
			return r.bad(errSyntax)
		}
	}
}

// mismatch reports a value of the wrong type. json.Unmarshal checks the
// whole frame's syntax first, so a malformed value is a syntax error even
// where the type is wrong: skip it to tell which.
func (r *wireReader) mismatch() bool {
	if r.skip() {
		return r.bad(errMismatch)
	}
	return false
}

// number consumes a JSON number.
func (r *wireReader) number() bool {
	i := r.pos
	if i < len(r.data) && r.data[i] == '-' {
		i++
	}
	switch {
	case i < len(r.data) && r.data[i] == '0':
		i++
	case i < len(r.data) && '1' <= r.data[i] && r.data[i] <= '9':
		for i < len(r.data) && '0' <= r.data[i] && r.data[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(r.data) && r.data[i] == '.' {
		i++
		if !digits(r.data, &i) {
			return false
		}
	}
	if i < len(r.data) && (r.data[i] == 'e' || r.data[i] == 'E') {
		i++
		if i < len(r.data) && (r.data[i] == '+' || r.data[i] == '-') {
			i++
		}
		if !digits(r.data, &i) {
			return false
		}
	}
	r.pos = i
	return true
}

// digits consumes one or more digits at *i.
func digits(b []byte, i *int) bool {
	start := *i
	for *i < len(b) && '0' <= b[*i] && b[*i] <= '9' {
		*i++
	}
	return *i > start
}

// skip consumes any value, checking its syntax.
func (r *wireReader) skip() bool {
	r.space()
	switch c := r.peek(); {
	case c == '{':
		return r.object(func(r *wireReader, _ []byte) bool { return r.skip() })
	case c == '[':
		return r.array(func(r *wireReader) bool { return r.skip() })
	case c == '"':
		_, _, ok := r.scanString()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		if !r.number() {
			return r.bad(errSyntax)
		}
		return true
	case r.literal("true"), r.literal("false"), r.literal("null"):
		return true
	}
	return r.bad(errSyntax)
}

// match returns the field name that key selects among names: the exact
// one, or else one equal under Unicode case folding, as encoding/json
// matches keys; "" when none does.
func match(key []byte, names ...string) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	folds := false
	for _, c := range key {
		if 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			folds = true
			break
		}
	}
	if folds {
		for _, n := range names {
			if strings.EqualFold(string(key), n) {
				return n
			}
		}
	}
	return ""
}

func (w *wireEvent) field(r *wireReader, key []byte) bool {
	switch match(key, "type", "timestamp", "application", "args", "digit", "cause", "channel",
		"playback", "recording", "peer", "dialstatus") {
	case "type":
		return r.str(&w.Type)
	case "timestamp":
		return r.str(&w.Timestamp)
	case "application":
		return r.str(&w.Application)
	case "args":
		return r.stringList(&w.Args)
	case "digit":
		return r.str(&w.Digit)
	case "cause":
		return r.integer(&w.Cause)
	case "channel":
		return r.null() || r.object(w.Channel.field)
	case "playback":
		return r.null() || r.object(w.Playback.field)
	case "recording":
		return r.null() || r.object(w.Recording.field)
	case "peer":
		return r.null() || r.object(w.Peer.field)
	case "dialstatus":
		return r.str(&w.DialStatus)
	}
	return r.skip()
}

func (c *wireChannel) field(r *wireReader, key []byte) bool {
	switch match(key, "id", "name", "state", "caller", "language", "dialplan") {
	case "id":
		return r.str(&c.ID)
	case "name":
		return r.str(&c.Name)
	case "state":
		return r.str(&c.State)
	case "caller":
		return r.null() || r.object(func(r *wireReader, key []byte) bool {
			switch match(key, "name", "number") {
			case "name":
				return r.str(&c.Caller.Name)
			case "number":
				return r.str(&c.Caller.Number)
			}
			return r.skip()
		})
	case "language":
		return r.str(&c.Language)
	case "dialplan":
		return r.null() || r.object(func(r *wireReader, key []byte) bool {
			switch match(key, "context", "exten", "priority") {
			case "context":
				return r.str(&c.Dialplan.Context)
			case "exten":
				return r.str(&c.Dialplan.Exten)
			case "priority":
				return r.integer(&c.Dialplan.Priority)
			}
			return r.skip()
		})
	}
	return r.skip()
}

func (p *wirePlayback) field(r *wireReader, key []byte) bool {
	switch match(key, "id", "name", "media_uri", "state", "target_uri") {
	case "id":
		return r.str(&p.ID)
	case "name":
		return r.str(&p.Name)
	case "media_uri":
		return r.str(&p.MediaURI)
	case "state":
		return r.str(&p.State)
	case "target_uri":
		return r.str(&p.TargetURI)
	}
	return r.skip()
}
