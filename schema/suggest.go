package schema

import "strings"

// Closest returns the option nearest to word by edit distance (a swap of two
// neighbouring letters counts as one edit), or "" when none is near enough to
// be a likely typo. The engine uses it for names across flows.
func Closest(word string, options []string) string { return closest(word, options) }

func closest(word string, options []string) string {
	limit := 1
	switch n := len([]rune(word)); {
	case n >= 9:
		limit = 3
	case n >= 4:
		limit = 2
	}
	best, bestDist := "", limit+1
	lower := strings.ToLower(word)
	for _, o := range options {
		if o == word {
			continue
		}
		if d := editDistance(lower, strings.ToLower(o)); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30 // nobody mistypes a key that long
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
