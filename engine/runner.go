package engine

import "sync/atomic"

// runner runs REST actions on reused goroutines. A goroutine started per
// action would grow its stack through net/http on every request (a tenth of
// a request's CPU time); a worker that has grown it once keeps it.
type runner struct {
	jobs    chan func()   // unbuffered: a send succeeds only to an idle worker
	stop    chan struct{} // closed by Engine.Close: idle workers exit
	idle    atomic.Int32
	started atomic.Int64 // workers started, ever
}

// maxIdleRunners bounds the workers kept waiting for work; a burst beyond it
// gets goroutines that exit when done.
const maxIdleRunners = 256

func newRunner(stop chan struct{}) *runner {
	return &runner{jobs: make(chan func()), stop: stop}
}

// run runs f on an idle worker, or on a new one. It never blocks.
func (r *runner) run(f func()) {
	select {
	case r.jobs <- f:
	default:
		r.started.Add(1)
		go r.work(f)
	}
}

func (r *runner) work(f func()) {
	for {
		f()
		if r.idle.Add(1) > maxIdleRunners {
			r.idle.Add(-1)
			return
		}
		select {
		case f = <-r.jobs:
			r.idle.Add(-1)
		case <-r.stop:
			r.idle.Add(-1)
			return
		}
	}
}
