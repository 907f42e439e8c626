package cadence

import (
	"testing"
	"time"
)

func TestReopen(t *testing.T) {
	c := Cadence{ID: "demo", Steps: []Step{{Gap: Gap{Wall: time.Hour}}, {Gap: Gap{Wall: time.Hour}}}}
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	w := Window{Location: time.UTC}
	e := Enrollment{ID: "k1", Owner: "U1", CadenceID: "demo", Status: StatusCompleted, StopReason: StopReplied, Step: 1, EndedAt: now}
	ch, err := Reopen(c, e, Contact{}, 1, now.Add(-time.Hour), w, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Enrollment.Status != StatusActive || ch.Enrollment.StopReason != "" || !ch.Enrollment.EndedAt.IsZero() {
		t.Fatalf("reopened enrollment = %+v", ch.Enrollment)
	}
	if ch.Next == nil || ch.Next.Step != 1 || ch.Next.Due.Before(now) || ch.Event.Kind != EventReopened {
		t.Fatalf("reopen change = %+v", ch)
	}
	if _, err := Reopen(c, e, Contact{DoNotContact: true}, 1, now, w, now); ErrorCode(err) != EOPTEDOUT {
		t.Fatalf("opted-out contact: %v, want %s", err, EOPTEDOUT)
	}
	e.StopReason = StopManual
	if _, err := Reopen(c, e, Contact{}, 1, now, w, now); ErrorCode(err) != ECONFLICT {
		t.Fatalf("manual stop: %v, want %s", err, ECONFLICT)
	}
	e.Status, e.StopReason = StatusActive, ""
	if _, err := Reopen(c, e, Contact{}, 1, now, w, now); ErrorCode(err) != ECONFLICT {
		t.Fatalf("active: %v, want %s", err, ECONFLICT)
	}
}
