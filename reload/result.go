package reload

import (
	"time"

	"github.com/flowrunner/flowrunner/schema"
)

// Triggers name what asked for a reload; they appear in logs and Results.
const (
	TriggerStartup = "startup"
	TriggerWatch   = "watch"
	TriggerSignal  = "sighup"
	TriggerAdmin   = "admin"
)

// Result is the outcome of one reload. It is a value: safe to keep and share.
type Result struct {
	Seq      uint64        // 1 for the first reload, then counting up
	Trigger  string        // one of the Trigger* constants, or the caller's own
	Started  time.Time     // when the reload began
	Duration time.Duration // from the scan of the directory to the swap
	// Swapped reports whether a new registry was installed; a reload that
	// changes no flow swaps nothing.
	Swapped bool
	// Changes lists the flows added, changed and removed, sorted by name.
	Changes []Change
	// Flows is every flow serving after the reload, sorted by name.
	Flows []FlowInfo
	// Errors holds the errors of every file that is rejected right now (its
	// previous version, if any, keeps serving), sorted by file and position.
	// A file that did not change since it was rejected is not loaded again,
	// but its errors are still reported here.
	Errors schema.Diagnostics
	// Warnings are the warnings of the files loaded this time.
	Warnings schema.Diagnostics
	// Compiled counts the files loaded this time (new or changed content);
	// the others kept their compiled flow.
	Compiled int
}

// OK reports whether no file is rejected.
func (r Result) OK() bool { return len(r.Errors) == 0 }

// Err returns the errors as one error (one file:line:col line each), or nil.
func (r Result) Err() error {
	if r.OK() {
		return nil
	}
	return r.Errors
}

// Change is one flow added (From empty), removed (To empty) or changed to
// another version.
type Change struct {
	Flow string
	File string // the file the flow comes from now (for a removal: came from)
	From string // version before the reload
	To   string // version after the reload
}

// Kind is "added", "removed" or "changed".
func (c Change) Kind() string {
	switch {
	case c.From == "":
		return "added"
	case c.To == "":
		return "removed"
	}
	return "changed"
}

// FlowInfo describes one serving flow.
type FlowInfo struct {
	Name     string
	Version  string
	File     string
	LoadedAt time.Time // when this version started serving
}

// FileStatus describes one flow file as the last reload saw it.
type FileStatus struct {
	File string
	// Version is the content hash of the file as last read; it differs from
	// the serving flow's version while the file is rejected.
	Version string
	// Flow and FlowVersion name the flow this file serves, if any: the file's
	// current content, or while it is rejected its last good version.
	Flow        string
	FlowVersion string
	// Diagnostics are the errors and warnings of the file's current content,
	// including a flow name claimed by another file and called flows that
	// are missing.
	Diagnostics schema.Diagnostics
	// Rejected reports that the file's current content is not what serves:
	// its last good version serves instead, or nothing does.
	Rejected  bool
	CheckedAt time.Time // when the content was last loaded
}

// Status is a snapshot of what the reloader serves, for the admin endpoint.
type Status struct {
	Dir   string
	Flows []FlowInfo   // sorted by name
	Files []FileStatus // sorted by path
	// Last is the most recent reload, nil before the first.
	Last *Result
	// LastError is the most recent reload that had errors, nil if none had.
	LastError *Result
}
