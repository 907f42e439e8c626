package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/mailbox"
	"github.com/followup-bot/followup/bot/mailbox/mailboxtest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
)

// mailHarness is a bot whose Gmail reader (the real Google client) reads a fake Gmail.
type mailHarness struct {
	*harness
	gmail *mailboxtest.Gmail
}

func newMailHarness(t *testing.T, opts ...func(*Config)) *mailHarness {
	t.Helper()
	gm := mailboxtest.NewGmail(t)
	r, err := mailbox.NewGmail(gm.KeyFile(), gm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, append([]func(*Config){func(c *Config) { c.Mail = r; c.MailPoll = time.Hour }}, opts...)...)
	if err := h.clock.BlockUntilContext(h.ctx, 2); err != nil { // the dispatch and mail jobs are scheduled
		t.Fatal(err)
	}
	return &mailHarness{harness: h, gmail: gm}
}

func mailRaw(from, subject, body string, headers ...string) []byte {
	extra := ""
	for _, h := range headers {
		extra += h + "\r\n"
	}
	return []byte(fmt.Sprintf("From: %s\r\nTo: alice@ourco.com\r\nSubject: %s\r\nDate: Tue, 03 Mar 2026 15:00:00 +0000\r\n%sMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, subject, extra, body))
}

// enrollAs enrolls a contact for user with the demo cadence and returns the follow-up.
func (h *mailHarness) enrollAs(t *testing.T, user, name, email string) cadence.EnrollmentView {
	t.Helper()
	reply := h.slash(t, user, fmt.Sprintf("add %q %s cadence=demo", name, email))
	mustContain(t, reply, "Enrolled")
	c, err := h.store.ContactByEmail(h.ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := h.store.ListEnrollments(h.ctx, user, cadence.StatusActive)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Contact.ID == c.ID {
			return v
		}
	}
	t.Fatalf("no running follow-up for %s", email)
	return cadence.EnrollmentView{}
}

func (h *mailHarness) poll(t *testing.T) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.bot.pollMail(h.ctx) }()
	for {
		// The DMs to one rep are paced a second apart on the fake clock: the dispatch and mail
		// jobs' timers are two waiters, so a third is the pacer; move the clock on for it.
		blocked := make(chan error, 1)
		go func() { blocked <- h.clock.BlockUntilContext(h.ctx, 3) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("pollMail: %v", err)
			}
			return
		case err := <-blocked:
			if err != nil {
				t.Fatalf("pollMail never finished: %v", err)
			}
			h.clock.Advance(time.Second)
		}
	}
}

func (h *mailHarness) status(t *testing.T, id string) cadence.Enrollment {
	t.Helper()
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v.Enrollment
}

