package bot

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// TestGoldenMailDM pins the Block Kit of the "seen in your mailbox" DMs: a referral (Undo and
// Enroll buttons, the reply quoted, escaped) and an opt-out (Undo, saying what it takes back).
func TestGoldenMailDM(t *testing.T) {
	rita := cadence.Contact{Name: "Rita <Moss>", Email: "rita@acme.com"}
	for name, tc := range map[string]struct {
		m    cadence.MailSeen
		undo bool
	}{
		"dm_mail_referral.golden.json": {cadence.MailSeen{ID: 7, EnrollmentID: "k3f9a2", Kind: "referral", Referral: "jane@acme.com",
			Reason: "it says “talk to” and names jane@acme.com", Snippet: "Not me & not now - talk to <jane@acme.com>.",
			Action: "completed as replied"}, true},
		"dm_mail_ooo.golden.json": {cadence.MailSeen{ID: 8, EnrollmentID: "k3f9a2", Kind: "out_of_office",
			ReturnDate: time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC), Reason: "header Auto-Submitted: auto-replied",
			Snippet: "Ich bin bis zum 13.03.2026 nicht im Büro.", Action: "paused until Mon 16 Mar 09:00"}, true},
		"dm_mail_optout.golden.json": {cadence.MailSeen{ID: 9, EnrollmentID: "k3f9a2", Kind: "opt_out",
			Reason: "it says “remove me”", Snippet: "Please remove me.", Action: "recorded an opt-out for every rep"}, true},
	} {
		text, blocks := renderMailDM(tc.m, rita, tc.undo, "After a demo")
		got, err := json.MarshalIndent(map[string]any{"text": text, "blocks": blocks}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		goldenDM(t, name, append(got, '\n'))
	}
}
