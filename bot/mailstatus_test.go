package bot

import (
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// TestMailQuotaReportedWhenItLasts: a mailbox refused for quota (Gmail's 403 userRateLimitExceeded,
// then 429s) is not reported while the refusals are young, and the other reps' mailboxes are read
// all the same; once the refusals have lasted an hour the admin is told once, with what to fix, and
// not again at the next poll; a read that works ends the run, so a later single 429 is quiet again.
func TestMailQuotaReportedWhenItLasts(t *testing.T) {
	h := newMailHarness(t)
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	h.slash(t, bob, "settings mailbox=bob@ourco.com")
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	omar := h.enrollAs(t, bob, "Omar Diaz", "omar@acme.com")
	h.gmail.Add("bob@ourco.com", mailRaw("Omar Diaz <omar@acme.com>", "Re: demo", "Yes."), h.clock.Now().Add(time.Minute))

	// alice comes first: her refusal must not keep bob's mailbox from being read.
	h.gmail.FailNextReason(403, "userRateLimitExceeded")
	h.poll(t)
	if e := h.status(t, omar.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("omar: %s after alice's mailbox was refused, want replied", e.StopReason)
	}
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Fatalf("dana: %s, want active", e.Status)
	}
	adminDMs := func() int { return len(h.dms(admin)) }
	if n := adminDMs(); n != 0 {
		t.Fatalf("%d DMs to the admin after one quota refusal (read as a missing permission?), want none", n)
	}
	for i := 0; i < 3; i++ { // 15 minutes apart: still under the hour
		h.clock.Advance(15 * time.Minute)
		h.gmail.FailNext(429)
		h.poll(t)
	}
	if n := adminDMs(); n != 0 {
		t.Fatalf("%d DMs to the admin within the hour, want none: %+v", n, h.dms(admin))
	}
	h.clock.Advance(16 * time.Minute)
	h.gmail.FailNext(429)
	h.poll(t)
	ms := h.dms(admin)
	if len(ms) != 1 {
		t.Fatalf("%d DMs to the admin after an hour of refusals, want 1", len(ms))
	}
	mustContain(t, ms[0].Text, "quota", "FOLLOWUP_MAIL_POLL", "Gmail API", "alice@ourco.com")
	h.clock.Advance(time.Minute)
	h.gmail.FailNext(429)
	h.poll(t)
	if n := adminDMs(); n != 1 {
		t.Errorf("%d DMs to the admin after another refused poll, want still 1 (once a day)", n)
	}
	// A read that works ends the run; a single 429 afterwards only waits.
	h.clock.Advance(time.Minute)
	h.poll(t)
	h.clock.Advance(2 * time.Hour)
	h.gmail.FailNext(429)
	h.poll(t)
	if n := adminDMs(); n != 1 {
		t.Errorf("%d DMs to the admin after a fresh 429, want still 1", n)
	}
}

// TestSettingsShowMailbox: /followup settings with no arguments, and the App Home's settings, say
// which mailbox is read for replies, where the address comes from, and when it cannot be read.
func TestSettingsShowMailbox(t *testing.T) {
	h := newMailHarness(t)
	h.slack.AddUser(slacktest.User{ID: "U0CARA0001", Name: "cara", RealName: "Cara Cole", TZ: "UTC", Email: "Cara@OurCo.com"})
	mustContain(t, h.slash(t, "U0CARA0001", "settings"), "Mailbox: cara@ourco.com (your Slack profile's email), read by Gmail")
	mustContain(t, h.slash(t, alice, "settings"), "Mailbox: your Slack profile's email, which Slack does not give me", "mailbox=you@example.com")
	mustContain(t, h.slash(t, alice, "settings mailbox=alice@ourco.com"), "alice@ourco.com")
	mustContain(t, h.slash(t, alice, "settings"), "Mailbox: alice@ourco.com (set by you; `mailbox=auto`", "read by Gmail")
	mustContain(t, h.slash(t, alice, "settings days=Mon-Thu"), "Saved", "Mailbox: alice@ourco.com")
	h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	h.gmail.Revoke("alice@ourco.com")
	h.poll(t)
	mustContain(t, h.slash(t, alice, "settings"), "Mailbox: alice@ourco.com", "cannot be read at the moment", "Domain-wide delegation")
	if err := h.bot.onHomeOpened(h.ctx, alice); err != nil {
		t.Fatal(err)
	}
	home, ok := h.slack.HomeView(alice)
	if !ok {
		t.Fatal("no App Home published")
	}
	mustContain(t, string(home.JSON), "Mailbox read for replies: alice@ourco.com", "cannot be read at the moment")
}

// TestSettingsMailboxWithoutReader: without a mailbox reader, settings says the mailbox is not read.
func TestSettingsMailboxWithoutReader(t *testing.T) {
	h := newHarness(t)
	mustContain(t, h.slash(t, alice, "settings"), "Mailbox: ", "not read: no mailbox reader is configured")
}

// TestMailServerErrorsReportedWhenTheyLast: a mailbox whose reads fail with 5xx at every poll for
// an hour is reported to the admin once, saying it is not a permission; a lone 500 is not.
func TestMailServerErrorsReportedWhenTheyLast(t *testing.T) {
	h := newMailHarness(t)
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	fail := func() { h.gmail.FailNext(500) }
	fail()
	h.poll(t)
	if n := len(h.dms(admin)); n != 0 {
		t.Fatalf("%d DMs to the admin after one failed read, want none", n)
	}
	h.clock.Advance(61 * time.Minute)
	fail()
	h.poll(t)
	ms := h.dms(admin)
	if len(ms) != 1 {
		t.Fatalf("%d DMs to the admin after an hour of failed reads, want 1", len(ms))
	}
	mustContain(t, ms[0].Text, "alice@ourco.com", "has failed at every read since", "FOLLOWUP_GMAIL_API_URL")
	h.clock.Advance(time.Minute)
	h.poll(t)
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Errorf("dana: %s, want active", e.Status)
	}
	if mb, _ := h.store.Mailbox(h.ctx, alice); mb.Error != "" {
		t.Errorf("mailbox error %q after a read that worked, want none", mb.Error)
	}
}
