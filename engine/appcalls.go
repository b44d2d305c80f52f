package engine

// CallsByApp returns the number of calls in progress per Stasis application
// (a call's dialled legs are not counted apart). The reload wiring uses it to
// keep a removed flow's application registered until its last call has ended.
func (e *Engine) CallsByApp() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int)
	seen := make(map[*Call]struct{}, len(e.calls))
	for _, c := range e.calls {
		if _, dup := seen[c]; dup {
			continue
		}
		seen[c] = struct{}{}
		out[c.app]++
	}
	return out
}
