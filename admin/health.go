package admin

import (
	"fmt"
	"net/http"
)

// HealthzHandler serves GET /healthz: 200 while the process runs and serves
// HTTP. It checks nothing else; readiness is /readyz.
func HealthzHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Check is one readiness condition: Fn returns nil when it holds, otherwise
// the reason it does not. Fn is called on every GET /readyz, concurrently
// with anything else; it must be cheap and must not block.
type Check struct {
	Name string
	// Node is the Asterisk node the check is about ("ari" is checked once
	// per node when serve has several); "" for one about the process.
	Node string
	Fn   func() error
}

// ReadyzHandler serves GET /readyz: 200 when every check holds, 503 when one
// does not. The answer lists every check; "reason" is the first failing
// one's, as "name: reason", or `name: node "x": reason` for a node's check.
//
//	{"ready": false, "reason": "ari: ...", "checks": [{"name": "ari", "ok": false, "error": "..."}, ...]}
//	{"ready": false, "reason": "ari: node \"b\": ...", "checks": [{"name": "ari", "node": "a", "ok": true},
//	  {"name": "ari", "node": "b", "ok": false, "error": "..."}, ...]}
func ReadyzHandler(checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		out := readyOut{Ready: true, Checks: make([]checkOut, 0, len(checks))}
		for _, c := range checks {
			co := checkOut{Name: c.Name, Node: c.Node, OK: true}
			if err := c.Fn(); err != nil {
				co.OK, co.Error = false, err.Error()
				if out.Ready {
					out.Ready, out.Reason = false, c.Name+": "+co.Error
					if c.Node != "" {
						out.Reason = fmt.Sprintf("%s: node %q: %s", c.Name, c.Node, co.Error)
					}
				}
			}
			out.Checks = append(out.Checks, co)
		}
		status := http.StatusOK
		if !out.Ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, out)
	})
}

type readyOut struct {
	Ready  bool       `json:"ready"`
	Reason string     `json:"reason,omitempty"`
	Checks []checkOut `json:"checks"`
}

type checkOut struct {
	Name  string `json:"name"`
	Node  string `json:"node,omitempty"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}
