package ariclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/flowrunner/flowrunner/engine"
)

// SetApps replaces the set of Stasis applications Run keeps connected. While
// Run runs, each added app gets its own connection loop at once and each
// removed app's connection is closed (with its Disconnected); otherwise the
// set is used by the next Run. An empty set is allowed: Run then holds no
// connection until apps are set again. The names are checked as Options.Apps
// are; on error nothing changes.
//
// Closing an app's connection does not end its calls, but Asterisk then sends
// their events nowhere: remove an app only once it has no calls in progress.
func (c *Client) SetApps(apps []string) error {
	if errs := checkApps(apps); len(errs) > 0 {
		return fmt.Errorf("ariclient: SetApps: %w", errors.Join(errs...))
	}
	c.appsMu.Lock()
	c.apps = slices.Clone(apps)
	c.appsMu.Unlock()
	select {
	case c.appsChanged <- struct{}{}:
	default: // a change is already pending; Run reads the latest set
	}
	return nil
}

// Apps returns the applications Run keeps (or will keep) connected.
func (c *Client) Apps() []string {
	c.appsMu.Lock()
	defer c.appsMu.Unlock()
	return slices.Clone(c.apps)
}

// appLoop is one app's connection loop inside Run.
type appLoop struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// reconcileApps starts a loop for every app in the set without one and stops
// the loops of apps no longer in it. An app removed and added again waits for
// its old loop to finish, so that it never has two connections.
func (c *Client) reconcileApps(ctx context.Context, sink engine.EventSink, loops map[string]*appLoop, wg *sync.WaitGroup) {
	want := map[string]bool{}
	for _, app := range c.Apps() {
		want[app] = true
		old := loops[app]
		if old != nil && old.cancel != nil {
			continue // running
		}
		actx, cancel := context.WithCancel(ctx)
		l := &appLoop{cancel: cancel, done: make(chan struct{})}
		loops[app] = l
		var prev chan struct{}
		if old != nil {
			prev = old.done
		}
		wg.Go(func() {
			defer close(l.done)
			defer cancel()
			if prev != nil {
				<-prev
			}
			c.runApp(actx, app, sink)
		})
	}
	for app, l := range loops {
		select {
		case <-l.done:
			if !want[app] {
				delete(loops, app)
			}
			continue
		default:
		}
		if !want[app] && l.cancel != nil {
			c.log.Info("ARI application removed; closing its event stream", "app", app)
			l.cancel()
			l.cancel = nil // stopping: done closes when the loop has returned
		}
	}
}
