package reload

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// AppSync keeps the Stasis applications registered with Asterisk in step with
// the flows, when every flow is reached through an application of its own
// name: a flow added by a reload gets its application at once, and a removed
// flow's application stays registered until its last call has ended (closing
// it earlier would cut those calls off from their events), then is closed so
// that new calls to it fail back to the dialplan. Meanwhile new calls to the
// removed flow are treated as unrouted by the engine.
//
// Its methods are safe for concurrent use.
type AppSync struct {
	set   func(apps []string) error
	calls func() map[string]int
	log   *slog.Logger

	mu       sync.Mutex
	flows    []string             // the flow names; guarded by mu
	retiring map[string]time.Time // removed apps still registered, since when; guarded by mu
	applied  []string             // the last set passed to set; guarded by mu
	wake     chan struct{}
}

// NewAppSync returns an AppSync that applies application sets with set (such
// as ariclient.(*Client).SetApps) and counts calls per application with calls
// (engine.(*Engine).CallsByApp). initial is the set already registered.
func NewAppSync(set func(apps []string) error, calls func() map[string]int, initial []string, log *slog.Logger) *AppSync {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &AppSync{
		set: set, calls: calls, log: log,
		flows:    slices.Sorted(slices.Values(initial)),
		applied:  slices.Sorted(slices.Values(initial)),
		retiring: map[string]time.Time{},
		wake:     make(chan struct{}, 1),
	}
}

// Update takes the flow names of a new registry: call it after the engine has
// the registry, so that a call arriving on a new application finds its flow.
func (a *AppSync) Update(reg *engine.Registry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	names := reg.Names()
	now := time.Now()
	for _, old := range a.flows {
		if !slices.Contains(names, old) {
			a.retiring[old] = now
		}
	}
	for _, n := range names {
		delete(a.retiring, n)
	}
	a.flows = names
	a.applyLocked(nil)
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run closes the applications of removed flows once they have had no call
// for at least grace, checking every grace, until ctx is done. The grace
// covers a call that was routed by the old registry just before the swap.
func (a *AppSync) Run(ctx context.Context, grace time.Duration) {
	t := time.NewTicker(grace)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-t.C:
		}
		a.retire(grace)
	}
}

func (a *AppSync) retire(grace time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.retiring) == 0 {
		return
	}
	calls := a.calls()
	done := map[string]bool{}
	for app, since := range a.retiring {
		if calls[app] == 0 && time.Since(since) >= grace {
			done[app] = true
		}
	}
	if len(done) > 0 {
		a.applyLocked(done)
	}
}

// applyLocked registers the flows plus the retiring apps not in drop.
func (a *AppSync) applyLocked(drop map[string]bool) {
	apps := slices.Clone(a.flows)
	for app := range a.retiring {
		if drop[app] {
			delete(a.retiring, app)
			a.log.Info("closing the Stasis application of a removed flow: its calls have ended", "app", app)
			continue
		}
		apps = append(apps, app)
	}
	slices.Sort(apps)
	if slices.Equal(apps, a.applied) {
		return
	}
	if err := a.set(apps); err != nil {
		a.log.Error("registering Stasis applications", "apps", apps, "err", err)
		return
	}
	a.applied = apps
}

// Apps returns the applications registered by the last update.
func (a *AppSync) Apps() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.applied)
}
