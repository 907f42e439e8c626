package prompts

import (
	"regexp"
	"strings"
)

// guardedRe is a regular expression with a cheap test that every text it can match passes: a
// literal the match must contain. Go's regexp runs its backtracker over the whole draft for every
// check, most of a draft's CPU time in a dispatch; the guard skips it for the texts (nearly all)
// that cannot match.
type guardedRe struct {
	re *regexp.Regexp
	// may reports whether s can contain a match. It must never say false for a text the
	// expression matches (guard_test.go checks this over the rules' own test texts).
	may func(s string) bool
}

// anyOf returns a guard true for texts containing one of lits; with fold, lits are lower-case
// and compared with the text lower-cased. A lit of a case-insensitive expression must not hold
// 's' or 'k', which (?i) also matches as 'ſ' and the Kelvin sign, beyond what ToLower maps.
func anyOf(fold bool, lits ...string) func(string) bool {
	return func(s string) bool {
		if fold {
			s = strings.ToLower(s)
		}
		for _, l := range lits {
			if strings.Contains(s, l) {
				return true
			}
		}
		return false
	}
}

// FindString is re.FindString, "" at once when the guard rules a match out.
func (g guardedRe) FindString(s string) string {
	if !g.may(s) {
		return ""
	}
	return g.re.FindString(s)
}

// FindAllStringIndex is re.FindAllStringIndex, nil at once when the guard rules a match out.
func (g guardedRe) FindAllStringIndex(s string, n int) [][]int {
	if !g.may(s) {
		return nil
	}
	return g.re.FindAllStringIndex(s, n)
}

// ReplaceAllString is re.ReplaceAllString, s itself when the guard rules a match out.
func (g guardedRe) ReplaceAllString(s, repl string) string {
	if !g.may(s) {
		return s
	}
	return g.re.ReplaceAllString(s, repl)
}
