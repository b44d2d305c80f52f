package schema

import (
	"os"
	"testing"
)

// BenchmarkValidate measures what `flowrunner validate` spends in this package
// per file: Parse and Validate of a typical flow (testdata/good/menu.yaml, 40
// lines: a menu with retries, outcomes, branches and both handlers). The
// files/s metric is for one core; the target is 2,000 files/s.
func BenchmarkValidate(b *testing.B) {
	src, err := os.ReadFile("../testdata/good/menu.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		doc, diags := Parse("menu.yaml", src)
		diags = append(diags, Validate(doc)...)
		if len(diags) > 0 {
			b.Fatal(diags.Error())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
