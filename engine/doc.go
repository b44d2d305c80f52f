// Package engine owns the runtime of flowrunner: compiling flow documents into
// immutable state machines, the registry of flows, and running one machine per
// call, advanced by that call's ARI events and issuing ARI REST actions.
//
// The engine never reads YAML (package schema does) and never speaks HTTP to
// Asterisk (package ariclient does): it consumes the narrow [ARI] interface and
// is fed [Event]s through [EventSink].
//
// # Loading
//
// [Load] is the one path from source to a runnable [Flow]: schema.Parse, then
// schema.Validate, then [Compile], which compiles and type-checks every
// expression (expr-lang) against the flow's variables and the builtins
// (caller, channel, call, args, digits, now()). `flowrunner validate` and
// `serve` both use it, so a file that validates always loads. [LoadFiles]
// loads several files into a [Registry] and checks the calls between them
// ([CheckCalls]). A Flow is immutable and safe to share between calls and
// goroutines.
//
// # Calls
//
// An [Engine] routes each StasisStart to a flow by the first Stasis()
// argument or the application name, and creates a call that keeps that flow
// version until it ends ([Engine.SetFlows] swaps the registry for new calls
// only). Each call's events, timers and REST results are queued to one of a
// fixed set of shard goroutines and handled in order, run to completion; no
// goroutine is kept per call. Dispatch is O(1): maps from channel, playback,
// recording and outbound-leg ids to calls. Ids the engine chooses are
// registered before the request that uses them.
//
// A call issues its REST actions one at a time, in order, each with a timeout,
// off the shard goroutines. Every wait for an event is guarded by a timer;
// a step budget and the flow's max_duration bound every call; on_hangup runs
// exactly once however the call ends; a failed action runs on_error; a panic
// ends only the call it happened in. Every call ends with a reason
// ([CallSummary]). [Engine.Drain] stops taking calls and lets the running ones
// finish.
//
// # Time
//
// All timing goes through a clock.Clock. With a clock.Virtual shared with the
// ARI simulator, the engine holds the clock for every queued item and REST
// request, so virtual time advances only when nothing is in flight: tests and
// `flowrunner simulate` run minutes of call time in milliseconds, in the order
// real timings would give.
//
// # Concurrency
//
// Engine methods are safe for concurrent use. A Call's fields belong to its
// shard goroutine; hooks ([Config].Trace, [Config].OnCallEnd) are called from
// it and must not block.
package engine
