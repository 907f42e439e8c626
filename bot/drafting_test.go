package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// textFirst is a cadence whose first step is an SMS, to see what happens when it comes due.
func textFirst(t *testing.T) *cadence.Library {
	t.Helper()
	cds, err := cadence.Parse("test.yaml", []byte(`cadences:
  - id: text-first
    trigger: form_fill
    steps:
      - {gap: 0, channel: sms, purpose: share_context}
      - {gap: 2bd, channel: email, purpose: close_loop}
`))
	if err != nil {
		t.Fatal(err)
	}
	return cadence.Builtin().Merge(cds)
}

// TestSMSWithoutConsentSkipped: an SMS step for a contact without consent to texts, or without a
// phone number, is skipped when it comes due: no DM, no draft, the next step planned, and the
// timeline says why. With consent and a phone number the same step is reminded.
func TestSMSWithoutConsentSkipped(t *testing.T) {
	for _, tc := range []struct {
		name     string
		contact  cadence.Contact
		reminded bool
		why      string
	}{
		{"no consent", cadence.Contact{Name: "Dana Lee", Phone: "+14155550100"}, false, "no consent to texts"},
		{"no phone", cadence.Contact{Name: "Dana Lee", Email: "dana@acme.example", SMSConsent: true}, false, "no phone number"},
		{"consent and phone", cadence.Contact{Name: "Dana Lee", Phone: "+14155550100", SMSConsent: true}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newDispatchHarness(t, func(c *Config) { c.Library = textFirst(t) })
			v := h.enroll(t, alice, tc.contact, "text-first", h.clock.Now())
			h.advanceTo(t, h.clock.Now().Add(2*time.Hour))
			h.pass(t)
			if got := len(h.dms(alice)) > 0; got != tc.reminded {
				t.Fatalf("reminded = %v, want %v", got, tc.reminded)
			}
			if tc.reminded {
				return
			}
			ts, err := h.store.Touchpoints(h.ctx, v.Enrollment.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 2 || ts[0].Outcome != cadence.OutcomeSkipped || ts[0].Draft != "" || ts[1].Step != 1 || !ts[1].State.Open() {
				t.Fatalf("touchpoints %+v, want step 1 skipped undrafted and step 2 open", ts)
			}
			show := h.slash(t, alice, "show "+v.Enrollment.ID)
			if !strings.Contains(show, tc.why) {
				t.Errorf("timeline does not say %q:\n%s", tc.why, show)
			}
		})
	}
}

// TestSettingsBookingAndSignature: a rep's booking link and sign-off are validated, stored,
// shown, cleared, and reach the drafts (with the enrollment's decision date).
func TestSettingsBookingAndSignature(t *testing.T) {
	h := newDispatchHarness(t)
	mustContain(t, h.slash(t, alice, `settings booking=https://cal.example.com/alice signature="Alice Ng, Acme Support"`),
		"https://cal.example.com/alice", "Alice Ng, Acme Support")
	rep, err := h.store.GetRep(h.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Booking != "https://cal.example.com/alice" || rep.Signature != "Alice Ng, Acme Support" {
		t.Fatalf("stored %+v", rep)
	}
	for _, bad := range []string{"booking=ftp://x", "booking=not-a-link", `signature="` + strings.Repeat("x", 81) + `"`} {
		got := h.slash(t, alice, "settings "+bad)
		if strings.Contains(got, "Saved") {
			t.Errorf("settings %s saved:\n%s", bad, got)
		}
	}
	v := h.enroll(t, alice, dana, "proposal", h.clock.Now(), func(e *cadence.Enrollment) {
		e.DecisionDate = h.clock.Now().AddDate(0, 0, 30)
	})
	h.advanceTo(t, v.Open.Due.Add(time.Minute))
	h.pass(t)
	dms := h.dms(alice)
	if len(dms) == 0 {
		t.Fatal("no reminder DM")
	}
	text := draftOf(t, dms[len(dms)-1])
	mustContain(t, text, "Alice Ng, Acme Support", v.Enrollment.DecisionDate.Format("2 January"))
	mustContain(t, h.slash(t, alice, "settings booking="), "the team profile's")
}
