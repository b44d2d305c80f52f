package engine

// CallsByApp returns the number of calls in progress per Stasis application.
// The reload wiring uses it to keep a removed flow's application registered
// until its last call has ended.
func (e *Engine) CallsByApp() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int)
	for _, c := range e.calls {
		out[c.app]++
	}
	return out
}
