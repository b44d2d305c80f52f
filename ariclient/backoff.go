package ariclient

import (
	"math/rand/v2"
	"time"
)

// backoff is exponential reconnect backoff with "equal jitter": the n-th wait
// is drawn from [d/2, d] where d = min·2ⁿ capped at max, so reconnecting
// clients spread out but never retry at once.
type backoff struct {
	min, max time.Duration
	cur      time.Duration // 0 before the first wait
}

// next returns the next wait and doubles the base.
func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.min
	case b.cur > b.max/2:
		b.cur = b.max
	default:
		b.cur *= 2
	}
	half := b.cur / 2
	if half <= 0 {
		return b.cur
	}
	return half + rand.N(b.cur-half+1)
}

// reset starts again from min.
func (b *backoff) reset() { b.cur = 0 }

// saturate makes the next wait the longest.
func (b *backoff) saturate() { b.cur = b.max }
