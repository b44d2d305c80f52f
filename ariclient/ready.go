package ariclient

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// upSet records which applications have their event stream up: connected
// and resynchronised, until the stream is lost.
type upSet struct {
	mu   sync.Mutex
	apps map[string]int // app → connections up (0 or 1; more only in a hand-over); guarded by mu
}

func (u *upSet) set(app string, up bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.apps == nil {
		u.apps = map[string]int{}
	}
	if up {
		u.apps[app]++
		return
	}
	if u.apps[app]--; u.apps[app] <= 0 {
		delete(u.apps, app)
	}
}

func (u *upSet) has(app string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.apps[app] > 0
}

// AppsDown returns, sorted, the applications Run should keep connected whose
// event stream is not up right now (never connected yet, reconnecting, or
// Run not running). An app's stream is up from its resync on a new
// connection until the connection is lost.
func (c *Client) AppsDown() []string {
	var down []string
	for _, app := range c.Apps() {
		if !c.up.has(app) {
			down = append(down, app)
		}
	}
	slices.Sort(down)
	return down
}

// Ready returns nil when Run holds an event stream for every application in
// the set, and otherwise an error naming those without one.
func (c *Client) Ready() error {
	apps := c.Apps()
	if len(apps) == 0 {
		return fmt.Errorf("no ARI application registered")
	}
	if down := c.AppsDown(); len(down) > 0 {
		return fmt.Errorf("ARI event stream not connected for %d of %d applications: %s",
			len(down), len(apps), strings.Join(down, ", "))
	}
	return nil
}

// InFlight returns the number of REST requests holding a slot right now (at
// most Options.MaxInFlight).
func (c *Client) InFlight() int { return len(c.sem) }
