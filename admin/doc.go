// Package admin is flowrunner's admin HTTP endpoint: a small server, bound to
// loopback by default, to which each concern adds its handlers.
//
// # Endpoints
//
//	POST /-/reload   reload the flows directory now (ReloadHandler)
//	GET  /flows      the flows serving, every file's state, the last reload error (FlowsHandler)
//	GET  /metrics    Prometheus metrics, the reload metrics among them (MetricsHandler)
//
// A [Server] is a net/http server with a mux: later endpoints (/healthz,
// /readyz, /calls) are one [Server.Handle] each. JSON answers are indented
// and use snake_case keys; diagnostics carry the validate JSON fields plus
// their file:line:col text.
//
// # Concurrency
//
// Handlers run concurrently; a reload request waits its turn on the reload
// goroutine (see package reload).
package admin
