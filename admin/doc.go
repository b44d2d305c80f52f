// Package admin is flowrunner's admin HTTP endpoint: a small server, bound to
// loopback by default, to which each concern adds its handlers.
//
// # Endpoints
//
//	GET  /healthz    200 while the process runs (HealthzHandler)
//	GET  /readyz     200 when every readiness check holds, else 503 with the reason (ReadyzHandler)
//	GET  /calls      the calls in progress: channel, flow, version, step, start (CallsHandler)
//	POST /calls      originate an outbound call into a flow (OriginateHandler)
//	POST /-/reload   reload the flows directory now (ReloadHandler)
//	GET  /flows      the flows serving, every file's state, the last reload error (FlowsHandler)
//	GET  /metrics    Prometheus metrics, the reload metrics among them (MetricsHandler)
//
// With several Asterisk nodes (serve --config), /readyz has a check per node
// ([Check].Node), GET /calls lists every node's calls with their node
// ([NodesCallsHandler]) and POST /calls places a call on the node the body
// names ([NodesOriginateHandler]); per-node metrics are the same collectors
// registered through prometheus.WrapRegistererWith with a node label.
//
// A [Server] is a net/http server with a mux: each endpoint is one
// [Server.Handle]. JSON answers are indented and use snake_case keys;
// diagnostics carry the validate JSON fields plus their file:line:col text.
//
// # Access
//
// [Open] binds the address and, given a token, requires "Authorization:
// Bearer <token>" on every route but the health checks, GET /healthz and
// /readyz, which orchestrators probe without credentials (401 otherwise;
// tokens are compared in constant time). It refuses a non-loopback address without a token unless
// told to allow it ([ErrExposed]), judging by the address actually bound.
//
// # Concurrency
//
// Handlers run concurrently; a reload request waits its turn on the reload
// goroutine (see package reload).
package admin
