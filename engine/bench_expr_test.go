package engine

import (
	"maps"
	"os"
	"testing"
	"time"

	"github.com/expr-lang/expr"
)

// BenchmarkEval measures evaluating compiled expressions against a call's
// variables, as a running call does, per evaluation. The programs come from
// examples/account-lookup.yaml:
//
//   - when: `tries < 3`, the retry step's next: branch (Call.matches);
//   - switch: `found`, the check step's first case (Call.matches);
//   - set: `tries + 1`, the retry step's assignment;
//   - template: "account ${account} (${holder}): balance ${balance}", the
//     balance step's log message (Call.render: three expressions and text).
func BenchmarkEval(b *testing.B) {
	src, err := os.ReadFile("../examples/account-lookup.yaml")
	if err != nil {
		b.Fatal(err)
	}
	f, diags := Load("account-lookup.yaml", src)
	if f == nil {
		b.Fatal(diags.Error())
	}
	step := func(id string) *state {
		for _, s := range f.states {
			if s.id == id {
				return s
			}
		}
		b.Fatalf("account-lookup has no step %q", id)
		return nil
	}
	c := &Call{env: benchCallEnv(f)}
	c.env["tries"], c.env["account"], c.env["holder"], c.env["balance"], c.env["found"] = 1, "123456", "Jane Doe", 42, true

	retry, check, balance := step("retry"), step("check"), step("balance")
	match := func(br branch) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := c.matches(br); err != nil || !ok {
					b.Fatalf("got %v, %v; want a match", ok, err)
				}
			}
		}
	}
	b.Run("when", match(retry.next[0]))
	b.Run("switch", match(check.cases[0]))
	b.Run("set", func(b *testing.B) {
		a := retry.assigns[0]
		b.ReportAllocs()
		for b.Loop() {
			if _, err := expr.Run(a.program, c.env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("template", func(b *testing.B) {
		const want = "account 123456 (Jane Doe): balance 42"
		b.ReportAllocs()
		for b.Loop() {
			if got, err := c.render(&balance.message); err != nil || got != want {
				b.Fatalf("got %q, %v; want %q", got, err, want)
			}
		}
	})
}

// benchCallEnv is the variables of a call of f as Call.start sets them up.
func benchCallEnv(f *Flow) map[string]any {
	env := make(map[string]any, len(f.vars)+6)
	maps.Copy(env, f.vars)
	now := func() time.Time { return time.Unix(1795644012, 0) }
	env[envArgs] = []string{}
	env[envCaller] = CallerEnv{Number: "+15551234567", Name: "Jane Doe"}
	env[envChannel] = ChannelEnv{ID: "1795644012.1", Name: "PJSIP/alice-00000001", State: "Up", Language: "en"}
	env[envCall] = CallEnv{ID: "1795644012.1", Flow: f.Name, FlowVersion: f.Version, App: f.Name, Started: now()}
	env[envDigits] = ""
	env[envNow] = now
	return env
}
