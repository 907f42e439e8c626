package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/followup-bot/followup/prompts/classify"
)

// classifyCases is the case set of the mail classifier (issue 14), relative to the module root
// where `make bench` runs.
const classifyCases = "prompts/classify/testdata/cases"

// benchClassify scores the rules classifier on the case set: issue 14 asks for every opt-out and
// bounce right and at least 95% overall.
func benchClassify(_ context.Context, b *bench) error {
	cases, err := classify.LoadCases(os.DirFS(classifyCases))
	if err != nil {
		return fmt.Errorf("load %s: %w", classifyCases, err)
	}
	s := classify.Evaluate(cases, classify.Rules)
	var perKind []string
	for _, k := range classify.Kinds {
		if r, ok := s.ByKind[k]; ok {
			perKind = append(perKind, fmt.Sprintf("%s %d/%d", k, r[0], r[1]))
		}
	}
	notes := []string{
		fmt.Sprintf("The rules alone (no model) on the %d messages of `%s`; a case is right when the kind, and the return date or referred address it names, match.", s.Total, classifyCases),
		"By expected kind: " + strings.Join(perKind, ", ") + ".",
	}
	for _, m := range slices.Sorted(slices.Values(s.Misses)) {
		notes = append(notes, "Miss: "+m)
	}
	pct := classify.Pct(s.Right, s.Total)
	b.add(result{Item: 14, Name: "mail classifier accuracy, overall", Figure: fmt.Sprintf("%.1f%% (%d/%d)", pct, s.Right, s.Total),
		Target: "≥ 95%", Status: status(pct >= 95), Notes: notes})
	for _, k := range []classify.Kind{classify.KindOptOut, classify.KindBounce} {
		r := s.ByKind[k]
		p := classify.Pct(r[0], r[1])
		b.add(result{Item: 14, Name: "mail classifier accuracy, " + strings.ToLower(k.Label()) + "s",
			Figure: fmt.Sprintf("%.0f%% (%d/%d)", p, r[0], r[1]), Target: "100%", Status: status(r[0] == r[1] && r[1] > 0),
			Notes: []string{"Of the cases expected to be " + string(k) + "."}})
	}
	return nil
}
