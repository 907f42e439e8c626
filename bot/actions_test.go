package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// remind enrolls a follow-up for owner, moves the clock to its first touch and dispatches it, and
// returns the enrollment id and the reminder DM.
func (h *harness) remind(t *testing.T, owner string, c cadence.Contact) (string, slacktest.Message) {
	t.Helper()
	v := h.enroll(t, owner, c, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	before := len(h.dms(owner))
	h.pass(t)
	ms := h.waitDM(t, owner, before+1)
	return v.Enrollment.ID, ms[len(ms)-1]
}

// ephemeralText waits for the answer posted to a click's response_url and returns its text.
func (h *harness) ephemeralText(t *testing.T, url string) string {
	t.Helper()
	p := h.waitResponse(t, url)
	var body struct {
		Text            string `json:"text"`
		ResponseType    string `json:"response_type"`
		ReplaceOriginal bool   `json:"replace_original"`
	}
	if err := p.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.ResponseType != "ephemeral" || body.ReplaceOriginal {
		t.Errorf("answer to a click: %s, want ephemeral and not replacing the DM", p.Body)
	}
	return body.Text
}

// TestClickBySomeoneElse: a click by someone who neither owns the touchpoint nor is an admin is
// answered "not yours" to them alone and changes nothing.
func TestClickBySomeoneElse(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	url := h.click(t, bob, m, actSent)
	mustContain(t, h.ephemeralText(t, url), "not yours", "<@"+alice+">")
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Open == nil || v.Open.State != cadence.TouchReminded || v.Enrollment.Step != 0 {
		t.Errorf("follow-up changed by a stranger's click: %+v open %+v", v.Enrollment, v.Open)
	}
	if n := len(h.slack.CallsTo("chat.update")); n != 0 {
		t.Errorf("the DM was updated %d times", n)
	}
}

// TestAdminMayClick: an admin's click counts, and the DM says who it was.
func TestAdminMayClick(t *testing.T) {
	h := newDispatchHarness(t)
	_, m := h.remind(t, alice, dana)
	h.click(t, admin, m, actMeeting)
	m = h.waitUpdated(t, m, 1)
	mustContain(t, dmText(m), "*Meeting booked* by <@"+admin+">", "completed (meeting booked)")
}

// TestDoubleClick: the second click on the same DM says what already happened and changes nothing.
func TestDoubleClick(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	h.click(t, alice, m, actSent)
	h.waitUpdated(t, m, 1)
	before, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	url := h.click(t, alice, m, actReplied) // the old DM, as Slack may still show it
	mustContain(t, h.ephemeralText(t, url), "Already handled", "*Sent* by <@"+alice+">", "Nothing was changed")
	after, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Enrollment.Status != cadence.StatusActive || after.Open == nil || after.Open.ID != before.Open.ID {
		t.Errorf("second click changed the follow-up: %+v", after.Enrollment)
	}
	if n := len(h.slack.CallsTo("chat.update")); n != 1 {
		t.Errorf("%d DM updates, want 1", n)
	}
}

// TestConcurrentClicks: two clicks at once on the same touchpoint record one outcome.
func TestConcurrentClicks(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	value, _ := buttonOf(t, m, actSent)
	for _, a := range []string{actSent, actSkip} {
		if _, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ChannelID: m.Channel, MessageTs: m.Ts,
			ActionID: a, BlockID: "tp.outcome", Value: value, ResponseURL: h.slack.NewResponseURL()}); err != nil {
			t.Fatal(err)
		}
	}
	h.waitUpdated(t, m, 1)
	if _, err := h.slack.WaitResponsePosts(h.ctx, 1); err != nil { // the loser is told
		t.Fatal(err)
	}
	evs, err := h.store.Events(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == string(cadence.OutcomeSent) || e.Kind == string(cadence.OutcomeSkipped) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d outcomes recorded for one touchpoint: %+v", n, evs)
	}
}

// TestOptOutStopsOtherRepsFollowUp: an opt-out recorded by one rep stops the follow-up another
// rep owns with the same contact, and updates its open DM.
func TestOptOutStopsOtherRepsFollowUp(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Bob heard from Dana that she wants no more messages: he records it (as /followup optout does).
	if _, err := h.bot.optOut(h.ctx, bob, v.Contact.ID, "asked on a call"); err != nil {
		t.Fatal(err)
	}
	m = h.waitUpdated(t, m, 1)
	mustContain(t, dmText(m), "Cancelled", "opted out", "<@"+bob+">", "No more follow-ups")
	if strings.Contains(string(m.Blocks), `"tp.sent"`) {
		t.Error("the stopped DM still has buttons")
	}
	after, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Enrollment.Status != cadence.StatusStopped || after.Enrollment.StopReason != cadence.StopOptedOut || !after.Contact.DoNotContact {
		t.Errorf("after the opt-out: %+v %+v", after.Enrollment, after.Contact)
	}
	// A stopped follow-up never produces another DM.
	for range 5 {
		h.clock.Advance(2 * 24 * time.Hour)
		h.pass(t)
	}
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs after the opt-out, want 1", n)
	}
}

