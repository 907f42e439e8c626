package store

import (
	"context"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// noneDue is next_due of a follow-up with no open touch (migration 0013).
const noneDue = int64(9223372036854775807)

// TestNextDueFollowsTheOpenTouch: a follow-up's next_due is the due time of its open touch, or
// noneDue when it has none, whatever wrote the touch: enrolling, a snooze, a step done and the next
// one opened, a reminder sent, the follow-up stopped, a touch deleted.
func TestNextDueFollowsTheOpenTouch(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	check := func(step, id string, want int64) {
		t.Helper()
		var got int64
		if err := db.w.QueryRowContext(ctx, `SELECT next_due FROM enrollments WHERE id = ?`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: next_due = %d, want %d", step, got, want)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM enrollments e WHERE e.next_due <> coalesce((SELECT t.due FROM touchpoints t
			WHERE t.enrollment_id = e.id AND t.state IN ('pending', 'reminded')), 9223372036854775807)`); n != 0 {
			t.Errorf("%s: %d follow-ups with a next_due that is not their open touch's", step, n)
		}
	}
	update := func(id string, fn func(v cadence.EnrollmentView) cadence.Change) {
		t.Helper()
		if _, err := db.Update(ctx, id, func(v cadence.EnrollmentView) (cadence.Change, error) { return fn(v), nil }); err != nil {
			t.Fatal(err)
		}
	}

	a := mustEnroll(t, db, dana(), "U1", t0.Add(time.Hour))
	other := mustEnroll(t, db, cadence.Contact{Name: "Other", Email: "other@example.com"}, "U1", t0.Add(5*time.Hour))
	id := a.Enrollment.ID
	check("enrolled", id, t0.Add(time.Hour).UnixMilli())

	later := t0.Add(48 * time.Hour)
	update(id, func(v cadence.EnrollmentView) cadence.Change {
		return cadence.Change{Enrollment: v.Enrollment, MoveTo: later, Event: cadence.Event{Kind: "snoozed", Actor: "U1"}}
	})
	check("snoozed", id, later.UnixMilli())

	next := t0.Add(72 * time.Hour)
	update(id, func(v cadence.EnrollmentView) cadence.Change {
		e := v.Enrollment
		e.Step = 1
		return cadence.Change{Enrollment: e, Close: cadence.TouchDone, Outcome: cadence.OutcomeSent,
			Next: &cadence.Touchpoint{Step: 1, Due: next}, Event: cadence.Event{Kind: "sent", Actor: "U1"}}
	})
	check("step done, the next opened", id, next.UnixMilli())

	if _, err := db.w.ExecContext(ctx, `UPDATE touchpoints SET state = 'reminded' WHERE enrollment_id = ? AND state = 'pending'`, id); err != nil {
		t.Fatal(err)
	}
	check("reminded", id, next.UnixMilli())

	update(id, func(v cadence.EnrollmentView) cadence.Change {
		e := v.Enrollment
		e.Status, e.StopReason, e.EndedAt = cadence.StatusStopped, cadence.StopManual, t0
		return cadence.Change{Enrollment: e, Close: cadence.TouchCancelled, Event: cadence.Event{Kind: "stopped", Actor: "U1"}}
	})
	check("stopped", id, noneDue)
	check("the other follow-up", other.Enrollment.ID, t0.Add(5*time.Hour).UnixMilli())

	if _, err := db.w.ExecContext(ctx, `DELETE FROM touchpoints WHERE enrollment_id = ?`, other.Enrollment.ID); err != nil {
		t.Fatal(err)
	}
	check("its touch deleted", other.Enrollment.ID, noneDue)
}
