package reload

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/schema"
)

// fileState is what the reloader knows of one flow file. It is owned by the
// reload goroutine.
type fileState struct {
	sum       [sha256.Size]byte // content of the last load
	version   string            // engine.Version of that content
	latest    *engine.Flow      // compiled from that content; nil if it failed
	diags     schema.Diagnostics
	checkedAt time.Time

	serving      *engine.Flow // in the registry; nil if none
	servingSum   [sha256.Size]byte
	servingDiags schema.Diagnostics
	loadedAt     time.Time // when serving started serving
	conflict     *schema.Diagnostic
	// link holds the problems of the file's flow with the flows it calls
	// (engine.CheckCalls) as of the last reload: the reason its new content
	// was rejected, or, for a flow that keeps serving, the flows it lacks.
	link schema.Diagnostics
}

// scanned is one file as read by this reload.
type scanned struct {
	path    string
	src     []byte
	sum     [sha256.Size]byte
	readErr *schema.Diagnostic
	changed bool
	// restored: the content is that of the flow serving (a rejected file
	// put back as it was), which is kept rather than compiled again.
	restored bool
	flow     *engine.Flow
	diags    schema.Diagnostics
}

// set is the reloader's view of the directory: per file state and the
// registry built from it. It is owned by the reload goroutine.
type set struct {
	dir     string
	files   map[string]*fileState
	reg     *engine.Registry
	workers int
	now     func() time.Time
}

