package ariclient

import (
	"sync/atomic"

	"github.com/flowrunner/flowrunner/clock"
)

// countClock is the real clock counting Hold and Release.
type countClock struct {
	clock.Real
	holds, releases atomic.Uint64
}

func (c *countClock) Hold()    { c.holds.Add(1) }
func (c *countClock) Release() { c.releases.Add(1) }
