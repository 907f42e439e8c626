package bot

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// TestReassignChecksTheTarget: a user Slack does not know, a bot and a deactivated account are
// refused with a clear reply, and the follow-up keeps its owner.
func TestReassignChecksTheTarget(t *testing.T) {
	h := newHarness(t)
	h.slack.AddUser(slacktest.User{ID: "U0ROBOT001", Name: "robot", IsBot: true})
	h.slack.AddUser(slacktest.User{ID: "U0LEFT0001", Name: "left", RealName: "Left Early", Deleted: true})
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	id := v.Enrollment.ID
	for user, want := range map[string]string{
		nobody:       "is not a user of this workspace",
		"U0ROBOT001": "is a bot",
		"U0LEFT0001": "is deactivated",
	} {
		mustContain(t, h.slash(t, alice, "reassign "+id+" <@"+user+">"), want)
	}
	got, err := h.store.Enrollment(h.ctx, id)
	if err != nil || got.Enrollment.Owner != alice {
		t.Fatalf("owner after refused reassigns: %q, %v", got.Enrollment.Owner, err)
	}
}

// TestReassignRemindedTouchGoesToNewOwner: a touch already reminded goes back to due for the new
// owner, who gets their own DM; the old owner's DM says who has it now and has no buttons.
func TestReassignRemindedTouchGoesToNewOwner(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	h.pass(t)
	old := h.waitDM(t, alice, 1)[0]
	mustContain(t, h.slash(t, alice, "reassign "+v.Enrollment.ID+" <@"+bob+">"), "now belongs to")

	updated := h.dms(alice)
	if len(updated) != 1 {
		t.Fatalf("%d DMs to the old owner, want the one", len(updated))
	}
	text := blockText(updated[0].Blocks)
	mustContain(t, text, "Reassigned", "<@"+bob+">")
	if strings.Contains(string(updated[0].Blocks), `"type":"button"`) || updated[0].Ts != old.Ts {
		t.Errorf("old owner's DM still has buttons or is another message: %s", updated[0].Blocks)
	}
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil || tv.Touch.State != cadence.TouchPending {
		t.Fatalf("touch after the reassign: %s, %v; want pending again", tv.Touch.State, err)
	}
	h.pass(t)
	if dms := h.waitDM(t, bob, 1); !strings.Contains(dmText(dms[0]), "Dana Diaz") {
		t.Errorf("new owner's DM: %q", dmText(dms[0]))
	}
	tv, _ = h.store.Touchpoint(h.ctx, v.Open.ID)
	if tv.Touch.State != cadence.TouchReminded || tv.Touch.DMChannel == old.Channel {
		t.Errorf("touch %s in channel %s, want reminded in bob's DM", tv.Touch.State, tv.Touch.DMChannel)
	}
}
