package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/flowrunner/flowrunner/schema"
)

// Load is the one path from flow source to a runnable Flow: schema.Parse, then
// schema.Validate, then Compile. `flowrunner validate` and `serve` both use it, so
// a file that validates always loads. file names the source in diagnostics. The
// returned diagnostics may hold warnings even when the Flow is not nil.
func Load(file string, src []byte) (*Flow, schema.Diagnostics) {
	doc, diags := schema.Parse(file, src)
	if doc == nil || diags.HasErrors() {
		return nil, diags
	}
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
	src, err := readFile(path)
	if err != nil {
		return nil, schema.Diagnostics{{File: path, Severity: schema.SeverityError, Msg: err.Error()}}
	}
	return Load(path, src)
}

// Version identifies a flow's source: the first 12 hex digits of its SHA-256.
func Version(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:6])
}

// readFile reads at most schema.MaxFileSize bytes, failing fast on larger files.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, schema.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > schema.MaxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes; flow files are limited to that size", schema.MaxFileSize)
	}
	return src, nil
}
