package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsCoverEveryDuration(t *testing.T) {
	for _, ns := range []uint64{0, 1, 15, 16, 17, 31, 32, 33, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		b := bucketOf(ns)
		if up := upperOf(b); up < ns {
			t.Errorf("%d: bucket %d ends at %d, below it", ns, b, up)
		}
		if b > 0 && upperOf(b-1) >= ns {
			t.Errorf("%d: belongs in bucket %d, not %d", ns, b-1, b)
		}
		if b >= 64*subBuckets {
			t.Errorf("%d: bucket %d out of range", ns, b)
		}
	}
}

func TestQuantilesWithinABucket(t *testing.T) {
	var h histogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram has a median")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var all []time.Duration
	for range 100000 {
		d := time.Duration(r.ExpFloat64() * float64(300*time.Microsecond))
		all = append(all, d)
		h.Record(d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := all[int(q*float64(len(all)-1))]
		got := h.Quantile(q)
		if got < exact || float64(got) > float64(exact)*1.07 {
			t.Errorf("q%.3f = %v, exact %v: not within 1/16 above", q, got, exact)
		}
	}
	if got := h.Quantile(1); got != all[len(all)-1] {
		t.Errorf("max = %v, want %v", got, all[len(all)-1])
	}
	h.Record(-time.Second)
	if h.Count() != 100001 {
		t.Errorf("count %d", h.Count())
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h histogram
	for i := range b.N {
		h.Record(time.Duration(i))
	}
}
