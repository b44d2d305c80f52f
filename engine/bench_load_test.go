package engine_test

import (
	"math"
	"os"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/engine/enginetest"
	"github.com/flowrunner/flowrunner/schema"
)

// benchFlows are the flows the load benchmarks use: the smallest one and a
// typical one (75 lines, about 20 expressions: gather, http, switch, log,
// say).
var benchFlows = []struct{ name, file string }{
	{"hello-world", "../examples/hello-world.yaml"},
	{"account-lookup", "../examples/account-lookup.yaml"},
}

func readBenchFlow(b *testing.B, file string) []byte {
	b.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkCompile measures Compile of a parsed and validated document, per
// flow: building the state machine and compiling and type-checking every
// expression.
func BenchmarkCompile(b *testing.B) {
	for _, f := range benchFlows {
		b.Run(f.name, func(b *testing.B) {
			src := readBenchFlow(b, f.file)
			doc, diags := schema.Parse(f.file, src)
			if diags = append(diags, schema.Validate(doc)...); diags.HasErrors() {
				b.Fatal(diags.Error())
			}
			version := engine.Version(src)
			b.ReportAllocs()
			for b.Loop() {
				if flow, diags := engine.Compile(doc, version); flow == nil {
					b.Fatal(diags.Error())
				}
			}
		})
	}
}

// BenchmarkLoad measures what `flowrunner validate` (and serve's loading)
// spends per file: Load, that is Parse, Validate and Compile, on one core.
// files/s is the throughput of one core; the target is 2,000 files/s for the
// command on 2 cores.
func BenchmarkLoad(b *testing.B) {
	for _, f := range benchFlows {
		b.Run(f.name, func(b *testing.B) {
			src := readBenchFlow(b, f.file)
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if flow, diags := engine.Load(f.file, src); flow == nil {
					b.Fatal(diags.Error())
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkStepTransition measures moving a call from one step to the next
// when no step waits for Asterisk, per step: one call runs a loop of steps
// b.N times in all (its start, once, is included), then parks in a wait.
//
//   - set+next: one set step whose next: branch (when: n < limit) jumps back
//     to itself, so each step evaluates two expressions;
//   - set,switch,goto: a set step, a switch with one case and a goto, so a
//     round of three steps evaluates two expressions.
func BenchmarkStepTransition(b *testing.B) {
	loops := []struct {
		name  string
		steps int // steps per round of the loop
		src   string
	}{
		{"set+next", 1, `name: steps
vars: {n: 0, limit: 1}
steps:
  - id: top
    set: {n: n + 1}
    next:
      - when: n < limit
        goto: top
  - wait: 1h
`},
		{"set,switch,goto", 3, `name: steps
vars: {n: 0, limit: 1}
steps:
  - id: top
    set: {n: n + 1}
  - switch:
      - when: n >= limit
        goto: done
  - goto: top
  - id: done
    wait: 1h
`},
	}
	for _, l := range loops {
		b.Run(l.name, func(b *testing.B) {
			flow, diags := engine.Load("steps.yaml", []byte(l.src))
			if flow == nil {
				b.Fatal(diags.Error())
			}
			rounds := (b.N + l.steps - 1) / l.steps
			flow, err := flow.WithVars(map[string]any{"limit": rounds})
			if err != nil {
				b.Fatal(err)
			}
			reg, err := engine.NewRegistry(flow)
			if err != nil {
				b.Fatal(err)
			}
			clk := newCountingClock()
			eng := engine.New(engine.Config{
				ARI: enginetest.NopARI{}, Clock: clk, Logger: discardLogger(),
				StepBudget: math.MaxInt,
			})
			defer eng.Close()
			eng.SetFlows(reg)
			b.ReportAllocs()
			b.ResetTimer()
			eng.HandleEvent(&engine.Event{Type: engine.EventStasisStart, Application: "steps", ChannelID: "1795644012.1"})
			clk.waitIdle()
			b.StopTimer()
			if calls := eng.Calls(); len(calls) != 1 || calls[0].StepType != "wait" {
				b.Fatalf("the call did not reach its wait step: %+v", calls)
			}
		})
	}
}