// TestOptOutButtonByAnyone: anyone may record an opt-out through applyOutcome, and the owner's
// DM is closed.
func TestOptOutButtonByAnyone(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	if _, err := h.bot.applyOutcome(h.ctx, bob, id, 0, cadence.OutcomeOptedOut, cadence.Gap{}); err != nil {
		t.Fatal(err)
	}
	m = h.waitUpdated(t, m, 1)
	mustContain(t, dmText(m), "*Opted out* by <@"+bob+">")
	if _, err := h.bot.applyOutcome(h.ctx, bob, id, 0, cadence.OutcomeSent, cadence.Gap{}); cadence.ErrorCode(err) == "" {
		t.Error("a stranger recorded Sent")
	}
}

// TestSnoozeRemindsAgainLater: Snooze moves the touch later; the old DM says so, with no
// buttons, and a new DM comes at the new time.
func TestSnoozeRemindsAgainLater(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	h.click(t, alice, m, actSnooze1d)
	m = h.waitUpdated(t, m, 1)
	mustContain(t, dmText(m), "*Snoozed* by <@"+alice+">", "Next: follow-up 1 of 4, Email, Wed 4 Mar 10:00")
	if strings.Contains(string(m.Blocks), `"tp.sent"`) {
		t.Error("the snoozed DM still has buttons")
	}
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	h.advanceTo(t, v.Open.Due)
	h.pass(t)
	ms := h.waitDM(t, alice, 2)
	mustContain(t, dmText(ms[1]), "follow-up 1 of 4")
}

// TestNewDraft: "New draft" drafts from the next angle and updates the DM in place.
func TestNewDraft(t *testing.T) {
	h := newDispatchHarness(t)
	_, m := h.remind(t, alice, dana)
	first := draftOf(t, m)
	h.click(t, alice, m, actRedraft)
	m = h.waitUpdated(t, m, 1)
	if _, block := buttonOf(t, m, actRedraft); block != moreBlockID(1) {
		t.Errorf("angle block %q, want %q", block, moreBlockID(1))
	}
	if second := draftOf(t, m); second == first {
		t.Errorf("the new draft is the same as the first:\n%s", second)
	}
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs, want the one updated in place", n)
	}
}

// draftOf returns the text of the draft section of a reminder DM.
func draftOf(t *testing.T, m slacktest.Message) string {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		if b.Text != nil && strings.HasPrefix(b.Text.Text, "*Draft*") {
			if i+1 < len(blocks) && blocks[i+1].Type == "rich_text" {
				var raw []json.RawMessage
				_ = json.Unmarshal(m.Blocks, &raw)
				return b.Text.Text + "\n" + richTextOf(raw[i+1])
			}
			return b.Text.Text
		}
	}
	t.Fatalf("no draft in %s", m.Blocks)
	return ""
}

// TestOutcomeRefreshesHome: after a click the owner's App Home, opened before, is published
// again and shows the touch as no longer due.
func TestOutcomeRefreshesHome(t *testing.T) {
	h := newDispatchHarness(t)
	_, m := h.remind(t, alice, dana)
	if _, err := h.slack.SendAppHomeOpened(h.ctx, alice, "Ev0HOMEOUT1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 1); err != nil {
		t.Fatal(err)
	}
	before := len(h.slack.CallsTo("views.publish"))
	h.click(t, alice, m, actReplied)
	h.waitUpdated(t, m, 1)
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", before+1); err != nil {
		t.Fatalf("no App Home refresh after the outcome: %v", err)
	}
	v, ok := h.slack.HomeView(alice)
	if !ok {
		t.Fatal("no home view")
	}
	mustContain(t, string(v.JSON), "Completed or stopped in the last 7 days (1)", dana.Name, "Replied")
	if strings.Contains(string(v.JSON), `"tp.sent"`) {
		t.Errorf("home still offers buttons for the completed touch: %s", v.JSON)
	}
}
