package store

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func TestEnrollStoresEverything(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, dana(), "U1", t0.Add(time.Hour))
	if !regexp.MustCompile(`^[a-z2-7]{6}$`).MatchString(v.Enrollment.ID) {
		t.Errorf("enrollment id %q is not 6 lowercase base32 characters", v.Enrollment.ID)
	}
	e := v.Enrollment
	if e.Owner != "U1" || e.CadenceID != "demo" || e.Status != cadence.StatusActive || !e.TriggerAt.Equal(t0) ||
		!e.CreatedAt.Equal(t0) || e.Note != "cares about response time" || e.ContactID != v.Contact.ID {
		t.Errorf("enrollment = %+v", e)
	}
	if v.Contact.Name != "Dana Lee" || v.Contact.Email != "dana@example.com" || v.Contact.ID == 0 {
		t.Errorf("contact = %+v", v.Contact)
	}
	if v.Open == nil || v.Open.State != cadence.TouchPending || !v.Open.Due.Equal(t0.Add(time.Hour)) || v.Open.Step != 0 {
		t.Fatalf("open touchpoint = %+v", v.Open)
	}
	got, err := db.Enrollment(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enrollment != e || got.Contact != v.Contact || *got.Open != *v.Open {
		t.Errorf("Enrollment() = %+v, want %+v", got, v)
	}
	evs, err := db.Events(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := cadence.Event{ID: evs[0].ID, At: t0, EnrollmentID: e.ID, ContactID: v.Contact.ID, CadenceID: "demo",
		Step: -1, Rep: "U1", Actor: "U1", Kind: "enrolled"}
	if len(evs) != 1 || evs[0] != want {
		t.Errorf("events = %+v, want [%+v]", evs, want)
	}
	_, err = db.Enrollment(ctx, "nope42")
	if ce := wantCode(t, err, cadence.ENOTFOUND); ce.Message != `There is no follow-up with id "nope42".` {
		t.Errorf("message = %q", ce.Message)
	}
	wantCode(t, errOnly(db.Touchpoints(ctx, "nope42")), cadence.ENOTFOUND)
	wantCode(t, errOnly(db.Events(ctx, "nope42")), cadence.ENOTFOUND)
	wantCode(t, errOnly(db.Signals(ctx, "nope42")), cadence.ENOTFOUND)
	wantCode(t, errOnly(db.ContactByEmail(ctx, "nobody@example.com")), cadence.ENOTFOUND)
	wantCode(t, errOnly(db.ContactByID(ctx, 999)), cadence.ENOTFOUND)
	wantCode(t, errOnly(db.Touchpoint(ctx, 999)), cadence.ENOTFOUND)
}

func errOnly[T any](_ T, err error) error { return err }

// finish completes a follow-up so its contact can be enrolled again.
func finish(tb testing.TB, db *DB, id string) {
	tb.Helper()
	_, err := db.Update(context.Background(), id, func(v cadence.EnrollmentView) (cadence.Change, error) {
		e := v.Enrollment
		e.Status, e.StopReason, e.EndedAt, e.UpdatedAt = cadence.StatusCompleted, cadence.StopReplied, t0, t0
		return cadence.Change{Enrollment: e, Close: cadence.TouchDone, Outcome: cadence.OutcomeReplied,
			Event: cadence.Event{Kind: string(cadence.OutcomeReplied), Actor: e.Owner}}, nil
	})
	if err != nil {
		tb.Fatalf("finish %s: %v", id, err)
	}
}

func TestEnrollFindsContactAgain(t *testing.T) {
	first := cadence.Contact{Name: "Dana Lee", Email: "dana@example.com", Phone: "+4930123456",
		LinkedIn: "https://www.linkedin.com/in/danalee", Company: "Acme"}
	for _, tc := range []struct {
		name  string
		again cadence.Contact
	}{
		{"email", cadence.Contact{Email: "dana@example.com", Role: "CTO"}},
		{"phone", cadence.Contact{Phone: "+4930123456", Role: "CTO"}},
		{"linkedin", cadence.Contact{LinkedIn: "https://www.linkedin.com/in/danalee", Role: "CTO"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t)
			a := mustEnroll(t, db, first, "U1", t0)
			finish(t, db, a.Enrollment.ID)
			b := mustEnroll(t, db, tc.again, "U2", t0)
			if b.Contact.ID != a.Contact.ID {
				t.Fatalf("second enrollment made contact %d, want the existing %d", b.Contact.ID, a.Contact.ID)
			}
			want := first
			want.ID, want.Role = a.Contact.ID, "CTO" // filled in; nothing blanked
			if b.Contact != want {
				t.Errorf("contact = %+v, want %+v", b.Contact, want)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 1 {
				t.Errorf("%d contacts, want 1", n)
			}
			if _, err := db.ContactByEmail(ctx, "dana@example.com"); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestEnrollFillsOnlyFreeIdentifiers(t *testing.T) {
	db := mustOpen(t)
	a := mustEnroll(t, db, cadence.Contact{Name: "Dana", Email: "dana@example.com"}, "U1", t0)
	b := mustEnroll(t, db, cadence.Contact{Name: "Other", Phone: "+15550001"}, "U1", t0)
	finish(t, db, a.Enrollment.ID)
	finish(t, db, b.Enrollment.ID)
	// The email finds Dana; the phone belongs to another contact and stays there.
	v := mustEnroll(t, db, cadence.Contact{Email: "dana@example.com", Phone: "+15550001", LinkedIn: "li/dana"}, "U1", t0)
	if v.Contact.ID != a.Contact.ID || v.Contact.Phone != "" || v.Contact.LinkedIn != "li/dana" || v.Contact.Name != "Dana" {
		t.Errorf("contact = %+v", v.Contact)
	}
}

func TestEnrollRefusesOptedOut(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	a := mustEnroll(t, db, dana(), "U1", t0)
	if _, err := db.OptOut(ctx, a.Contact.ID, "asked to stop", "U1", t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []cadence.Contact{dana(), {Name: "D. Lee", Email: "dana@example.com"}} {
		_, err := db.Enroll(ctx, c, enrollChange("U2", t0), t0.Add(24*time.Hour))
		ce := wantCode(t, err, cadence.EOPTEDOUT)
		if want := "Dana Lee opted out on 3 Mar 2026 (reason: asked to stop); they will not be contacted again."; ce.Message != want {
			t.Errorf("message = %q\nwant      %q", ce.Message, want)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM enrollments`); n != 1 {
		t.Errorf("%d follow-ups, want 1", n)
	}
}

func TestEnrollRefusesRunningElsewhere(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	a := mustEnroll(t, db, dana(), "U123", t0)
	want := fmt.Sprintf("Dana Lee is already in follow-up %s (demo) with <@U123>.", a.Enrollment.ID)
	_, err := db.Enroll(ctx, cadence.Contact{Email: "dana@example.com"}, enrollChange("U9", t0), t0)
	if ce := wantCode(t, err, cadence.ECONFLICT); ce.Message != want {
		t.Errorf("message = %q\nwant      %q", ce.Message, want)
	}
	// Paused counts as running too.
	if _, err := db.MarkRepGone(ctx, "U123", t0); err != nil {
		t.Fatal(err)
	}
	_, err = db.Enroll(ctx, dana(), enrollChange("U9", t0), t0)
	if ce := wantCode(t, err, cadence.ECONFLICT); ce.Message != want {
		t.Errorf("message = %q\nwant      %q", ce.Message, want)
	}
}

func TestEnrollWritesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	taken := enrollChange("U1", t0)
	taken.Enrollment.ID = "taken1"
	if _, err := db.Enroll(ctx, cadence.Contact{Name: "First", Email: "first@example.com"}, taken, t0); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*cadence.Change){
		"touchpoint without due time": func(ch *cadence.Change) { ch.Next.Due = time.Time{} },
		"duplicate enrollment id":     func(ch *cadence.Change) { ch.Enrollment.ID = "taken1" },
	} {
		ch := enrollChange("U1", t0)
		mutate(&ch)
		if _, err := db.Enroll(ctx, cadence.Contact{Name: "New", Email: "new@example.com"}, ch, t0); err == nil {
			t.Fatalf("%s: Enroll succeeded", name)
		}
		for table, want := range map[string]int{"contacts": 1, "enrollments": 1, "touchpoints": 1, "events": 1} {
			if n := count(t, db, `SELECT COUNT(*) FROM `+table); n != want {
				t.Errorf("%s: %d rows in %s after a failed Enroll, want %d", name, n, table, want)
			}
		}
	}
	_, err := db.Enroll(ctx, cadence.Contact{}, enrollChange("U1", t0), t0)
	wantCode(t, err, cadence.EINVALID)
}

// TestEnrollNormalizesIdentifiers: the same person typed differently is one contact.
func TestEnrollNormalizesIdentifiers(t *testing.T) {
	db := mustOpen(t)
	a := mustEnroll(t, db, cadence.Contact{Name: "Dana", Email: " Dana@Example.COM ", Phone: "+1 (415) 555-0123",
		LinkedIn: "uk.linkedin.com/in/Dana-Lee/?trk=x"}, "U1", t0)
	if c := a.Contact; c.Email != "dana@example.com" || c.Phone != "+14155550123" || c.LinkedIn != "https://www.linkedin.com/in/dana-lee" {
		t.Fatalf("stored contact = %+v, want normalized identifiers", c)
	}
	finish(t, db, a.Enrollment.ID)
	for _, again := range []cadence.Contact{
		{Email: "DANA@example.com"},
		{Phone: "001 415 555 0123"},
		{LinkedIn: "https://www.linkedin.com/in/DANA-LEE"},
	} {
		v := mustEnroll(t, db, again, "U2", t0)
		if v.Contact.ID != a.Contact.ID {
			t.Errorf("%+v made contact %d, want the existing %d", again, v.Contact.ID, a.Contact.ID)
		}
		finish(t, db, v.Enrollment.ID)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 1 {
		t.Errorf("%d contacts, want 1", n)
	}
}
