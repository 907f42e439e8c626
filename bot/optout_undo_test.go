package bot

import (
	"testing"
)

// TestOptOutUndoForAdminsWithReason: an opt-out recorded by mistake can be undone by an admin
// with a reason, by nobody else, and then the contact can be enrolled again.
func TestOptOutUndoForAdminsWithReason(t *testing.T) {
	h := newHarness(t)
	mustContain(t, h.slash(t, bob, "optout dana@acme.com wrong Dana"), "will not be contacted again")
	mustContain(t, h.slash(t, alice, "optout undo dana@acme.com I meant another Dana"), "Only an admin can undo an opt-out")
	mustContain(t, h.slash(t, admin, "optout undo dana@acme.com"), "Say why", "Nothing was changed")
	mustContain(t, h.slash(t, alice, "add Dana dana@acme.com cadence=demo"), "opted out")
	mustContain(t, h.slash(t, admin, "optout undo dana@acme.com recorded for the wrong Dana"), "is undone")
	mustContain(t, h.slash(t, alice, "add Dana dana@acme.com cadence=demo"), "Enrolled")
	mustContain(t, h.slash(t, admin, "optout undo dana@acme.com again"), "has not opted out")
	mustContain(t, h.slash(t, admin, "optout undo nobody@acme.com typo"), "No contact has the address")
}
