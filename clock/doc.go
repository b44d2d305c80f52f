// Package clock owns time for flowrunner: the real clock used in production and a
// virtual clock that lets the engine and the ARI simulator run a call's minutes of
// timers in milliseconds, deterministically.
//
// # The virtual clock
//
// [Virtual] advances only when the system is idle: when no work is held
// ([Clock.Hold]/[Clock.Release]) it jumps to the earliest pending timer, fires it,
// and waits for the work that timer caused to be released before firing the next.
// Everything that moves a call forward holds the clock while it is in flight: the
// simulator holds it for each event it queues until the engine has taken that event,
// the engine holds it for each REST request until the response is handled and for
// each queued call event until it is processed. With both sides sharing one
// [Virtual] in one process, a 30-second timeout fires as soon as nothing else can
// happen first, and the order of events is the order the real timings would give.
//
// The real clock ([Real]) ignores Hold and Release.
package clock
