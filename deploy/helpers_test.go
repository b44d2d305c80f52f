package deploy

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// get walks nested YAML maps along path; nil when a step is missing.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func slice(v any) []any { s, _ := v.([]any); return s }

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func fields(s string) []string { return strings.Fields(s) }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
