package reload

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the directory must stay quiet after a change
// before the watcher reloads. An editor's save or a Kubernetes ConfigMap swap
// is a burst of events within a few milliseconds.
const DefaultDebounce = 250 * time.Millisecond

// Watcher reloads when the flows directory changes. It watches the directory
// and every subdirectory (hidden ones aside) with fsnotify, and after a burst
// of events has been quiet for the debounce period (or at the latest 4×
// that period after the first event) asks the Reloader for a reload, which
// rescans everything: it does not matter which file an event named. This
// covers editors that write through a temporary file and a rename, files
// added and removed, and Kubernetes ConfigMap volumes, whose files are
// symlinks through a ..data symlink that is replaced by renaming ..data_tmp
// over it (an event in the directory itself).
type Watcher struct {
	r        *Reloader
	dir      string
	debounce time.Duration
	log      *slog.Logger
	fsw      *fsnotify.Watcher
	watched  map[string]bool // owned by Run once it starts
}

// NewWatcher starts watching r's directory; changes from this point on are
// seen. Run must then run to act on them, and stops the watches when its
// context ends. debounce <= 0 means DefaultDebounce.
func (r *Reloader) NewWatcher(debounce time.Duration) (*Watcher, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{r: r, dir: r.opts.Dir, debounce: debounce, log: r.log, fsw: fsw, watched: map[string]bool{}}
	if err := w.addTree(); err != nil {
		fsw.Close()
		return nil, err
	}
	return w, nil
}

// Run acts on changes until ctx is done, then closes the watches.
func (w *Watcher) Run(ctx context.Context) {
	defer w.fsw.Close()
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var first time.Time // first event of the pending burst; zero if none
	arm := func() {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		wait := min(w.debounce, first.Add(4*w.debounce).Sub(now))
		quiet.Reset(max(wait, 0))
	}
	for {
		select {
		case <-ctx.Done():
			quiet.Stop()
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			w.log.Debug("flows directory changed", "event", ev.String())
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				delete(w.watched, ev.Name) // watched again if it comes back
			}
			arm()
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			// An overflowed event queue loses events: rescan to be sure.
			w.log.Warn("watching the flows directory", "err", err)
			arm()
		case <-quiet.C:
			first = time.Time{}
			if err := w.addTree(); err != nil {
				w.log.Warn("watching the flows directory", "err", err)
			}
			if _, err := w.r.Reload(ctx, TriggerWatch); err != nil && ctx.Err() != nil {
				return
			}
		}
	}
}

// Close stops the watches; Run returns soon after. It is safe to call more
// than once, and after Run has returned.
func (w *Watcher) Close() error { return w.fsw.Close() }

// addTree watches the directory and its subdirectories not yet watched.
// Watches of deleted directories are dropped by fsnotify itself; a directory
// deleted and recreated under the same name is watched again here.
func (w *Watcher) addTree() error {
	present := map[string]bool{}
	root := w.dir
	if li, err := os.Lstat(root); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		root += string(filepath.Separator) // walk the directory the link points to
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // a subdirectory that vanished meanwhile
		}
		if !d.IsDir() {
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // Kubernetes' ..2024_… data directories, .git
		}
		present[path] = true
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	for path := range present {
		if w.watched[path] {
			continue
		}
		if err := w.fsw.Add(path); err != nil {
			errs = append(errs, err)
			continue
		}
		w.watched[path] = true
	}
	for path := range w.watched {
		if !present[path] {
			delete(w.watched, path)
			_ = w.fsw.Remove(path) // usually already gone with the directory
		}
	}
	return errors.Join(errs...)
}
