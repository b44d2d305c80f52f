package bench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records durations in log-linear buckets: 16 per power of two, so
// a quantile read from it is within 1/16 (6.25%) of the true value. Record
// is lock-free and allocation-free, for use on the engine's hot path.
type histogram struct {
	counts [64 * subBuckets]atomic.Uint64
	total  atomic.Uint64
	max    atomic.Int64
}

const (
	subBits    = 4
	subBuckets = 1 << subBits
)

// bucketOf maps a duration in nanoseconds to its bucket.
func bucketOf(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	exp := bits.Len64(ns) - 1 // ns in [2^exp, 2^(exp+1))
	sub := (ns >> (exp - subBits)) & (subBuckets - 1)
	return (exp-subBits+1)*subBuckets + int(sub)
}

// upperOf is the largest duration in bucket b, the value a quantile reports.
func upperOf(b int) uint64 {
	if b < subBuckets {
		return uint64(b)
	}
	exp := b/subBuckets + subBits - 1
	sub := uint64(b % subBuckets)
	low := (1 << exp) | sub<<(exp-subBits)
	return low + (1 << (exp - subBits)) - 1
}

// Record adds one duration; negative ones count as zero.
func (h *histogram) Record(d time.Duration) {
	ns := max(int64(d), 0)
	h.counts[bucketOf(uint64(ns))].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if ns <= m || h.max.CompareAndSwap(m, ns) {
			return
		}
	}
}

// Count is the number of durations recorded.
func (h *histogram) Count() uint64 { return h.total.Load() }

// Quantile returns the duration below which a fraction q of the recorded
// ones fall (to within a bucket), or 0 when nothing was recorded. Quantile(1)
// is the exact maximum.
func (h *histogram) Quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	if q >= 1 {
		return time.Duration(h.max.Load())
	}
	rank := uint64(q*float64(n-1)) + 1
	var seen uint64
	for b := range h.counts {
		seen += h.counts[b].Load()
		if seen >= rank {
			return min(time.Duration(upperOf(b)), time.Duration(h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// Latency summarises a histogram for reports.
type Latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func (h *histogram) summary() Latency {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Latency{Count: h.Count(), P50: ms(h.Quantile(0.5)), P99: ms(h.Quantile(0.99)), Max: ms(h.Quantile(1))}
}
