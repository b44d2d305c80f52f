// Package bench measures flowrunner under load; it is what `flowrunner
// bench` runs.
//
// A run starts an ARI server (the built-in simulator, as a child process or
// in this process, or a real Asterisk), connects the app under test to it,
// has calls placed at a rate and up to a concurrency, and measures:
//
//   - calls placed per second, and the peak of calls live at once;
//   - the latency from the arrival of what causes a REST request (an ARI
//     event's frame, an earlier response, a timer) to the request, from
//     the engine's Observer.ActionIssued, in a log-linear histogram;
//   - the live heap per call in progress, after a collection once placing
//     ends;
//   - this process's CPU time per completed call (getrusage), and the child
//     simulator's;
//   - calls that ended badly or never ended.
//
// With the simulator, the calls are placed by the simulator itself (POST
// /sim/load), so the load generator costs the measured process nothing; with
// a real Asterisk they are originated from this process.
//
// The apps under test are flowrunner's engine and ARI adapter, wired as
// serve wires them, and the hand-written app of package bench/baseline, the
// yardstick for CPU per call. Each runs against its own fresh simulator.
package bench
