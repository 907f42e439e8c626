package bot

import (
	"testing"

	"github.com/followup-bot/followup/cadence"
)

// TestDatesAtMostTwoYearsAhead: a first touch, a decision date, a pause and an away period more
// than two years ahead are refused with a clear reply, and nothing is changed.
func TestDatesAtMostTwoYearsAhead(t *testing.T) {
	h := newHarness(t)
	mustContain(t, h.slash(t, alice, "add Dana dana@acme.com cadence=demo start=9999-12-31"),
		"first touch date 9999-12-31 is more than 2 years ahead", "Nothing was saved")
	mustContain(t, h.slash(t, alice, "add Dana dana@acme.com cadence=proposal decision=2031-01-01"),
		"decision date 2031-01-01 is more than 2 years ahead")
	if _, err := h.store.ContactByEmail(h.ctx, "dana@acme.com"); cadence.ErrorCode(err) != cadence.ENOTFOUND {
		t.Fatalf("a refused add saved the contact: %v", err)
	}
	// Two years less a day is fine.
	mustContain(t, h.slash(t, alice, "add Dana dana@acme.com cadence=proposal decision=2028-03-02"), "Enrolled")
	vs, err := h.store.ListEnrollments(h.ctx, alice)
	if err != nil || len(vs) != 1 {
		t.Fatalf("follow-ups: %d, %v", len(vs), err)
	}
	id := vs[0].Enrollment.ID
	mustContain(t, h.slash(t, alice, "pause "+id+" until=9999-12-31"), "more than 2 years ahead")
	if v, _ := h.store.Enrollment(h.ctx, id); v.Enrollment.Status != cadence.StatusActive {
		t.Fatalf("follow-up %s after a refused pause", v.Enrollment.Status)
	}
	mustContain(t, h.slash(t, alice, "away 9000-01-01 9000-01-02"), "more than 2 years ahead")
	if rep, err := h.store.GetRep(h.ctx, alice); err == nil && rep.AwayFrom != "" {
		t.Fatalf("away period saved: %s", rep.AwayFrom)
	}
}
