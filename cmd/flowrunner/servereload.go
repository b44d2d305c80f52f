package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// serveReload is the reloader's Swap for serve: until the engines exist it
// only keeps the registry (the startup load); afterwards it installs each new
// registry in every node's engine, then updates the Stasis applications of
// the nodes that have one per flow.
type serveReload struct {
	log   *slog.Logger
	mu    sync.Mutex
	reg   *engine.Registry // the startup registry; guarded by mu
	nodes []*serveNode     // nil until start; guarded by mu
}

func newServeReload(log *slog.Logger) *serveReload { return &serveReload{log: log} }

func (s *serveReload) swap(reg *engine.Registry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes == nil {
		s.reg = reg
		return
	}
	// Every engine first: a call arriving on a new application must find
	// its flow on whichever node it arrives.
	for _, n := range s.nodes {
		n.eng.SetFlows(reg)
	}
	for _, n := range s.nodes {
		if n.appSync != nil {
			n.appSync.Update(reg)
		}
	}
}

// initial returns the registry of the startup load.
func (s *serveReload) initial() *engine.Registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reg
}

// start hands the startup registry to every node's engine; later swaps go
// to the nodes' engines and applications.
func (s *serveReload) start(nodes []*serveNode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range nodes {
		n.eng.SetFlows(s.reg)
	}
	s.nodes = nodes
}

// serveAdmin registers the admin endpoints and serves them in the background.
// Each node's state metrics go to its own view of reg (node="NAME" when it
// has a name); the reload and process metrics are the process's.
func serveAdmin(srv *admin.Server, r *reload.Reloader, nodes []*serveNode, reg *prometheus.Registry, log *slog.Logger) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, n := range nodes {
		admin.RegisterEngineStats(n.metrics, n.eng)
		admin.RegisterARIState(n.metrics, n.client)
	}
	m := admin.NewReloadMetrics(reg)
	if st := r.Status(); st.Last != nil {
		m.Observe(*st.Last)
	}
	r.Subscribe(m.Observe)
	srv.Handle("POST /-/reload", admin.ReloadHandler(r))
	srv.Handle("GET /flows", admin.FlowsHandler(r))
	srv.Handle("GET /metrics", admin.MetricsHandler(reg))
	handleOps(srv, nodes)
	log.Info("admin endpoint listening", "addr", srv.Addr().String())
	go func() {
		if err := srv.Serve(); err != nil {
			log.Error("admin endpoint stopped", "err", err)
		}
	}()
}

func shutdownAdmin(srv *admin.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

func adminAddrString(srv *admin.Server) string {
	if srv == nil {
		return "off"
	}
	return srv.Addr().String()
}
