package bot

import (
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// TestLoggedReturnDateAtMostTwoYearsAhead: the "Log a reply" modal's return date is a date a
// person gives, bounded like every other: 9999-12-31 is refused on its field, nothing changes.
func TestLoggedReturnDateAtMostTwoYearsAhead(t *testing.T) {
	t.Parallel()
	h := &mailHarness{harness: newHarness(t)}
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	if _, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ChannelID: alice,
		ActionID: actionReplyOpen, BlockID: "tp.more.0", Value: dana.Enrollment.ID}); err != nil {
		t.Fatal(err)
	}
	v, _ := h.openedView(t, 1)
	text := "Automatic reply: I am out of the office until 16 March 2026."
	confirm := h.classifyStep(t, alice, v, dana.Enrollment.ID, text)
	errs := viewErrors(t, h.confirmStep(t, alice, confirm, replyOutcomeOOO, "9999-12-31"))
	mustContain(t, errs["until"], "more than 2 years ahead")
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Errorf("dana: %s after a refused return date, want active", e.Status)
	}
}

// TestMailReturnDateAtMostTwoYearsAhead: a return date read out of an auto-reply (the contact's
// text) more than two years ahead is no return date: the follow-up pauses for 14 days, as
// without one, not until the year 9999.
func TestMailReturnDateAtMostTwoYearsAhead(t *testing.T) {
	now := time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC)
	w := cadence.DefaultWindow()
	if got, want := oooUntil(time.Date(9999, 3, 13, 0, 0, 0, 0, time.UTC), w, now), now.Add(oooPause); !got.Equal(want) {
		t.Errorf("oooUntil(9999-03-13) = %s, want %s", got, want)
	}
	if got := oooUntil(time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC), w, now); got.Year() != 2026 || got.Month() != 3 {
		t.Errorf("oooUntil(2026-03-13) = %s, want in March 2026", got)
	}
}
