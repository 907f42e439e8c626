package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func TestMailboxCursorAndErrors(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	mb, err := db.Mailbox(ctx, "U1")
	if err != nil || mb.Cursor != "" || mb.Address != "" {
		t.Fatalf("a new rep's mailbox = %+v, %v; want empty", mb, err)
	}
	wantCode(t, db.SetMailbox(ctx, "U1", "not an address"), cadence.EINVALID)
	if err := db.SetMailbox(ctx, "U1", "Ana@Ourco.com"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveMailCursor(ctx, "U1", "gmail", "ana@ourco.com", "1234", t0); err != nil {
		t.Fatal(err)
	}
	// An older seen time never moves the position back.
	if err := db.SaveMailCursor(ctx, "U1", "gmail", "ana@ourco.com", "1240", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	mb, _ = db.Mailbox(ctx, "U1")
	if mb.Address != "ana@ourco.com" || mb.Cursor != "1240" || mb.Provider != "gmail" || !mb.SeenUntil.Equal(t0) {
		t.Fatalf("mailbox = %+v", mb)
	}
	tell, err := db.MailError(ctx, "U1", "403 delegation revoked", t0)
	if err != nil || !tell {
		t.Fatalf("first error: tell=%v err=%v; want told", tell, err)
	}
	if tell, _ := db.MailError(ctx, "U1", "403 delegation revoked", t0.Add(23*time.Hour)); tell {
		t.Fatal("the same error was told again within a day")
	}
	if tell, _ := db.MailError(ctx, "U1", "403 delegation revoked", t0.Add(24*time.Hour)); !tell {
		t.Fatal("the same error was not told again after a day")
	}
	if tell, _ := db.MailError(ctx, "U1", "401 wrong tenant", t0.Add(25*time.Hour)); !tell {
		t.Fatal("a new error was not told at once")
	}
	if err := db.SaveMailCursor(ctx, "U1", "gmail", "ana@ourco.com", "1250", t0); err != nil {
		t.Fatal(err)
	}
	if mb, _ := db.Mailbox(ctx, "U1"); mb.Error != "" {
		t.Fatalf("a good read left the error %q", mb.Error)
	}
}

func TestRecordMailOnceAndUndo(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	m := cadence.MailSeen{Rep: "U1", Provider: "gmail", MessageID: "m1", EnrollmentID: "e1", ContactID: 7,
		Sender: "bob@acme.com", Kind: "reply", Snippet: strings.Repeat("x", 400), ReceivedAt: t0, SeenAt: t0}
	got, first, err := db.RecordMail(ctx, m)
	if err != nil || !first {
		t.Fatalf("first RecordMail: first=%v err=%v", first, err)
	}
	if n := len([]rune(got.Snippet)); n != 280 {
		t.Fatalf("snippet kept %d characters, want 280", n)
	}
	again, first, err := db.RecordMail(ctx, m)
	if err != nil || first || again.ID != got.ID {
		t.Fatalf("second RecordMail: first=%v id=%d (want %d) err=%v", first, again.ID, got.ID, err)
	}
	pend, err := db.PendingMail(ctx)
	if err != nil || len(pend) != 1 {
		t.Fatalf("pending = %d, %v; want 1", len(pend), err)
	}
	if err := db.MailActed(ctx, got.ID, "completed as replied", cadence.StatusActive, 1, t0, t0); err != nil {
		t.Fatal(err)
	}
	if pend, _ := db.PendingMail(ctx); len(pend) != 0 {
		t.Fatalf("pending after acting = %d", len(pend))
	}
	seen, err := db.MailSeen(ctx, got.ID)
	if err != nil || seen.PriorStep != 1 || seen.PriorStatus != cadence.StatusActive || seen.Action == "" {
		t.Fatalf("MailSeen = %+v, %v", seen, err)
	}
	if err := db.MailUndone(ctx, got.ID, "U1", t0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.MailUndone(ctx, got.ID, "U1", t0), cadence.ECONFLICT)
	wantCode(t, db.MailUndone(ctx, 999, "U1", t0), cadence.ENOTFOUND)
	_, err = db.MailSeen(ctx, 999)
	wantCode(t, err, cadence.ENOTFOUND)
}

// TestUndoMailOptOut: the undo takes back the mark and the stop that message made, and refuses
// when the contact's mark is someone else's (opted out before the message was read).
func TestUndoMailOptOut(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, cadence.Contact{Name: "Bob", Email: "bob@acme.com"}, "U1", t0.Add(time.Hour))
	seen := t0.Add(time.Minute)
	m, _, err := db.RecordMail(ctx, cadence.MailSeen{Rep: "U1", Provider: "gmail", MessageID: "m1", EnrollmentID: v.Enrollment.ID,
		ContactID: v.Contact.ID, Sender: "bob@acme.com", Kind: "opt_out", ReceivedAt: t0, SeenAt: seen})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, func() error { _, err := db.UndoMailOptOut(ctx, m.ID, "U1", seen); return err }(), cadence.ECONFLICT) // not acted on yet
	if _, err := db.OptOut(ctx, v.Contact.ID, "asked by email", "bot", seen); err != nil {
		t.Fatal(err)
	}
	if err := db.MailActed(ctx, m.ID, "recorded an opt-out", "", 0, time.Time{}, seen); err != nil {
		t.Fatal(err)
	}
	back, err := db.UndoMailOptOut(ctx, m.ID, "U1", seen.Add(time.Hour))
	if err != nil || len(back) != 1 || back[0].Enrollment.Status != cadence.StatusActive || back[0].Open == nil ||
		back[0].Open.State != cadence.TouchPending || back[0].Contact.DoNotContact {
		t.Fatalf("undo = %+v, %v; want the follow-up active with its touch pending and the contact contactable", back, err)
	}
	wantCode(t, func() error { _, err := db.UndoMailOptOut(ctx, m.ID, "U1", seen.Add(time.Hour)); return err }(), cadence.ECONFLICT)

	// Opted out by a rep first: a later mail opt-out made no mark, so it has none to take back.
	v2 := mustEnroll(t, db, cadence.Contact{Name: "Cy", Email: "cy@acme.com"}, "U1", t0.Add(time.Hour))
	if _, err := db.OptOut(ctx, v2.Contact.ID, "asked on the phone", "U1", seen); err != nil {
		t.Fatal(err)
	}
	m2, _, _ := db.RecordMail(ctx, cadence.MailSeen{Rep: "U1", Provider: "gmail", MessageID: "m2", EnrollmentID: v2.Enrollment.ID,
		ContactID: v2.Contact.ID, Sender: "cy@acme.com", Kind: "opt_out", ReceivedAt: t0, SeenAt: seen.Add(time.Minute)})
	if _, err := db.OptOut(ctx, v2.Contact.ID, "asked by email", "bot", seen.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.MailActed(ctx, m2.ID, "recorded an opt-out", "", 0, time.Time{}, seen.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, func() error { _, err := db.UndoMailOptOut(ctx, m2.ID, "U1", seen.Add(time.Hour)); return err }(), cadence.ECONFLICT)
	if c, _ := db.ContactByEmail(ctx, "cy@acme.com"); !c.DoNotContact {
		t.Fatal("the rep's own opt-out was taken back")
	}
}
