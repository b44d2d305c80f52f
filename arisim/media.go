package arisim

import (
	"strings"
	"time"
)

// mediaKind is how a media URI behaves when played.
type mediaKind uint8

const (
	mediaOK      mediaKind = iota // plays for its duration
	mediaMissing                  // Started, then at once Finished "failed"
	mediaForever                  // plays until stopped (tones)
	mediaBogus                    // unknown scheme: Started, never Finished
)

// Built-in durations, measured on Asterisk 22 with its core sounds (en).
var builtinSounds = map[string]time.Duration{
	"sound:hello-world":   1403 * time.Millisecond,
	"sound:vm-goodbye":    864 * time.Millisecond,
	"sound:demo-congrats": 30 * time.Second,
	"sound:demo-thanks":   3 * time.Second,
	"sound:beep":          250 * time.Millisecond,
	"sound:silence/1":     time.Second,
}

// Per-item durations of the say-style schemes (digits:123 took 2.495 s,
// number:42 1.693 s on Asterisk 22).
const (
	perDigit     = 830 * time.Millisecond
	perNumberDig = 845 * time.Millisecond
	perCharacter = 830 * time.Millisecond
)

type mediaTable struct {
	custom       map[string]time.Duration
	missing      map[string]bool
	defaultSound time.Duration
}

func newMediaTable(custom map[string]time.Duration, missing []string, def time.Duration) mediaTable {
	t := mediaTable{custom: map[string]time.Duration{}, missing: map[string]bool{}, defaultSound: def}
	for k, v := range custom {
		t.custom[k] = v
	}
	for _, m := range missing {
		t.missing[m] = true
	}
	if t.defaultSound <= 0 {
		t.defaultSound = 2 * time.Second
	}
	return t
}

// mediaLocked classifies a media URI and gives its duration.
func (s *Server) mediaLocked(uri string) (mediaKind, time.Duration) {
	m := &s.media
	if m.missing[uri] {
		return mediaMissing, 0
	}
	if d, ok := m.custom[uri]; ok {
		if d < 0 {
			return mediaForever, 0
		}
		return mediaOK, d
	}
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return mediaBogus, 0
	}
	switch scheme {
	case "sound":
		if rest == "" || strings.Contains(rest, "does-not-exist") {
			return mediaMissing, 0
		}
		if d, ok := builtinSounds[uri]; ok {
			return mediaOK, d
		}
		return mediaOK, m.defaultSound
	case "recording":
		if r := s.storedRecs[rest]; r != nil {
			return mediaOK, r.length
		}
		return mediaMissing, 0
	case "digits", "characters":
		n := 0
		for _, r := range rest {
			if r != ' ' {
				n++
			}
		}
		if n == 0 {
			return mediaMissing, 0
		}
		if scheme == "digits" {
			return mediaOK, time.Duration(n) * perDigit
		}
		return mediaOK, time.Duration(n) * perCharacter
	case "number":
		n := 0
		for _, r := range rest {
			if r >= '0' && r <= '9' || r == '-' {
				n++
			}
		}
		if n == 0 {
			return mediaMissing, 0
		}
		return mediaOK, time.Duration(n) * perNumberDig
	case "tone":
		return mediaForever, 0
	}
	return mediaBogus, 0
}
