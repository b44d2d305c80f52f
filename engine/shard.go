package engine

import (
	"sync"
	"time"
)

// itemKind says what a queued work item carries.
type itemKind uint8

const (
	itemStart  itemKind = iota + 1 // a new call: run its first step
	itemEvent                      // an ARI event for the call
	itemTimer                      // a call timer fired
	itemResult                     // a REST action finished
	itemVanish                     // resync found the channel gone
	itemHTTP                       // an http step's attempt finished
)

// item is one unit of work for one call. Each queued item holds the clock once
// (see package clock) until its shard has processed it.
type item struct {
	call   *Call
	kind   itemKind
	ev     *Event
	timer  timerKind
	gen    uint64
	result *opResult
	http   *httpResult
	// at is when a timer fired or a response arrived, for
	// Observer.ActionIssued; events carry Event.Received instead.
	at time.Time
}

// shard runs the calls hashed to it, one item at a time, so each call's events
// are handled in order and run to completion without a goroutine per call.
type shard struct {
	e     *Engine
	mu    sync.Mutex
	queue []item // guarded by mu
	full  *sync.Cond
	wake  chan struct{}
	// limit bounds the queue for ARI events: a reader that finds the queue at
	// the limit waits (backpressure onto the WebSocket). Timers and results
	// never wait.
	limit int
	depth int // high-water mark of the queue, guarded by mu
}

func newShard(e *Engine, limit int) *shard {
	s := &shard{e: e, wake: make(chan struct{}, 1), limit: limit}
	s.full = sync.NewCond(&s.mu)
	return s
}

// push queues an item. wait says whether the caller may be made to wait while
// the queue is full.
func (s *shard) push(it item, wait bool) {
	s.mu.Lock()
	for wait && len(s.queue) >= s.limit {
		s.full.Wait()
	}
	s.queue = append(s.queue, it)
	if len(s.queue) > s.depth {
		s.depth = len(s.queue)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run processes items until stop is closed.
func (s *shard) run(stop <-chan struct{}) {
	var batch []item
	for {
		select {
		case <-stop:
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.mu.Unlock()
				break
			}
			batch, s.queue = s.queue, batch[:0]
			s.full.Broadcast()
			s.mu.Unlock()
			for i := range batch {
				s.e.process(&batch[i])
				batch[i] = item{}
				s.e.clock.Release()
			}
		}
	}
}
