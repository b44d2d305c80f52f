package schema

import (
	"os"
	"testing"
)

// BenchmarkValidate measures what `flowrunner validate` spends in this package
// per file: Parse and Validate (engine.BenchmarkLoad adds Compile), for the
// smallest example (hello-world), a typical flow (testdata/good/menu.yaml, 40
// lines: a menu with retries, outcomes, branches and both handlers) and
// account-lookup (75 lines: gather, http, switch, log, say). The files/s
// metric is for one core; the target is 2,000 files/s for the whole command
// on 2 cores.
func BenchmarkValidate(b *testing.B) {
	for _, f := range []struct{ name, file string }{
		{"hello-world", "../examples/hello-world.yaml"},
		{"menu", "../testdata/good/menu.yaml"},
		{"account-lookup", "../examples/account-lookup.yaml"},
	} {
		b.Run(f.name, func(b *testing.B) {
			src, err := os.ReadFile(f.file)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				doc, diags := Parse(f.file, src)
				diags = append(diags, Validate(doc)...)
				if len(diags) > 0 {
					b.Fatal(diags.Error())
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}
