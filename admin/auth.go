package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// Options configure Open.
type Options struct {
	Addr string // host:port; port 0 picks a free one
	// Token, if set, is required as "Authorization: Bearer <token>" on
	// every route but the health checks (GET /healthz and /readyz, which
	// orchestrators probe without credentials); requests without it get 401.
	Token string
	// AllowInsecure lets the server listen on a non-loopback address without
	// a Token. Without it Open refuses to.
	AllowInsecure bool
	Logger        *slog.Logger
}

// ErrExposed is returned by Open for a non-loopback address without a token.
var ErrExposed = errors.New("refusing to serve the admin endpoint on a non-loopback address without a token (set a token, or allow it explicitly)")

// Open binds o.Addr and returns a Server that requires o.Token, if set, on
// every route but the health checks. The check is made on the address actually bound, so ":9090"
// and "0.0.0.0:9090" count as exposed and "localhost:9090" does not.
func Open(o Options) (*Server, error) {
	s, err := Listen(o.Addr, o.Logger)
	if err != nil {
		return nil, err
	}
	if o.Token == "" && !o.AllowInsecure && !s.Loopback() {
		s.ln.Close()
		return nil, fmt.Errorf("%s: %w", s.Addr(), ErrExposed)
	}
	if o.Token != "" {
		s.srv.Handler = http.MaxBytesHandler(requireToken(o.Token, s.mux), MaxBodyBytes)
	}
	return s, nil
}

// Loopback reports whether the server listens on a loopback address only.
func (s *Server) Loopback() bool {
	a, ok := s.ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// requireToken passes on requests that carry the bearer token, and health
// checks, and answers 401 to the others. Tokens are compared as hashes in
// constant time.
func requireToken(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isHealthCheck(r) {
			next.ServeHTTP(w, r)
			return
		}
		const scheme = "Bearer " // case-insensitive, as RFC 9110 has it
		h := r.Header.Get("Authorization")
		ok := len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme)
		sum := sha256.Sum256([]byte(h[min(len(h), len(scheme)):]))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="flowrunner admin"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isHealthCheck reports whether r is a liveness or readiness probe. They are
// open because a kubelet cannot take a probe's header from a Secret; they
// tell whether the process serves and why it is not ready, and nothing
// about calls or credentials.
func isHealthCheck(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.URL.Path == "/healthz" || r.URL.Path == "/readyz")
}
