package bot

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
)

func TestCompanyNewsFlagsNextReminderAndTellsOwnersOnce(t *testing.T) {
	t.Parallel()
	h := newDispatchHarness(t)
	kim := h.enroll(t, bob, cadence.Contact{Name: "Kim Park", Email: "kim@acme.com", Company: "Acme"}, "cold-email", h.clock.Now())
	gmail := h.enroll(t, admin, cadence.Contact{Name: "Lee", Email: "lee@gmail.com"}, "cold-email", h.clock.Now())
	other := h.enroll(t, alice, cadence.Contact{Name: "Ann", Email: "ann@initech.com"}, "cold-email", h.clock.Now())

	_, m := h.remind(t, alice, dana) // dana@acme.com
	h.click(t, alice, m, actReplied)
	h.waitUpdated(t, m, 1)

	notices := h.waitDM(t, bob, 1)
	mustContain(t, dmText(notices[0]), "Dana Diaz at Acme replied", "Kim Park", kim.Enrollment.ID, "flagged in their next reminder")
	if strings.Contains(dmText(notices[0]), gmail.Enrollment.ID) {
		t.Error("a free-mail contact was counted as a colleague")
	}
	for id, want := range map[string]int{kim.Enrollment.ID: 1, gmail.Enrollment.ID: 0, other.Enrollment.ID: 0} {
		if news, err := h.store.CompanyNews(h.ctx, id); err != nil || len(news) != want {
			t.Errorf("news of %s = %+v, %v; want %d", id, news, err, want)
		}
	}
	if n := len(h.dms(admin)); n != 0 {
		t.Errorf("the owner of a free-mail follow-up got %d DMs", n)
	}

	// Kim's next reminder carries the news (the others fall due at the same time, each in its
	// owner's DM channel, so that none waits for the per-channel pacing on the fake clock).
	h.advanceTo(t, kim.Open.Due)
	h.pass(t)
	var reminder string
	for _, d := range h.waitDM(t, bob, 2) {
		if strings.Contains(dmText(d), "Follow up with Kim Park") {
			reminder = dmText(d)
		}
	}
	mustContain(t, reminder, "Dana Diaz at Acme replied on")

	// Recording the news again tells nobody twice.
	v, err := h.store.Enrollment(h.ctx, mustEnrollmentOf(t, h, dana.Email))
	if err != nil {
		t.Fatal(err)
	}
	before := len(h.dms(bob))
	h.bot.companyNews(h.ctx, v, cadence.OutcomeReplied, h.clock.Now())
	if n := len(h.dms(bob)); n != before {
		t.Errorf("bob told again: %d DMs, want %d", n, before)
	}
}

func TestCompanyNewsPausesWithDomainStop(t *testing.T) {
	t.Parallel()
	h := newDispatchHarness(t, func(c *Config) { c.DomainStop = true })
	kim := h.enroll(t, bob, cadence.Contact{Name: "Kim Park", Email: "kim@acme.com", Company: "Acme"}, "cold-email", h.clock.Now())
	_, m := h.remind(t, alice, dana)
	h.click(t, alice, m, actMeeting)
	notice := h.waitDM(t, bob, 1)[0]
	mustContain(t, dmText(notice), "Dana Diaz at Acme booked a meeting", "paused", kim.Enrollment.ID)
	v, err := h.store.Enrollment(h.ctx, kim.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Enrollment.Status != cadence.StatusPaused {
		t.Errorf("kim's follow-up is %s, want paused", v.Enrollment.Status)
	}
	// Paused, and flagged too: the reminder after /followup resume says why it was paused.
	if news, err := h.store.CompanyNews(h.ctx, kim.Enrollment.ID); err != nil || len(news) != 1 || news[0].Outcome != cadence.OutcomeMeetingBooked {
		t.Errorf("news of kim = %+v, %v; want the meeting", news, err)
	}
}

// TestCompanyNewsNotForFreeMail: a reply from a gmail.com contact is nobody's company news: the
// other gmail.com follow-up is neither flagged nor paused, and its owner is told nothing.
func TestCompanyNewsNotForFreeMail(t *testing.T) {
	t.Parallel()
	h := newDispatchHarness(t, func(c *Config) { c.DomainStop = true })
	gia := h.enroll(t, bob, cadence.Contact{Name: "Gia", Email: "gia@gmail.com"}, "cold-email", h.clock.Now())
	gus, m := h.remind(t, alice, cadence.Contact{Name: "Gus", Email: "gus@gmail.com"})
	h.click(t, alice, m, actReplied)
	h.waitUpdated(t, m, 1)
	// The click's handler may still be running: run its company step again, here, to its end (it
	// is idempotent), so that what follows sees all it would do.
	src, err := h.store.Enrollment(h.ctx, gus)
	if err != nil {
		t.Fatal(err)
	}
	h.bot.companyNews(h.ctx, src, cadence.OutcomeReplied, h.clock.Now())
	v, err := h.store.Enrollment(h.ctx, gia.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Enrollment.Status != cadence.StatusActive {
		t.Errorf("gia's follow-up is %s, want active", v.Enrollment.Status)
	}
	if news, _ := h.store.CompanyNews(h.ctx, gia.Enrollment.ID); len(news) != 0 {
		t.Errorf("gia's follow-up flagged: %+v", news)
	}
	if n := len(h.dms(bob)); n != 0 {
		t.Errorf("bob got %d DMs", n)
	}
}

// mustEnrollmentOf returns the id of the latest follow-up of the contact with email.
func mustEnrollmentOf(t *testing.T, h *harness, email string) string {
	t.Helper()
	all, err := h.store.ListEnrollments(h.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range all {
		if v.Contact.Email == email {
			return v.Enrollment.ID
		}
	}
	t.Fatalf("no follow-up of %s", email)
	return ""
}
