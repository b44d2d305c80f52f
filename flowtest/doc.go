// Package flowtest runs the offline tests of call flows: *.test.yaml files
// (format and schema in package schema, [schema.ParseTest]) whose cases each
// place one scripted call on the ARI simulator (package sandbox, virtual
// clock) and compare what the call did with what the case expects.
//
// # Cases
//
// A case gives the caller (Stasis args, caller id, a script of key presses
// and hangup as `flowrunner simulate` takes it), what dialled endpoints do,
// mocked responses for http steps, and expectations: the steps entered, the
// prompts played, the ARI actions issued, the log lines, how the call ended
// and its duration in virtual time. Each case runs in a fresh sandbox, so
// cases are independent and a 10-minute call takes milliseconds.
//
// # Coverage
//
// [Coverage] adds up, over a flow's cases, which steps were entered and which
// outcomes of each step happened, and lists the ones that did not.
//
// # Concurrency
//
// Suites are independent; Run may be called from several goroutines on
// different suites.
package flowtest
