package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// TestMailOptOutUndo: a message read as an opt-out ("remove me from the list of people on this
// deal" is one the rules cannot tell from a real one) says why and offers Undo; only the owner (or an admin)
// may click it, and it takes back only what that message did: the contact may be contacted again,
// the follow-up it stopped runs again at its step with its touch open, both logged; the report no
// longer counts the opt-out; a second click changes nothing.
func TestMailOptOutUndo(t *testing.T) {
	h := newMailHarness(t)
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	otto := h.enrollAs(t, alice, "Otto Kern", "otto@acme.com")
	now := h.clock.Now()
	h.gmail.Add("alice@ourco.com", mailRaw("Otto Kern <otto@acme.com>", "Re: demo",
		"Please remove me from the list of people on this deal - my colleague jane@acme.com runs the project now."), now.Add(time.Hour))
	h.poll(t)
	if e := h.status(t, otto.Enrollment.ID); e.StopReason != cadence.StopOptedOut {
		t.Fatalf("otto: %s %s, want stopped as opted out", e.Status, e.StopReason)
	}
	dms := h.waitDM(t, alice, 1)
	text := dms[0].Text + blockText(dms[0].Blocks)
	mustContain(t, text, "asked not to be contacted again", "Why: it says “remove me”", "*Undo* takes the opt-out back")
	if !strings.Contains(string(dms[0].Blocks), actionMailUndo) {
		t.Fatalf("the opt-out DM has no Undo button: %s", dms[0].Blocks)
	}

	mustContain(t, h.ephemeralText(t, h.click(t, bob, dms[0], actionMailUndo)), "not yours")
	if c, _ := h.store.ContactByEmail(h.ctx, "otto@acme.com"); !c.DoNotContact {
		t.Fatal("bob's click undid alice's opt-out")
	}
	mustContain(t, h.ephemeralText(t, h.click(t, alice, dms[0], actionMailUndo)), "Undone", "no longer marked do-not-contact", otto.Enrollment.ID)
	c, err := h.store.ContactByEmail(h.ctx, "otto@acme.com")
	if err != nil || c.DoNotContact || c.DNCReason != "" {
		t.Fatalf("after undo otto = %+v, %v; want contactable", c, err)
	}
	v, err := h.store.Enrollment(h.ctx, otto.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e := v.Enrollment; e.Status != cadence.StatusActive || e.StopReason != "" || e.Step != otto.Enrollment.Step || !e.EndedAt.IsZero() {
		t.Errorf("after undo the follow-up is %+v; want active at step %d", e, otto.Enrollment.Step)
	}
	if v.Open == nil || v.Open.ID != otto.Open.ID || v.Open.State != cadence.TouchPending {
		t.Errorf("after undo the open touch is %+v; want touch %d pending again", v.Open, otto.Open.ID)
	}
	evs, err := h.store.Events(h.ctx, otto.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := ""
	for _, ev := range evs {
		kinds += ev.Kind + " "
	}
	mustContain(t, kinds, "stopped", cadence.EventReopened)
	rep, err := h.store.Report(h.ctx, now.Add(-time.Hour), h.clock.Now().Add(time.Hour), h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Period.Team.OptOuts; n != 0 {
		t.Errorf("report counts %d opt-outs after the undo, want 0", n)
	}
	mustContain(t, h.ephemeralText(t, h.click(t, alice, dms[0], actionMailUndo)), "already undone")
	// Otto can be written to again: the next poll reads him as before.
	h.gmail.Add("alice@ourco.com", mailRaw("Otto Kern <otto@acme.com>", "Re: demo", "Thanks, Jane will be in touch."), h.clock.Now().Add(time.Hour))
	h.poll(t)
	if e := h.status(t, otto.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("otto after a later reply: %s %s, want replied", e.Status, e.StopReason)
	}
}

// TestMailBadInputNoWrongStop reads, through the real Gmail client, the messages that must not
// stop anyone: a reply sent before the follow-up started, a lookalike or display-name-only sender
// saying "unsubscribe", a bounce of a colleague whose returned copy names the contact, an
// auto-reply whose footer says "unsubscribe", a reply with a newsletter footer, and an
// out-of-office "back on" a date already past.
func TestMailBadInputNoWrongStop(t *testing.T) {
	h := newMailHarness(t)
	h.slash(t, alice, "settings mailbox=alice@ourco.com")
	now := h.clock.Now()
	box := "alice@ourco.com"
	h.gmail.Add(box, mailRaw("Dana Lee <dana@acme.com>", "Re: demo", "Sure, thanks."), now.Add(-time.Hour))
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	omar := h.enrollAs(t, alice, "Omar Diaz", "omar@acme.com")
	bea := h.enrollAs(t, alice, "Bea Lund", "bea@acme.com")
	otto := h.enrollAs(t, alice, "Otto Kern", "otto@acme.com")
	rita := h.enrollAs(t, alice, "Rita Moss", "rita@acme.com")
	h.gmail.Add(box, mailRaw("Dana Lee <dana@acme.com.evil.io>", "Re: demo", "Unsubscribe me now."), now.Add(time.Hour))
	h.gmail.Add(box, mailRaw(`"Dana Lee <dana@acme.com>"`, "Re: demo", "Stop emailing me."), now.Add(time.Hour))
	h.gmail.Add(box, mailRaw("Omar Diaz <omar@acme.com>", "Out of office", "I am out of the office, back on 2 February 2026.",
		"Auto-Submitted: auto-replied"), now.Add(2*time.Hour))
	h.gmail.Add(box, mailRaw("Mail Delivery System <MAILER-DAEMON@mx.ourco.com>", "Mail delivery failed: returning message to sender",
		"The following address(es) failed:\n  carol@acme.com\n    550 5.1.1 User unknown\nStatus: 5.1.1\n\n------ This is a copy of the message, including all the headers. ------\nTo: bea@acme.com\nCc: carol@acme.com",
		"X-Failed-Recipients: carol@acme.com"), now.Add(3*time.Hour))
	h.gmail.Add(box, mailRaw("Otto Kern <otto@acme.com>", "Automatic reply: demo", "I am away until 20 March 2026.\n\nAcme news - to unsubscribe from our newsletter click here.",
		"Auto-Submitted: auto-replied"), now.Add(4*time.Hour))
	h.gmail.Add(box, mailRaw("Rita Moss <rita@acme.com>", "Re: demo", "Sounds good, send the contract.\n\n-- \nRita Moss, Acme\nYou are receiving this because you subscribed to Acme news. Unsubscribe | Manage preferences"), now.Add(5*time.Hour))
	h.poll(t)

	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Errorf("dana: %s %s, want active (her reply predates the follow-up; the others are forged)", e.Status, e.StopReason)
	}
	if c, _ := h.store.ContactByEmail(h.ctx, "dana@acme.com"); c.DoNotContact {
		t.Error("a forged sender opted dana out")
	}
	e := h.status(t, omar.Enrollment.ID)
	if e.Status != cadence.StatusPaused || e.PausedUntil.Sub(h.clock.Now()) < 13*24*time.Hour {
		t.Errorf("omar: %s until %s, want paused about 14 days (the return date named is past)", e.Status, e.PausedUntil)
	}
	if e := h.status(t, bea.Enrollment.ID); e.Status != cadence.StatusActive {
		t.Errorf("bea: %s %s, want active (the bounce was carol's)", e.Status, e.StopReason)
	}
	if e := h.status(t, otto.Enrollment.ID); e.Status != cadence.StatusPaused {
		t.Errorf("otto: %s %s, want paused (an auto-reply, whatever its footer says)", e.Status, e.StopReason)
	}
	if e := h.status(t, rita.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("rita: %s %s, want replied (the unsubscribe is her newsletter footer's)", e.Status, e.StopReason)
	}
	for _, addr := range []string{"otto@acme.com", "rita@acme.com", "bea@acme.com"} {
		if c, _ := h.store.ContactByEmail(h.ctx, addr); c.DoNotContact {
			t.Errorf("%s was opted out", addr)
		}
	}
	if n := len(h.dms(alice)); n != 3 {
		t.Errorf("%d DMs to alice, want 3 (omar, otto, rita)", n)
	}
	// A message Gmail put in spam (read from the history, which lists spam too) is never acted on,
	// even with the contact's very address in its From.
	h.gmail.AddLabeled(box, mailRaw("Dana Lee <dana@acme.com>", "Re: demo", "Remove me from your list."), h.clock.Now().Add(time.Hour), "SPAM")
	h.poll(t)
	if c, _ := h.store.ContactByEmail(h.ctx, "dana@acme.com"); c.DoNotContact {
		t.Error("a message in spam opted dana out")
	}
}
