package admin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where the admin endpoint listens unless told otherwise:
// loopback only, since it can reload flows.
const DefaultAddr = "127.0.0.1:9090"

// MaxBodyBytes bounds every request body; a handler reading past it gets an
// error (see http.MaxBytesReader). Handlers may set lower bounds.
const MaxBodyBytes = 1 << 20

// Server is the admin HTTP server. Register handlers with Handle before Serve;
// it is safe for concurrent use once serving.
type Server struct {
	mux *http.ServeMux
	srv *http.Server
	ln  net.Listener
}

// Listen binds addr (host:port; port 0 picks a free one) and returns a Server
// with no handlers yet.
func Listen(addr string, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	return &Server{
		mux: mux,
		ln:  ln,
		srv: &http.Server{
			Handler:           http.MaxBytesHandler(mux, MaxBodyBytes),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
	}, nil
}

// Handle registers h for pattern, as http.ServeMux does (methods and
// wildcards included: "GET /flows", "POST /-/reload").
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until Shutdown; it then returns nil.
func (s *Server) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops the server, waiting for requests in progress until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
