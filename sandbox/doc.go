// Package sandbox runs flows in one process against the ARI simulator, over
// real HTTP and WebSocket on the loopback interface, on a shared virtual clock:
// the engine, the ARI adapter and the simulator are the production ones, only
// Asterisk is simulated. It owns that wiring for `flowrunner simulate`, the
// end-to-end tests and benchmarks.
//
// A Sandbox is started with Start, takes calls with Call (which returns when
// the call has ended on both sides) and is stopped with Close. Because time is
// virtual, a call that lasts minutes on a phone completes in milliseconds, and
// the order of what happens is the order real timings would give.
package sandbox