// TestMailActsOnEveryKind reads one mailbox with a reply, an out-of-office, a bounce, an opt-out,
// a referral, a forged sender and unrelated mail, and checks what became of each follow-up, the
// DMs the rep got, that nothing is acted on twice across polls and an expired history id, and
// that Undo and the referral button work.
func TestMailActsOnEveryKind(t *testing.T) {
	h := newMailHarness(t)
	mustContain(t, h.slash(t, alice, "settings mailbox=alice@"), `"alice@" is not an email address`)
	mustContain(t, h.slash(t, alice, "settings mailbox=auto"), "Slack profile")
	mustContain(t, h.slash(t, alice, "settings mailbox=Alice@OurCo.com"), "alice@ourco.com")
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	omar := h.enrollAs(t, alice, "Omar Diaz", "omar@acme.com")
	bea := h.enrollAs(t, alice, "Bea Lund", "bea@acme.com")
	otto := h.enrollAs(t, alice, "Otto Kern", "otto@acme.com")
	rita := h.enrollAs(t, alice, "Rita Moss", "rita@acme.com")
	now := h.clock.Now()

	box := "alice@ourco.com"
	h.gmail.Add(box, mailRaw("Dana Lee <dana@acme.com>", "Re: demo", "Thanks Alice, can we talk pricing on Tuesday at 3pm?\n\nOn Mon, Alice wrote:\n> secret draft"), now.Add(time.Hour))
	h.gmail.Add(box, mailRaw("Omar Diaz <omar@acme.com>", "Automatische Antwort: demo", "Ich bin bis zum 13.03.2026 nicht im Büro.", "Auto-Submitted: auto-replied"), now.Add(2*time.Hour))
	h.gmail.Add(box, mailRaw("MAILER-DAEMON@mx.ourco.com", "Undelivered Mail Returned to Sender", "<bea@acme.com>: 550 5.1.1 User unknown\nAction: failed\nStatus: 5.1.1"), now.Add(3*time.Hour))
	h.gmail.Add(box, mailRaw("Otto Kern <otto@acme.com>", "Re: demo", "Please remove me from your list."), now.Add(4*time.Hour))
	h.gmail.Add(box, mailRaw("Rita Moss <rita@acme.com>", "Re: demo", "Not me - please talk to my colleague jane.roe@acme.com."), now.Add(5*time.Hour))
	h.gmail.Add(box, mailRaw(`"dana@acme.com" <evil@attacker.io>`, "Re: demo", "Unsubscribe me"), now.Add(6*time.Hour))
	h.gmail.Add(box, mailRaw("Dave <dave@ourco.com>", "lunch", "lunch?"), now.Add(7*time.Hour))
	h.poll(t)

	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusCompleted || e.StopReason != cadence.StopReplied {
		t.Errorf("dana: %s %s, want completed replied", e.Status, e.StopReason)
	}
	e := h.status(t, omar.Enrollment.ID)
	// Back on Fri 13 March; one working day later is Mon 16 March, at the start of Alice's day in New York.
	if want := time.Date(2026, 3, 16, 9, 0, 0, 0, mustLoc(t, "America/New_York")); e.Status != cadence.StatusPaused || !e.PausedUntil.Equal(want) {
		t.Errorf("omar: %s until %s, want paused until %s", e.Status, e.PausedUntil, want)
	}
	if e := h.status(t, bea.Enrollment.ID); e.Status != cadence.StatusStopped || e.StopReason != cadence.StopBounced {
		t.Errorf("bea: %s %s, want stopped bounced", e.Status, e.StopReason)
	}
	if e := h.status(t, otto.Enrollment.ID); e.StopReason != cadence.StopOptedOut {
		t.Errorf("otto: %s %s, want opted out", e.Status, e.StopReason)
	}
	if c, _ := h.store.ContactByEmail(h.ctx, "otto@acme.com"); !c.DoNotContact {
		t.Error("otto is not do-not-contact")
	}
	// An opted-out contact cannot be enrolled again by anyone.
	mustContain(t, h.slash(t, bob, `add "Otto Kern" otto@acme.com cadence=demo`), "opted out")
	if e := h.status(t, rita.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("rita: %s %s, want completed replied (a referral is a reply)", e.Status, e.StopReason)
	}

	dms := h.waitDM(t, alice, 5)
	if len(dms) != 5 {
		t.Fatalf("%d DMs, want 5 (one per message from a contact)", len(dms))
	}
	all := ""
	for _, m := range dms {
		all += m.Text + "\n" + blockText(m.Blocks) + "\n"
	}
	mustContain(t, all, "Dana Lee* replied", "can we talk pricing", "Omar Diaz* is out of the office until Fri 13 Mar",
		"bounced", "asked not to be contacted again", "points you to jane.roe@acme.com", "seen in your mailbox", "Why:")
	if strings.Contains(all, "secret draft") {
		t.Error("the quoted earlier message was shown")
	}

	// Read again, and again from scratch after Gmail forgot the history id: nothing is doubled.
	h.poll(t)
	h.gmail.ExpireHistory()
	h.poll(t)
	if n := len(h.dms(alice)); n != 5 {
		t.Fatalf("after polling again: %d DMs, want still 5", n)
	}
	mb, err := h.store.Mailbox(h.ctx, alice)
	if err != nil || mb.Cursor == "" || mb.CursorAddress != box || mb.Provider != "gmail" {
		t.Fatalf("saved position = %+v, %v", mb, err)
	}

	// Undo the reply: Dana's follow-up is active again at the step it was at.
	url := h.click(t, alice, dms[0], actionMailUndo)
	mustContain(t, h.ephemeralText(t, url), "Undone")
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive || e.Step != dana.Enrollment.Step {
		t.Errorf("after undo dana is %s at step %d, want active at %d", e.Status, e.Step, dana.Enrollment.Step)
	}
	url = h.click(t, alice, dms[0], actionMailUndo)
	mustContain(t, h.ephemeralText(t, url), "already undone")
	// Bob may not undo Alice's.
	url = h.click(t, bob, dms[1], actionMailUndo)
	mustContain(t, h.ephemeralText(t, url), "not yours")
	url = h.click(t, alice, dms[1], actionMailUndo)
	mustContain(t, h.ephemeralText(t, url), "Undone")
	if e := h.status(t, omar.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Errorf("after undo omar is %s, want active", e.Status)
	}

	// The report: Rita's reply counts, Dana's undone one does not, Omar's auto-reply is counted
	// apart and never as a reply, Bea's bounce is a bounce.
	rep, err := h.store.Report(h.ctx, now.Add(-time.Hour), h.clock.Now().Add(time.Hour), h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tm := rep.Period.Team; tm.Replies != 1 || tm.OutOfOffice != 1 || tm.Bounces != 1 || tm.OptOuts != 1 {
		t.Errorf("report: replies %d, out of office %d, bounces %d, opt-outs %d; want 1 each", tm.Replies, tm.OutOfOffice, tm.Bounces, tm.OptOuts)
	}

	// The referral: one click enrolls Jane in the same cadence.
	url = h.click(t, alice, dms[4], actionMailRefer)
	mustContain(t, h.ephemeralText(t, url), "Enrolled")
	jane, err := h.store.ContactByEmail(h.ctx, "jane.roe@acme.com")
	if err != nil {
		t.Fatalf("jane not enrolled: %v", err)
	}
	vs, _ := h.store.ListEnrollments(h.ctx, alice, cadence.StatusActive)
	found := false
	for _, v := range vs {
		found = found || (v.Contact.ID == jane.ID && v.Enrollment.CadenceID == "demo")
	}
	if !found {
		t.Error("jane has no running demo follow-up")
	}
}

// TestMailboxWithoutAddress: a rep whose Slack profile has no email and who set no mailbox is
// reported to the admins, with what to do.
func TestMailboxWithoutAddress(t *testing.T) {
	h := newMailHarness(t)
	h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	h.poll(t)
	ms := h.waitDM(t, admin, 1)
	mustContain(t, ms[0].Text, "users:read.email", "settings mailbox=")
}

// TestMailboxErrorReportedOnce: a mailbox whose delegation was revoked is reported to the admins
// once, with what to fix, and the rest of the bot goes on.
func TestMailboxErrorReportedOnce(t *testing.T) {
	h := newMailHarness(t)
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	h.gmail.Revoke("alice@ourco.com")
	h.poll(t)
	h.poll(t)
	ms := h.waitDM(t, admin, 1)
	if len(ms) != 1 {
		t.Fatalf("%d reports to the admin, want 1", len(ms))
	}
	mustContain(t, ms[0].Text, "cannot read", "alice@ourco.com", "Domain-wide delegation", "gmail.readonly")
	mustContain(t, h.slash(t, alice, "list"), "Dana Lee")
}

// failingClassifier is a model that always fails.
type failingClassifier struct{}

func (failingClassifier) Classify(context.Context, classify.Message) (classify.Result, error) {
	return classify.Result{}, errors.New("model unavailable")
}

// TestMailFallsBackToRules: when the model classifier fails, the rules decide.
func TestMailFallsBackToRules(t *testing.T) {
	h := newMailHarness(t, func(c *Config) { c.Classifier = failingClassifier{} })
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	h.gmail.Add("alice@ourco.com", mailRaw("Dana Lee <dana@acme.com>", "Re: demo", "Please unsubscribe me."), h.clock.Now().Add(time.Hour))
	h.poll(t)
	if e := h.status(t, dana.Enrollment.ID); e.StopReason != cadence.StopOptedOut {
		t.Errorf("dana: %s %s, want opted out by the rules", e.Status, e.StopReason)
	}
}

// TestMailGraphDeltaExpired reads a Microsoft 365 mailbox through the real Graph client and the
// fake Graph: when the delta link expires (410 Gone), the read starts over from the newest message
// seen, acts on the new message, and does not act on the old one again.
func TestMailGraphDeltaExpired(t *testing.T) {
	fg := mailboxtest.NewGraph(t)
	r, err := mailbox.NewGraph(mailbox.GraphConfig{Tenant: fg.Tenant, ClientID: fg.ClientID, ClientSecret: fg.Secret,
		APIURL: fg.APIURL, LoginURL: fg.LoginURL})
	if err != nil {
		t.Fatal(err)
	}
	h := &mailHarness{harness: newHarness(t, func(c *Config) { c.Mail = r; c.MailPoll = time.Hour })}
	if err := h.clock.BlockUntilContext(h.ctx, 2); err != nil {
		t.Fatal(err)
	}
	h.slash(t, alice, "settings mailbox=alice@contoso.com")
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	omar := h.enrollAs(t, alice, "Omar Diaz", "omar@acme.com")
	now := h.clock.Now()
	box := "alice@contoso.com"
	fg.Add(box, mailRaw("Dana Lee <dana@acme.com>", "Re: demo", "Sounds good."), now.Add(time.Hour))
	h.poll(t)
	if e := h.status(t, dana.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Fatalf("dana: %s, want replied", e.StopReason)
	}
	mb, _ := h.store.Mailbox(h.ctx, alice)
	if mb.Provider != "graph" || !strings.Contains(mb.Cursor, "deltatoken") {
		t.Fatalf("saved position %+v; want a Graph delta link", mb)
	}
	fg.ExpireDeltas()
	fg.Add(box, mailRaw("Omar Diaz <omar@acme.com>", "Out of Office", "I am on vacation.", "Auto-Submitted: auto-replied"), now.Add(2*time.Hour))
	h.poll(t)
	if e := h.status(t, omar.Enrollment.ID); e.Status != cadence.StatusPaused {
		t.Errorf("omar: %s, want paused", e.Status)
	}
	if n := len(h.dms(alice)); n != 2 {
		t.Errorf("%d DMs, want 2: Dana's reply was not acted on again after the restart", n)
	}
	gone := 0
	for _, r := range fg.Requests() {
		if strings.Contains(r, "/delta") {
			gone++
		}
	}
	if gone < 3 {
		t.Errorf("%d delta requests, want the first read, the expired one and the restart", gone)
	}
}

// TestMailPendingActedAfterCrash: a message kept but not acted on (the bot stopped in between) is
// acted on at the next poll, once.
func TestMailPendingActedAfterCrash(t *testing.T) {
	h := newMailHarness(t)
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	now := h.clock.Now()
	if _, first, err := h.store.RecordMail(h.ctx, cadence.MailSeen{Rep: alice, Provider: "gmail", MessageID: "m-crash",
		EnrollmentID: dana.Enrollment.ID, ContactID: dana.Contact.ID, Sender: "dana@acme.com", Kind: "reply",
		Reason: "a message from the contact", Snippet: "Yes please", ReceivedAt: now, SeenAt: now}); err != nil || !first {
		t.Fatal(first, err)
	}
	h.poll(t)
	h.poll(t)
	if e := h.status(t, dana.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("dana: %s, want replied", e.StopReason)
	}
	if ms := h.dms(alice); len(ms) != 1 {
		t.Errorf("%d DMs, want 1", len(ms))
	} else if !strings.Contains(blockText(ms[0].Blocks), "Yes please") {
		t.Errorf("DM %s does not quote the reply", ms[0].Blocks)
	}
	if pend, _ := h.store.PendingMail(h.ctx); len(pend) != 0 {
		t.Errorf("%d messages still pending", len(pend))
	}
}

// TestMailQuotaWaitsForNextPoll: a 429 from Gmail ends that mailbox's read without acting or
// alarming anyone; the mailbox is not asked again before the 429's Retry-After, and the next poll
// after it reads the message.
func TestMailQuotaWaitsForNextPoll(t *testing.T) {
	h := newMailHarness(t)
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	h.gmail.Add("alice@ourco.com", mailRaw("Dana Lee <dana@acme.com>", "Re: demo", "Yes."), h.clock.Now().Add(time.Hour))
	h.gmail.FailNext(429)
	h.poll(t)
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Fatalf("dana: %s after a 429, want still active", e.Status)
	}
	if n := len(h.dms(admin)); n != 0 {
		t.Errorf("%d DMs to the admin about a 429, want none", n)
	}
	// The fake's 429 says Retry-After: 1. A poll before that second has passed asks nothing.
	asked := len(h.gmail.Requests())
	h.poll(t)
	if n := len(h.gmail.Requests()); n != asked {
		t.Errorf("%d requests to Gmail within its Retry-After, want none", n-asked)
	}
	h.clock.Advance(time.Second)
	h.poll(t)
	if e := h.status(t, dana.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("dana: %s after the next poll, want replied", e.StopReason)
	}
}
