package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// serveReload is the reloader's Swap for serve: until the engine exists it
// only keeps the registry (the startup load); afterwards it installs each new
// registry in the engine, then updates the Stasis applications.
type serveReload struct {
	log  *slog.Logger
	mu   sync.Mutex
	reg  *engine.Registry // the startup registry; guarded by mu
	eng  *engine.Engine   // guarded by mu
	apps *reload.AppSync  // nil with --apps; guarded by mu
}

func newServeReload(log *slog.Logger) *serveReload { return &serveReload{log: log} }

func (s *serveReload) swap(reg *engine.Registry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eng == nil {
		s.reg = reg
		return
	}
	s.eng.SetFlows(reg)
	if s.apps != nil {
		s.apps.Update(reg)
	}
}

// initial returns the registry of the startup load.
func (s *serveReload) initial() *engine.Registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reg
}

// start hands the startup registry to eng; later swaps go to eng and apps.
func (s *serveReload) start(eng *engine.Engine, apps *reload.AppSync) {
	s.mu.Lock()
	defer s.mu.Unlock()
	eng.SetFlows(s.reg)
	s.eng, s.apps = eng, apps
}

// serveAdmin registers the admin endpoints and serves them in the background.
func serveAdmin(srv *admin.Server, r *reload.Reloader, eng *engine.Engine, client *ariclient.Client, fixedApps []string, reg *prometheus.Registry, log *slog.Logger) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	admin.RegisterEngineStats(reg, eng)
	admin.RegisterARIState(reg, client)
	m := admin.NewReloadMetrics(reg)
	if st := r.Status(); st.Last != nil {
		m.Observe(*st.Last)
	}
	r.Subscribe(m.Observe)
	srv.Handle("POST /-/reload", admin.ReloadHandler(r))
	srv.Handle("GET /flows", admin.FlowsHandler(r))
	srv.Handle("GET /metrics", admin.MetricsHandler(reg))
	handleOps(srv, eng, client, fixedApps)
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
