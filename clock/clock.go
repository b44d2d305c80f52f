package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock tells the time and schedules callbacks. Implementations are safe for
// concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once d has elapsed. f must not block: the real clock
	// runs it on its own goroutine, the virtual clock on the clock's goroutine,
	// one timer at a time.
	AfterFunc(d time.Duration, f func()) Timer
	// Hold marks one unit of work in flight; a virtual clock does not advance
	// until every Hold has been matched by a Release.
	Hold()
	// Release ends one unit of work begun by Hold.
	Release()
}

// Timer is a scheduled callback.
type Timer interface {
	// Stop cancels the callback; it reports whether the call stopped it
	// before it fired.
	Stop() bool
}

// Real is the wall clock. Hold and Release do nothing.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Hold does nothing on the real clock.
func (Real) Hold() {}

// Release does nothing on the real clock.
func (Real) Release() {}

// Virtual is a clock that moves only when the work it knows of is done. The zero
// value is not usable; create one with NewVirtual and stop it with Close.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	holds  int
	seq    uint64
	timers timerHeap
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

// NewVirtual returns a virtual clock reading start, advancing on its own whenever
// it is idle.
func NewVirtual(start time.Time) *Virtual {
	v := &Virtual{now: start, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go v.run()
	return v
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc schedules f at Now()+d in virtual time. A non-positive d fires at the
// current instant, once the clock is idle.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	if d < 0 {
		d = 0
	}
	v.mu.Lock()
	v.seq++
	t := &virtualTimer{v: v, when: v.now.Add(d), seq: v.seq, f: f, index: -1}
	heap.Push(&v.timers, t)
	idle := v.holds == 0
	v.mu.Unlock()
	if idle {
		v.kick()
	}
	return t
}

// Hold marks one unit of work in flight.
func (v *Virtual) Hold() {
	v.mu.Lock()
	v.holds++
	v.mu.Unlock()
}

// Release ends one unit of work; when none remain the clock may advance.
func (v *Virtual) Release() {
	v.mu.Lock()
	v.holds--
	if v.holds < 0 {
		v.mu.Unlock()
		panic("clock: Release without Hold")
	}
	idle := v.holds == 0
	v.mu.Unlock()
	if idle {
		v.kick()
	}
}

// Pending reports the number of scheduled timers and of held work units.
func (v *Virtual) Pending() (timers, holds int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers), v.holds
}

// Close stops the clock; timers not yet fired never fire.
func (v *Virtual) Close() {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return
	}
	v.closed = true
	v.mu.Unlock()
	v.kick()
	<-v.done
}

func (v *Virtual) kick() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// run fires timers one at a time, each only when no work is held.
func (v *Virtual) run() {
	defer close(v.done)
	for range v.wake {
		for {
			v.mu.Lock()
			if v.closed {
				v.mu.Unlock()
				return
			}
			if v.holds > 0 || len(v.timers) == 0 {
				v.mu.Unlock()
				break
			}
			t := heap.Pop(&v.timers).(*virtualTimer)
			if t.when.After(v.now) {
				v.now = t.when
			}
			v.holds++ // the callback itself is work in flight
			v.mu.Unlock()
			t.f()
			v.mu.Lock()
			v.holds--
			v.mu.Unlock()
		}
	}
}

type virtualTimer struct {
	v     *Virtual
	when  time.Time
	seq   uint64
	f     func()
	index int // in the heap, or -1 once fired or stopped
}

func (t *virtualTimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	return true
}

type timerHeap []*virtualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*virtualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
