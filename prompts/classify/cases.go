package classify

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Case is one message of a case set with the outcome it should get. A case is an .eml file whose
// X-Case-Contact header names the enrolled contact, X-Case-Expect the kind, and X-Case-Return and
// X-Case-Referral the expected return date (2006-01-02) and referred address, when there are any.
type Case struct {
	Name    string
	Message Message
	Want    Result
}

// LoadCases reads every *.eml file of fsys's root as a Case, in name order. It returns an error
// naming the file for a case it cannot read.
func LoadCases(fsys fs.FS) ([]Case, error) {
	names, err := fs.Glob(fsys, "*.eml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	cases := make([]Case, 0, len(names))
	for _, n := range names {
		raw, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		m, err := Parse(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		c := Case{Name: strings.TrimSuffix(path.Base(n), ".eml"), Message: m}
		c.Message.Contact = m.Headers["X-Case-Contact"]
		c.Want.Kind = Kind(m.Headers["X-Case-Expect"])
		if !validKind(c.Want.Kind) {
			return nil, fmt.Errorf("%s: X-Case-Expect %q is not one of %v", n, c.Want.Kind, Kinds)
		}
		if r := m.Headers["X-Case-Return"]; r != "" {
			if c.Want.ReturnDate, err = time.Parse(time.DateOnly, r); err != nil {
				return nil, fmt.Errorf("%s: X-Case-Return: %w", n, err)
			}
		}
		c.Want.Referral = m.Headers["X-Case-Referral"]
		for k := range c.Message.Headers {
			if strings.HasPrefix(k, "X-Case-") {
				delete(c.Message.Headers, k) // the classifier must not see the answer
			}
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func validKind(k Kind) bool {
	for _, v := range Kinds {
		if v == k {
			return true
		}
	}
	return false
}

// Check compares a result with the expected one: the kind, and the return date and referral where
// the case names them (an out-of-office with no X-Case-Return must find no date). It returns ""
// when they agree, else what differs.
func (c Case) Check(got Result) string {
	switch {
	case got.Kind != c.Want.Kind:
		return fmt.Sprintf("kind %s, want %s (%s)", got.Kind, c.Want.Kind, got.Reason)
	case c.Want.Kind == KindOutOfOffice && !got.ReturnDate.Equal(c.Want.ReturnDate):
		return fmt.Sprintf("return date %s, want %s", day(got.ReturnDate), day(c.Want.ReturnDate))
	case c.Want.Kind == KindReferral && got.Referral != c.Want.Referral:
		return fmt.Sprintf("referral %q, want %q", got.Referral, c.Want.Referral)
	}
	return ""
}

func day(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.DateOnly)
}

// Score is the accuracy of a classifier on a case set, overall and per expected kind.
type Score struct {
	Total, Right int
	ByKind       map[Kind][2]int // right, total
	Misses       []string        // "name: what differs"
}

// Pct returns right/total as a percentage (100 for no cases).
func Pct(right, total int) float64 {
	if total == 0 {
		return 100
	}
	return 100 * float64(right) / float64(total)
}

// Evaluate runs classify on every case and scores it.
func Evaluate(cases []Case, classify func(Message) Result) Score {
	s := Score{ByKind: map[Kind][2]int{}}
	for _, c := range cases {
		k := s.ByKind[c.Want.Kind]
		k[1]++
		s.Total++
		if miss := c.Check(classify(c.Message)); miss != "" {
			s.Misses = append(s.Misses, c.Name+": "+miss)
		} else {
			s.Right++
			k[0]++
		}
		s.ByKind[c.Want.Kind] = k
	}
	return s
}