func newSet(dir string, workers int, now func() time.Time) *set {
	if workers <= 0 {
		workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	reg, _ := engine.NewRegistry()
	return &set{dir: dir, files: map[string]*fileState{}, reg: reg, workers: workers, now: now}
}

// reload scans the directory, loads the files whose content changed and
// builds the next registry. It returns the registry (nil when nothing changed)
// and the result; the set is updated as if the registry were installed.
func (s *set) reload(trigger string) (*engine.Registry, Result) {
	start := s.now()
	res := Result{Trigger: trigger, Started: start}
	paths, err := engine.FlowFiles(s.dir)
	if err != nil {
		// The directory is unreadable or gone: keep serving what we have.
		res.Errors = schema.Diagnostics{{File: s.dir, Msg: "reading the flows directory: " + err.Error() + "; the flows loaded before keep serving"}}
		res.Flows = flowInfos(s.reg, s.files)
		res.Errors = append(res.Errors, s.fileErrors()...)
		res.Duration = s.now().Sub(start)
		return nil, res
	}
	scans := s.scan(paths)

	// The new per-file state: unchanged files keep theirs, changed files get
	// their new compile result, deleted files are gone.
	next := make(map[string]*fileState, len(scans))
	for _, sc := range scans {
		st := &fileState{}
		if old := s.files[sc.path]; old != nil {
			*st = *old
		}
		st.conflict = nil
		if sc.restored {
			st.sum, st.version, st.checkedAt = sc.sum, st.serving.Version, start
			st.latest, st.diags = st.serving, st.servingDiags
		}
		if sc.changed {
			res.Compiled++
			st.sum, st.version, st.checkedAt = sc.sum, engine.Version(sc.src), start
			st.latest, st.diags = sc.flow, sc.diags
			if sc.flow != nil {
				for _, d := range sc.diags {
					if d.Severity == schema.SeverityWarning {
						res.Warnings = append(res.Warnings, d)
					}
				}
			}
			if sc.readErr != nil {
				st.version, st.latest, st.diags = "", nil, schema.Diagnostics{*sc.readErr}
			}
		}
		next[sc.path] = st
	}
	s.link(next, scans)

	// The registry, and what changed.
	var flows []*engine.Flow
	for _, p := range sortedKeys(next) {
		st := next[p]
		if st.serving == nil {
			continue
		}
		if old := s.files[p]; old == nil || old.serving != st.serving {
			st.loadedAt = start
		}
		flows = append(flows, st.serving)
	}
	reg, err := engine.NewRegistry(flows...)
	if err != nil {
		// resolve leaves one flow per name; this is a bug, not bad input.
		panic(fmt.Sprintf("reload: %v", err))
	}
	res.Changes = changes(s.reg, reg)
	s.files = next
	if len(res.Changes) > 0 {
		s.reg = reg
		res.Swapped = true
	} else {
		reg = nil
	}
	res.Flows = flowInfos(s.reg, s.files)
	res.Errors = s.fileErrors()
	res.Duration = s.now().Sub(start)
	return reg, res
}

// scan reads every file and loads those whose content changed, on s.workers
// goroutines. Results are in path order.
func (s *set) scan(paths []string) []*scanned {
	out := make([]*scanned, len(paths))
	var nextIdx atomic.Int64
	var wg sync.WaitGroup
	for range min(s.workers, len(paths)) {
		wg.Go(func() {
			for {
				i := int(nextIdx.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				out[i] = s.scanOne(paths[i])
				// Loading is CPU work that calls in progress must not wait
				// behind: let them run between files rather than after the
				// scheduler's 10 ms time slice.
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	return out
}

func (s *set) scanOne(path string) *scanned {
	sc := &scanned{path: path}
	src, d := schema.ReadFile(path)
	if d != nil {
		if d.File == "" {
			d.File = path
		}
		sc.readErr, sc.changed = d, true
		return sc
	}
	sc.src, sc.sum = src, sha256.Sum256(src)
	if old := s.files[path]; old != nil && old.sum == sc.sum && old.version != "" {
		return sc // unchanged: keep the compiled flow, and do not retry a rejected file
	}
	if old := s.files[path]; old != nil && old.serving != nil && old.servingSum == sc.sum {
		sc.restored = true
		return sc
	}
	sc.changed = true
	sc.flow, sc.diags = load(path, src)
	for i := range sc.diags {
		if sc.diags[i].File == "" {
			sc.diags[i].File = path
		}
	}
	if sc.diags.HasErrors() {
		sc.flow = nil
	}
	return sc
}

// load is engine.Load, with a panic (a bug in a compiler, set off by some
// file) turned into that file's error rather than the end of the process.
func load(path string, src []byte) (flow *engine.Flow, diags schema.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			flow = nil
			diags = schema.Diagnostics{{File: path, Severity: schema.SeverityError,
				Msg: fmt.Sprintf("internal error while loading this file (please report it): %v", r)}}
		}
	}()
	return engine.Load(path, src)
}

// resolve decides what each file serves: its latest good flow, or while its
// content is rejected its previous one. Two files claiming one flow name are
// settled in favour of the file that served that name before; if neither
// did, both are rejected. A loser falls back to what it served before.
func (s *set) resolve(next map[string]*fileState, scans []*scanned, rejected map[string]bool) map[string]*engine.Flow {
	prevOwner := map[string]string{}
	for p, st := range s.files {
		if st.serving != nil {
			prevOwner[st.serving.Name] = p
		}
	}
	latest := func(p string) *engine.Flow {
		if rejected[p] {
			return nil
		}
		return next[p].latest
	}
	want := map[string]*engine.Flow{}
	for p, st := range next {
		st.conflict = nil
		want[p] = latest(p)
		if want[p] == nil {
			want[p] = st.serving
		}
	}
	srcOf := map[string][]byte{}
	for _, sc := range scans {
		srcOf[sc.path] = sc.src
	}
	// Each round moves at least one loser to its fallback or to nothing, so
	// this ends within 2×len(next)+1 rounds.
	for {
		claims := map[string][]string{}
		for _, p := range sortedKeys(want) {
			if f := want[p]; f != nil {
				claims[f.Name] = append(claims[f.Name], p)
			}
		}
		settled := true
		for _, name := range sortedKeys(claims) {
			files := claims[name]
			if len(files) < 2 {
				continue
			}
			settled = false
			owner := prevOwner[name]
			if !slices.Contains(files, owner) {
				owner = ""
			}
			for _, p := range files {
				if p == owner {
					continue
				}
				st := next[p]
				if st.conflict == nil && want[p] == latest(p) {
					d := conflictDiag(p, srcOf[p], name, files, owner)
					st.conflict = &d
				}
				if want[p] != st.serving {
					want[p] = st.serving
				} else {
					want[p] = nil
				}
			}
		}
		if settled {
			break
		}
	}
	return want
}

// link settles what each file serves (resolve) and checks the result the way
// flows loaded together are checked: every flow a call step names must be
// there (engine.CheckCalls). A file whose new content calls a flow that is
// missing is rejected like a file that fails to load, and the set is settled
// again without it; a flow that keeps serving and lacks a called flow (it was
// removed or rejected) serves on, its problems reported.
func (s *set) link(next map[string]*fileState, scans []*scanned) {
	rejected := map[string]bool{}
	why := map[string]schema.Diagnostics{} // of the rejected files
	var want map[string]*engine.Flow
	var problems map[string]schema.Diagnostics
	for {
		want = s.resolve(next, scans, rejected)
		var flows []*engine.Flow
		for _, f := range want {
			if f != nil {
				flows = append(flows, f)
			}
		}
		reg, err := engine.NewRegistry(flows...)
		if err != nil {
			panic(fmt.Sprintf("reload: %v", err)) // resolve leaves one flow per name
		}
		problems = map[string]schema.Diagnostics{}
		for _, d := range engine.CheckCalls(reg) {
			problems[d.File] = append(problems[d.File], d)
		}
		more := false
		for p := range problems {
			if old := s.files[p]; !rejected[p] && want[p] == next[p].latest && (old == nil || old.serving != want[p]) {
				rejected[p], why[p], more = true, problems[p], true // new content: reject it
			}
		}
		if !more {
			break
		}
	}
	for p, st := range next {
		st.serving, st.link = want[p], append(why[p], problems[p]...)
		if st.serving != nil && st.serving == st.latest && !rejected[p] {
			st.servingSum, st.servingDiags = st.sum, st.diags
		}
	}
}

// conflictDiag is the error of a file whose flow name another file claims,
// at the position of its name: key when it can be found.
func conflictDiag(file string, src []byte, name string, claimants []string, owner string) schema.Diagnostic {
	others := slices.DeleteFunc(slices.Clone(claimants), func(p string) bool { return p == file })
	msg := fmt.Sprintf("flow %q is also defined in %s", name, strings.Join(others, " and "))
	if owner != "" {
		msg += fmt.Sprintf("; %s keeps serving it", owner)
	} else {
		msg += "; neither file serves it until one is renamed"
	}
	d := schema.Diagnostic{File: file, Flow: name, Severity: schema.SeverityError, Msg: msg}
	if src != nil {
		if doc, _ := schema.Parse(file, src); doc != nil {
			d.Pos = doc.Name.Pos
		}
	}
	return d
}

// changes compares two registries by flow name.
func changes(old, cur *engine.Registry) []Change {
	var out []Change
	for _, f := range cur.Flows() {
		switch o := old.Lookup(f.Name); {
		case o == nil:
			out = append(out, Change{Flow: f.Name, File: f.File, To: f.Version})
		case o != f:
			out = append(out, Change{Flow: f.Name, File: f.File, From: o.Version, To: f.Version})
		}
	}
	for _, f := range old.Flows() {
		if cur.Lookup(f.Name) == nil {
			out = append(out, Change{Flow: f.Name, File: f.File, From: f.Version})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Flow < out[j].Flow })
	return out
}

// fileErrors returns the errors of every rejected file, sorted.
func (s *set) fileErrors() schema.Diagnostics {
	var out schema.Diagnostics
	for _, p := range sortedKeys(s.files) {
		st := s.files[p]
		if st.latest == nil {
			out = append(out, st.diags.Errors()...)
		}
		if st.conflict != nil {
			out = append(out, *st.conflict)
		}
		out = append(out, st.link...)
	}
	out.Sort()
	return out
}

// status returns the per-file view.
func (s *set) status() []FileStatus {
	out := make([]FileStatus, 0, len(s.files))
	for _, p := range sortedKeys(s.files) {
		st := s.files[p]
		fs := FileStatus{File: p, Version: st.version, CheckedAt: st.checkedAt, Diagnostics: slices.Clone(st.diags),
			Rejected: st.serving == nil || st.servingSum != st.sum}
		if st.conflict != nil {
			fs.Diagnostics = append(fs.Diagnostics, *st.conflict)
		}
		fs.Diagnostics = append(fs.Diagnostics, st.link...)
		if st.serving != nil {
			fs.Flow, fs.FlowVersion = st.serving.Name, st.serving.Version
		}
		out = append(out, fs)
	}
	return out
}

func flowInfos(reg *engine.Registry, files map[string]*fileState) []FlowInfo {
	out := make([]FlowInfo, 0, reg.Len())
	for _, f := range reg.Flows() {
		fi := FlowInfo{Name: f.Name, Version: f.Version, File: f.File}
		if st := files[f.File]; st != nil && st.serving == f {
			fi.LoadedAt = st.loadedAt
		}
		out = append(out, fi)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
