package flowtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/flowrunner/flowrunner/schema"
)

// compare checks every expectation the case sets against what happened.
func compare(e schema.Expect, a Actual) []Failure {
	var out []Failure
	lists := []struct {
		key  string
		want []schema.Str
		got  []string
	}{
		{"path", e.Path, a.Path},
		{"prompts", e.Prompts, a.Prompts},
		{"actions", e.Actions, a.Actions},
		{"logs", e.Logs, a.Logs},
	}
	for _, l := range lists {
		at, set := e.Set[l.key]
		if !set {
			continue
		}
		want := make([]string, len(l.want))
		for i, s := range l.want {
			want[i] = s.Value
		}
		if d, ok := diff(want, l.got); !ok {
			out = append(out, Failure{at, fmt.Sprintf("%s differs (-want +got):\n%s", l.key, d)})
		}
	}
	if e.Outcome.Value != "" && e.Outcome.Value != a.Outcome {
		out = append(out, Failure{e.Outcome.Pos, fmt.Sprintf("outcome: want %s, got %s", e.Outcome.Value, a.Outcome)})
	}
	if e.Duration != nil && e.Duration.D != a.Duration {
		out = append(out, Failure{e.Duration.Pos, fmt.Sprintf("duration: want %v, got %v", e.Duration.D, a.Duration)})
	}
	names := make([]string, 0, len(e.Vars))
	for name := range e.Vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		got, ok := a.Vars[name]
		if !ok {
			out = append(out, Failure{e.VarsPos[name], fmt.Sprintf("vars: the flow has no variable %q", name)})
			continue
		}
		if w, g := jsonText(e.Vars[name]), jsonText(got); w != g {
			out = append(out, Failure{e.VarsPos[name], fmt.Sprintf("vars: %s: want %s, got %s", name, w, g)})
		}
	}
	return out
}

// jsonText renders a value as JSON, so that YAML's and expr's numbers (int,
// int64, float64) and collections compare by value.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// diff renders a line diff of two lists: common lines indented, removed ones
// with "- ", added ones with "+ ". ok is true when the lists are equal.
func diff(want, got []string) (string, bool) {
	n, m := len(want), len(got)
	// lcs[i][j] is the longest common subsequence of want[i:] and got[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j, equal := 0, 0, n == m
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			fmt.Fprintf(&b, "    %s\n", want[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&b, "  - %s\n", want[i])
			i++
			equal = false
		default:
			fmt.Fprintf(&b, "  + %s\n", got[j])
			j++
			equal = false
		}
	}
	if n == 0 && m == 0 {
		b.WriteString("    (empty)\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), equal
}
