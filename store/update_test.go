package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func TestUpdatePersistsEachKindOfChange(t *testing.T) {
	later := t0.Add(48 * time.Hour)
	for _, tc := range []struct {
		name   string
		change func(v cadence.EnrollmentView) cadence.Change
		check  func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult)
	}{
		{
			name: "sent: close done and open the next step",
			change: func(v cadence.EnrollmentView) cadence.Change {
				e := v.Enrollment
				e.Step, e.UpdatedAt = 1, t0
				return cadence.Change{Enrollment: e, Close: cadence.TouchDone, Outcome: cadence.OutcomeSent,
					Next: &cadence.Touchpoint{Step: 1, Due: later}, Event: cadence.Event{Kind: "sent", Actor: "U1"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				if res.View.Enrollment.Step != 1 || res.View.Open == nil || res.View.Open.Step != 1 || !res.View.Open.Due.Equal(later) {
					t.Errorf("view = %+v, open %+v", res.View.Enrollment, res.View.Open)
				}
				c := res.ClosedTouch
				if c == nil || c.ID != before.Open.ID || c.State != cadence.TouchDone || c.Outcome != cadence.OutcomeSent ||
					!c.DoneAt.Equal(t0) || c.DoneBy != "U1" || c.DMChannel != "D1" || c.DMTS != "1.5" {
					t.Errorf("closed touch = %+v", c)
				}
				ts, _ := db.Touchpoints(context.Background(), before.Enrollment.ID)
				if len(ts) != 2 || ts[0] != *c || ts[1] != *res.View.Open {
					t.Errorf("touchpoints = %+v", ts)
				}
			},
		},
		{
			name: "snooze: move the open touch, pending again",
			change: func(v cadence.EnrollmentView) cadence.Change {
				return cadence.Change{Enrollment: v.Enrollment, MoveTo: later, Event: cadence.Event{Kind: "snoozed", Actor: "U1"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				o := res.View.Open
				if o == nil || o.ID != before.Open.ID || !o.Due.Equal(later) || o.State != cadence.TouchPending || !o.LeaseUntil.IsZero() {
					t.Errorf("open = %+v", o)
				}
				if res.ClosedTouch != nil {
					t.Errorf("closed touch = %+v, want none", res.ClosedTouch)
				}
			},
		},
		{
			name: "pause until a date",
			change: func(v cadence.EnrollmentView) cadence.Change {
				e := v.Enrollment
				e.Status, e.PausedAt, e.PausedUntil = cadence.StatusPaused, t0, later
				return cadence.Change{Enrollment: e, Event: cadence.Event{Kind: "paused", Actor: "U1", Step: -1}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				e := res.View.Enrollment
				if e.Status != cadence.StatusPaused || !e.PausedAt.Equal(t0) || !e.PausedUntil.Equal(later) {
					t.Errorf("enrollment = %+v", e)
				}
				ctx := context.Background()
				if vs, _ := db.PausedDue(ctx, later.Add(-time.Minute)); len(vs) != 0 {
					t.Errorf("PausedDue before the end = %d follow-ups", len(vs))
				}
				if vs, _ := db.PausedDue(ctx, later); len(vs) != 1 || vs[0].Enrollment.ID != e.ID {
					t.Errorf("PausedDue at the end = %+v", vs)
				}
			},
		},
		{
			name: "replied: complete, closing the touch",
			change: func(v cadence.EnrollmentView) cadence.Change {
				e := v.Enrollment
				e.Status, e.StopReason, e.EndedAt = cadence.StatusCompleted, cadence.StopReplied, t0
				return cadence.Change{Enrollment: e, Close: cadence.TouchDone, Outcome: cadence.OutcomeReplied,
					Event: cadence.Event{Kind: "replied", Actor: "U1", Detail: "wants a call"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				e := res.View.Enrollment
				if e.Status != cadence.StatusCompleted || e.StopReason != cadence.StopReplied || !e.EndedAt.Equal(t0) || res.View.Open != nil {
					t.Errorf("view = %+v open %+v", e, res.View.Open)
				}
			},
		},
		{
			name: "stopped without closing: the open touch is cancelled anyway",
			change: func(v cadence.EnrollmentView) cadence.Change {
				e := v.Enrollment
				e.Status, e.StopReason, e.EndedAt = cadence.StatusStopped, cadence.StopManual, t0
				return cadence.Change{Enrollment: e, Event: cadence.Event{Kind: "stopped", Actor: "U1"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				if res.View.Open != nil || res.ClosedTouch == nil || res.ClosedTouch.State != cadence.TouchCancelled {
					t.Errorf("open %+v, closed %+v", res.View.Open, res.ClosedTouch)
				}
			},
		},
		{
			name: "opted out: contact do-not-contact",
			change: func(v cadence.EnrollmentView) cadence.Change {
				e := v.Enrollment
				e.Status, e.StopReason, e.EndedAt = cadence.StatusStopped, cadence.StopOptedOut, t0
				return cadence.Change{Enrollment: e, Close: cadence.TouchDone, Outcome: cadence.OutcomeOptedOut,
					DoNotContact: true, DNCReason: "opted_out", Event: cadence.Event{Kind: "opted_out", Actor: "U1"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				c := res.View.Contact
				if !c.DoNotContact || c.DNCReason != "opted_out" || c.DNCBy != "U1" || !c.DNCAt.Equal(t0) {
					t.Errorf("contact = %+v", c)
				}
				if len(res.Also) != 0 {
					t.Errorf("also stopped %+v", res.Also)
				}
			},
		},
		{
			name: "event only: the enrollment stays as it was",
			change: func(v cadence.EnrollmentView) cadence.Change {
				return cadence.Change{Event: cadence.Event{Kind: "signal", Actor: "U1", Step: -1, Detail: "asked for pricing"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				want := before.Enrollment
				want.UpdatedAt = t0 // db.Now in tests
				if res.View.Enrollment != want || res.View.Open == nil || *res.View.Open != *before.Open {
					t.Errorf("view = %+v, want %+v", res.View.Enrollment, want)
				}
			},
		},
		{
			name: "reassign and change intent",
			change: func(v cadence.EnrollmentView) cadence.Change {
				e := v.Enrollment
				e.Owner, e.Intent, e.Note, e.DecisionDate = "U2", cadence.IntentHot, "new note", later
				return cadence.Change{Enrollment: e, Event: cadence.Event{Kind: "reassigned", Actor: "U9", Detail: "U1"}}
			},
			check: func(t *testing.T, db *DB, before cadence.EnrollmentView, res cadence.UpdateResult) {
				e := res.View.Enrollment
				if e.Owner != "U2" || e.Intent != cadence.IntentHot || e.Note != "new note" || !e.DecisionDate.Equal(later) {
					t.Errorf("enrollment = %+v", e)
				}
				if vs, _ := db.ListEnrollments(context.Background(), "U2"); len(vs) != 1 {
					t.Errorf("U2 has %d follow-ups, want 1", len(vs))
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t)
			v := mustEnroll(t, db, dana(), "U1", t0)
			claims, err := db.Claim(ctx, t0, 1, time.Minute)
			if err != nil || len(claims) != 1 {
				t.Fatalf("Claim = %v, %v", claims, err)
			}
			if err := db.MarkReminded(ctx, claims[0].Touch.ID, 0, "D1", "1.5", t0); err != nil {
				t.Fatal(err)
			}
			before, _ := db.Enrollment(ctx, v.Enrollment.ID)
			var ch cadence.Change
			res, err := db.Update(ctx, v.Enrollment.ID, func(got cadence.EnrollmentView) (cadence.Change, error) {
				if got.Open == nil || got.Open.State != cadence.TouchReminded {
					t.Errorf("fn saw open touch %+v, want the reminded one", got.Open)
				}
				ch = tc.change(got)
				return ch, nil
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			tc.check(t, db, before, res)
			evs, err := db.Events(ctx, v.Enrollment.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := evs[len(evs)-1]
			if last.Kind != ch.Event.Kind || last.Actor != ch.Event.Actor || last.ContactID != v.Contact.ID ||
				last.CadenceID != "demo" || last.Rep != res.View.Enrollment.Owner || last.At.IsZero() || last.Detail != ch.Event.Detail {
				t.Errorf("last event = %+v", last)
			}
			if ch.Close != "" && last.Step != before.Open.Step {
				t.Errorf("event step = %d, want the closed touch's %d", last.Step, before.Open.Step)
			}
			stored, err := db.Enrollment(ctx, v.Enrollment.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Enrollment != res.View.Enrollment {
				t.Errorf("stored %+v\nresult %+v", stored.Enrollment, res.View.Enrollment)
			}
		})
	}
}

func TestUpdateWritesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, dana(), "U1", t0)
	snapshot := func() [4]int {
		return [4]int{
			count(t, db, `SELECT COUNT(*) FROM touchpoints`),
			count(t, db, `SELECT COUNT(*) FROM events`),
			count(t, db, `SELECT COUNT(*) FROM enrollments WHERE status = 'active' AND step = 0 AND owner = 'U1'`),
			count(t, db, `SELECT COUNT(*) FROM contacts WHERE dnc = 0`),
		}
	}
	want := snapshot()
	for name, fn := range map[string]func(cadence.EnrollmentView) (cadence.Change, error){
		"coded error from fn": func(v cadence.EnrollmentView) (cadence.Change, error) {
			return cadence.Change{}, cadence.Errorf(cadence.EFORBIDDEN, "not yours")
		},
		"a second open touch": func(v cadence.EnrollmentView) (cadence.Change, error) {
			e := v.Enrollment
			e.Step, e.Owner = 1, "U2"
			return cadence.Change{Enrollment: e, DoNotContact: true, Next: &cadence.Touchpoint{Step: 1, Due: t0},
				Event: cadence.Event{Kind: "sent"}}, nil
		},
		"event without a kind": func(v cadence.EnrollmentView) (cadence.Change, error) {
			e := v.Enrollment
			e.Status, e.Step = cadence.StatusStopped, 2
			return cadence.Change{Enrollment: e, Close: cadence.TouchDone, DoNotContact: true}, nil
		},
		"change for another follow-up": func(v cadence.EnrollmentView) (cadence.Change, error) {
			e := v.Enrollment
			e.ID = "other1"
			return cadence.Change{Enrollment: e, Event: cadence.Event{Kind: "sent"}}, nil
		},
	} {
		_, err := db.Update(ctx, v.Enrollment.ID, fn)
		if err == nil {
			t.Fatalf("%s: Update succeeded", name)
		}
		if name == "coded error from fn" {
			if ce := wantCode(t, err, cadence.EFORBIDDEN); ce.Message != "not yours" {
				t.Errorf("message = %q", ce.Message)
			}
		}
		if got := snapshot(); got != want {
			t.Errorf("%s: counts %v after a failed Update, want %v", name, got, want)
		}
	}
	_, err := db.Update(ctx, "nope42", func(cadence.EnrollmentView) (cadence.Change, error) { return cadence.Change{}, nil })
	wantCode(t, err, cadence.ENOTFOUND)
}

func TestOptOutStopsAnotherRepsFollowUp(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, dana(), "U1", t0)
	claims, err := db.Claim(ctx, t0, 10, time.Minute)
	if err != nil || len(claims) != 1 {
		t.Fatalf("Claim = %v, %v", claims, err)
	}
	if err := db.MarkReminded(ctx, claims[0].Touch.ID, 0, "D1", "111.222", t0); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	res, err := db.OptOut(ctx, v.Contact.ID, "asked to stop", "U2", at)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Contact; !c.DoNotContact || !c.DNCAt.Equal(at) || c.DNCReason != "asked to stop" || c.DNCBy != "U2" {
		t.Errorf("contact = %+v", c)
	}
	if len(res.Stopped) != 1 {
		t.Fatalf("stopped %d follow-ups, want 1", len(res.Stopped))
	}
	s := res.Stopped[0]
	if s.Enrollment.ID != v.Enrollment.ID || s.Enrollment.Status != cadence.StatusStopped || s.Enrollment.StopReason != cadence.StopOptedOut ||
		!s.Enrollment.EndedAt.Equal(at) || s.Enrollment.Owner != "U1" {
		t.Errorf("stopped = %+v", s.Enrollment)
	}
	if s.Open == nil || s.Open.State != cadence.TouchReminded || s.Open.DMChannel != "D1" || s.Open.DMTS != "111.222" {
		t.Errorf("stopped open touch = %+v, want the reminded one with its DM", s.Open)
	}
	ts, _ := db.Touchpoints(ctx, v.Enrollment.ID)
	if len(ts) != 1 || ts[0].State != cadence.TouchCancelled || ts[0].DMChannel != "D1" || ts[0].DMTS != "111.222" {
		t.Errorf("touchpoints = %+v", ts)
	}
	evs, _ := db.Events(ctx, v.Enrollment.ID)
	if last := evs[len(evs)-1]; last.Kind != "stopped" || last.Detail != "opted_out" || last.Actor != "U2" || last.Rep != "U1" {
		t.Errorf("last event = %+v", last)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events WHERE kind = 'opted_out' AND contact_id = ? AND enrollment_id = ''`, v.Contact.ID); n != 1 {
		t.Errorf("%d contact opt-out events, want 1", n)
	}
	if claims, _ := db.Claim(ctx, at.Add(time.Hour), 10, time.Minute); len(claims) != 0 {
		t.Errorf("claimed %d touches of an opted-out contact", len(claims))
	}

	// Again: the first date and reason stay, nothing more is stopped or logged.
	again, err := db.OptOut(ctx, v.Contact.ID, "complained", "U3", at.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.Contact != res.Contact || len(again.Stopped) != 0 {
		t.Errorf("second OptOut = %+v", again)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != 4 { // enrolled, reminded, stopped, opted_out
		t.Errorf("%d events, want 4", n)
	}
	_, err = db.OptOut(ctx, 999, "", "U1", at)
	wantCode(t, err, cadence.ENOTFOUND)
}

func TestListDueAndSignals(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	late := mustEnroll(t, db, cadence.Contact{Name: "Late", Email: "late@example.com"}, "U1", t0.Add(2*time.Hour))
	soon := mustEnroll(t, db, cadence.Contact{Name: "Soon", Email: "soon@example.com"}, "U1", t0.Add(-time.Hour))
	mustEnroll(t, db, cadence.Contact{Name: "Other", Email: "other@example.com"}, "U2", t0)
	done := mustEnroll(t, db, cadence.Contact{Name: "Done", Email: "done@example.com"}, "U1", t0)
	finish(t, db, done.Enrollment.ID)

	vs, err := db.ListEnrollments(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if ids := viewIDs(vs); len(ids) != 3 || ids[0] != soon.Enrollment.ID || ids[1] != late.Enrollment.ID || ids[2] != done.Enrollment.ID {
		t.Errorf("ListEnrollments(U1) = %v, want soon, late, done", ids)
	}
	vs, _ = db.ListEnrollments(ctx, "U1", cadence.StatusActive, cadence.StatusPaused)
	if len(vs) != 2 {
		t.Errorf("running follow-ups of U1 = %v", viewIDs(vs))
	}
	if vs, _ = db.ListEnrollments(ctx, ""); len(vs) != 4 {
		t.Errorf("every follow-up = %v", viewIDs(vs))
	}
	vs, _ = db.Due(ctx, "U1", t0)
	if ids := viewIDs(vs); len(ids) != 1 || ids[0] != soon.Enrollment.ID {
		t.Errorf("Due(U1) = %v, want only soon", ids)
	}
	if vs, _ = db.Due(ctx, "", t0); len(vs) != 2 {
		t.Errorf("Due for all = %v", viewIDs(vs))
	}

	s := cadence.Signal{EnrollmentID: soon.Enrollment.ID, Text: "asked for pricing", At: t0, By: "U1"}
	if err := db.AddSignal(ctx, s); err != nil {
		t.Fatal(err)
	}
	if ss, err := db.Signals(ctx, soon.Enrollment.ID); err != nil || len(ss) != 1 || ss[0] != s {
		t.Errorf("Signals = %+v, %v", ss, err)
	}
	wantCode(t, db.AddSignal(ctx, cadence.Signal{EnrollmentID: "nope42", Text: "x"}), cadence.ENOTFOUND)
	wantCode(t, db.AddSignal(ctx, cadence.Signal{EnrollmentID: soon.Enrollment.ID}), cadence.EINVALID)

	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Contacts != 4 || st.Enrollments[cadence.StatusActive] != 3 || st.Enrollments[cadence.StatusCompleted] != 1 || st.PendingTouchpoints != 3 {
		t.Errorf("Stats = %+v", st)
	}
}

func viewIDs(vs []cadence.EnrollmentView) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.Enrollment.ID)
	}
	return ids
}

// TestOptOutEmailOfAStranger: an opt-out by email creates a do-not-contact contact when no one has
// the address, in one transaction, and Enroll then refuses it.
func TestOptOutEmailOfAStranger(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	res, err := db.OptOutEmail(ctx, " Sam@Globex.com ", "unsubscribed", "U0BOB00001", now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Contact.Email != "sam@globex.com" || !res.Contact.DoNotContact || len(res.Stopped) != 0 {
		t.Fatalf("opt-out of a stranger = %+v", res)
	}
	if _, err := db.OptOutEmail(ctx, "not-an-email", "x", "U0BOB00001", now); cadence.ErrorCode(err) != cadence.EINVALID {
		t.Errorf("bad address: err = %v, want EINVALID", err)
	}
	_, err = db.Enroll(ctx, cadence.Contact{Name: "Sam Ortiz", Email: "sam@globex.com"}, enrollChange("U0ALICE001", now), now)
	if cadence.ErrorCode(err) != cadence.EOPTEDOUT || !strings.Contains(cadence.ErrorMessage(err), "unsubscribed") {
		t.Errorf("enroll after the opt-out: %v, want EOPTEDOUT with the reason", err)
	}
}
