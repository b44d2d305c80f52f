package clock

import (
	"sync"
	"testing"
	"time"
)

func TestVirtualFiresInOrderWhenIdle(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewVirtual(start)
	defer v.Close()

	var mu sync.Mutex
	var got []time.Duration
	done := make(chan struct{})
	v.Hold() // nothing fires while work is held
	for _, d := range []time.Duration{3 * time.Second, time.Second, 2 * time.Second} {
		v.AfterFunc(d, func() {
			mu.Lock()
			got = append(got, v.Now().Sub(start))
			n := len(got)
			mu.Unlock()
			if n == 3 {
				close(done)
			}
		})
	}
	mu.Lock()
	if len(got) != 0 {
		t.Fatalf("timers fired while work was held: %v", got)
	}
	mu.Unlock()
	v.Release()
	<-done
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fire times = %v, want %v", got, want)
		}
	}
}

func TestVirtualStop(t *testing.T) {
	v := NewVirtual(time.Unix(0, 0))
	defer v.Close()
	fired := make(chan string, 2)
	a := v.AfterFunc(time.Second, func() { fired <- "a" })
	if !a.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	if a.Stop() {
		t.Fatal("second Stop reported true")
	}
	v.AfterFunc(2*time.Second, func() { fired <- "b" })
	if got := <-fired; got != "b" {
		t.Fatalf("fired %q, want b", got)
	}
	if now := v.Now(); now != time.Unix(2, 0) {
		t.Fatalf("Now = %v, want 2s after epoch", now)
	}
}

func TestVirtualWaitsForWorkCausedByTimer(t *testing.T) {
	v := NewVirtual(time.Unix(0, 0))
	defer v.Close()
	order := make(chan string, 3)
	release := make(chan struct{})
	v.AfterFunc(time.Second, func() {
		v.Hold() // work handed to another goroutine
		go func() {
			<-release
			order <- "work"
			v.Release()
		}()
	})
	v.AfterFunc(time.Second, func() { order <- "second timer" })
	time.AfterFunc(10*time.Millisecond, func() { close(release) })
	if first := <-order; first != "work" {
		t.Fatalf("second timer fired before the first one's work was released")
	}
	<-order
}
