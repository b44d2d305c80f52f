package engine

import (
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/expr-lang/expr"
)

// TestCompileMatchesExprCompile checks that compiler.compile, which builds
// expr's configuration once per flow and keeps it in step with the
// environment, gives what expr.Compile gives with a configuration built
// afresh: the same program, type and error, as names come and go.
func TestCompileMatchesExprCompile(t *testing.T) {
	c := &compiler{env: baseEnv()}
	sources := []string{
		`tries < 3`, `tries + 1`, `found`, `digits == "1"`, `caller.number`, `channel.state == "Up"`,
		`call.started.Year() > 2000`, `now().Hour() < 12`, `len(args) > 0 ? args[0] : "none"`,
		`upper(lang) + "-" + string(tries)`, `body.balance ?? 0`, `int(body.balance ?? 0)`,
		`status >= 200 && status < 300`, `headers["X"]`, `secrets.CRM_URL + "/x"`, `items[0]`,
		`missing + 1`, `tries +`, `"a" - 1`, `caller.nope`, `tries`, `lang`, `nil`, `{"a": 1}.a`,
		`filter(items, # > 1)`, `now`, `nowhere()`, `1 / 0`, `tries in [1, 2]`,
	}
	check := func(step string) {
		t.Helper()
		for _, src := range sources {
			for _, wantBool := range []bool{false, true} {
				opts := []expr.Option{expr.Env(maps.Clone(c.env)), expr.DisableBuiltin(envNow)}
				if wantBool {
					opts = append(opts, expr.AsBool())
				}
				want, wantErr := expr.Compile(src, opts...)
				got, gotErr := c.compile(src, wantBool)
				where := fmt.Sprintf("%s: %q (bool %v)", step, src, wantBool)
				switch {
				case (wantErr == nil) != (gotErr == nil):
					t.Errorf("%s: error %v, want %v", where, gotErr, wantErr)
				case wantErr != nil:
					if gotErr.Error() != wantErr.Error() {
						t.Errorf("%s: error\n%v\nwant\n%v", where, gotErr, wantErr)
					}
				case got.Disassemble() != want.Disassemble():
					t.Errorf("%s: program\n%s\nwant\n%s", where, got.Disassemble(), want.Disassemble())
				case got.Node().Type() != want.Node().Type():
					t.Errorf("%s: type %v, want %v", where, got.Node().Type(), want.Node().Type())
				}
			}
		}
	}
	check("builtins only")
	c.setEnv("tries", 0)
	c.setEnv("lang", "en")
	check("vars")
	c.setEnv("found", false)
	c.setEnv("items", []any{})
	check("more vars")
	c.setEnv("tries", "")
	check("a var retyped")
	c.setEnv(envSecrets, map[string]string{})
	check("secrets")
	c.unsetEnv(envSecrets)
	for k, v := range httpResponseEnv() {
		c.setEnv(k, v)
	}
	check("http response")
	for k := range httpResponseEnv() {
		c.unsetEnv(k)
	}
	c.unsetEnv("lang")
	check("names removed")
}

// TestCompileConcurrently compiles flows on several goroutines at once, as
// validate and reload do: the shared expr defaults must never be written
// (run with -race).
func TestCompileConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, path := range []string{"../examples/account-lookup.yaml", "../examples/ivr-menu.yaml", "../examples/retry-loop.yaml"} {
				if f, diags := LoadFile(path); f == nil {
					t.Errorf("%s: %v", path, diags)
				}
			}
		})
	}
	wg.Wait()
}
