package engine

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/flowrunner/flowrunner/schema"
)

// Load is the one path from flow source to a runnable Flow: schema.Parse, then
// schema.Validate, then Compile. `flowrunner validate` and `serve` both use it, so
// a file that validates always loads. file names the source in diagnostics. The
// returned diagnostics may hold warnings even when the Flow is not nil.
func Load(file string, src []byte) (*Flow, schema.Diagnostics) {
	doc, diags := schema.Parse(file, src)
	if doc == nil {
		return nil, diags
	}
	// Validate even after parse errors, so every problem is reported at once.
	diags = append(diags, schema.Validate(doc)...)
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	flow, cdiags := Compile(doc, Version(src))
	diags = append(diags, cdiags...)
	diags.Sort()
	return flow, diags
}

// LoadFile reads a flow file (refusing files over schema.MaxFileSize) and Loads it.
func LoadFile(path string) (*Flow, schema.Diagnostics) {
	src, d := schema.ReadFile(path)
	if d != nil {
		return nil, schema.Diagnostics{*d}
	}
	return Load(path, src)
}

// Version identifies a flow's source: the first 12 hex digits of its SHA-256.
func Version(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:6])
}
