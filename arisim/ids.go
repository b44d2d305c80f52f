package arisim

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// channelID returns an Asterisk-style unique id: the creation time in Unix
// seconds, a dot, and the server-wide channel sequence number (e.g.
// 1795644012.44); the ;2 half of a Local pair gets the next number.
func channelID(now time.Time, seq uint64) string {
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, seq, 10)
	return string(b)
}

// newUUID returns a random (version 4) UUID, the form Asterisk gives playbacks.
func newUUID() string {
	var u [16]byte
	a, c := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(c >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	b := make([]byte, 36)
	j := 0
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j] = hexDigits[x>>4]
		b[j+1] = hexDigits[x&0xf]
		j += 2
	}
	return string(b)
}

// appendHex8 appends v as eight lowercase hex digits (Local channel names).
func appendHex8(b []byte, v uint32) []byte {
	for i := 28; i >= 0; i -= 4 {
		b = append(b, hexDigits[(v>>uint(i))&0xf])
	}
	return b
}
