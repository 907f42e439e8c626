package cadence

import (
	"strings"
	"testing"
	"time"
)

// machineFixture is a three-step cadence, a UTC 09:00-17:00 Mon-Fri window and an enrollment
// started on Mon 9 Mar 2026 at 10:00 with its first touch open.
type machineFixture struct {
	c    Cadence
	w    Window
	now  time.Time
	e    Enrollment
	open Touchpoint
}

func newFixture(tb testing.TB) machineFixture {
	tb.Helper()
	c := Cadence{ID: "demo", Trigger: TriggerDemo, Steps: []Step{
		{Gap: mustGap(tb, "1h"), Channel: ChannelEmail, Purpose: PurposeRecapNextStep},
		{Gap: mustGap(tb, "2bd"), Channel: ChannelPhone, Purpose: PurposeAnswerConcern},
		{Gap: mustGap(tb, "3bd"), Channel: ChannelEmail, Purpose: PurposeCloseLoop},
	}}
	w := DefaultWindow()
	now := mustTime(tb, "2026-03-09T10:00:00Z")
	ch, err := Start(c, Enrollment{ID: "k3f9a2", ContactID: 7, Owner: "U1"}, w, now)
	if err != nil {
		tb.Fatal(err)
	}
	open := *ch.Next
	open.ID = 1
	return machineFixture{c: c, w: w, now: now, e: ch.Enrollment, open: open}
}

// checkChange checks what every change must carry.
func checkChange(tb testing.TB, ch Change, kind string, now time.Time) {
	tb.Helper()
	if !ch.Enrollment.UpdatedAt.Equal(now) || !ch.Event.At.Equal(now) {
		tb.Errorf("%s: UpdatedAt %s, Event.At %s, want %s", kind, ch.Enrollment.UpdatedAt, ch.Event.At, now)
	}
	if ch.Event.Kind != kind || ch.Event.Actor != "" || ch.Event.EnrollmentID != ch.Enrollment.ID || ch.Event.Rep != ch.Enrollment.Owner {
		tb.Errorf("event = %+v, want kind %s, no actor", ch.Event, kind)
	}
	if ch.Enrollment.Status.Ended() != !ch.Enrollment.EndedAt.IsZero() {
		tb.Errorf("%s: status %s with EndedAt %s", kind, ch.Enrollment.Status, ch.Enrollment.EndedAt)
	}
}

func TestStart(t *testing.T) {
	f := newFixture(t)
	e := f.e
	if e.Status != StatusActive || e.Step != 0 || e.CadenceID != "demo" || e.Trigger != TriggerDemo || e.Intent != IntentWarm ||
		!e.CreatedAt.Equal(f.now) || !e.TriggerAt.Equal(f.now) {
		t.Errorf("started enrollment = %+v", e)
	}
	sameTime(t, "first due", f.open.Due, mustTime(t, "2026-03-09T11:00:00Z"))
	if f.open.State != TouchPending || f.open.Step != 0 || f.open.EnrollmentID != "k3f9a2" {
		t.Errorf("first touch = %+v", f.open)
	}
	ch, _ := Start(f.c, Enrollment{ID: "x"}, f.w, f.now)
	checkChange(t, ch, EventEnrolled, f.now)

	_, err := Start(Cadence{ID: "empty"}, Enrollment{}, f.w, f.now)
	wantCode(t, err, EINVALID)
	_, err = Start(f.c, Enrollment{Intent: "lukewarm"}, f.w, f.now)
	wantCode(t, err, EINVALID)
	_, err = Start(f.c, Enrollment{DecisionDate: mustDate(t, "2026-03-08")}, f.w, f.now)
	wantCode(t, err, EINVALID)
	if !strings.Contains(ErrorMessage(err), "2026-03-08 has already passed") {
		t.Errorf("message = %q", ErrorMessage(err))
	}
	if _, err = Start(f.c, Enrollment{DecisionDate: mustDate(t, "2026-03-09")}, f.w, f.now); err != nil {
		t.Errorf("a decision date of today is still ahead: %v", err)
	}
	_, err = Start(f.c, f.e, f.w, f.now)
	wantCode(t, err, ECONFLICT)
}

func TestApply(t *testing.T) {
	f := newFixture(t)
	at := mustTime(t, "2026-03-09T11:05:00Z") // Monday, just after the first touch was due
	last := f
	last.e.Step, last.open.Step = 2, 2
	noStop := f
	noStop.c.StopOn = []StopReason{}
	decided := f
	decided.e.DecisionDate = mustDate(t, "2026-03-06")

	tests := []struct {
		name      string
		f         machineFixture
		o         Outcome
		snooze    string
		status    Status
		reason    StopReason
		step      int    // the enrollment's step after
		next      string // due of Change.Next, "" for none
		nextStep  int
		dnc       bool
		detailHas string
	}{
		{name: "sent", f: f, o: OutcomeSent, status: StatusActive, step: 1, next: "2026-03-11T11:05:00Z", nextStep: 1},
		{name: "sent last", f: last, o: OutcomeSent, status: StatusCompleted, reason: StopFinalSent, step: 2},
		{name: "replied", f: f, o: OutcomeReplied, status: StatusCompleted, reason: StopReplied},
		{name: "meeting booked", f: f, o: OutcomeMeetingBooked, status: StatusCompleted, reason: StopMeetingBooked},
		{name: "deal closed", f: f, o: OutcomeDealClosed, status: StatusCompleted, reason: StopDealClosed},
		{name: "replied, cadence goes on", f: noStop, o: OutcomeReplied, status: StatusActive, step: 1, next: "2026-03-11T11:05:00Z", nextStep: 1, detailHas: "does not stop on replied"},
		{name: "replied on the last step, cadence goes on", f: func() machineFixture { m := noStop; m.e.Step, m.open.Step = 2, 2; return m }(),
			o: OutcomeReplied, status: StatusCompleted, reason: StopFinalSent, step: 2},
		{name: "opted out", f: f, o: OutcomeOptedOut, status: StatusStopped, reason: StopOptedOut, dnc: true},
		{name: "complained", f: f, o: OutcomeComplained, status: StatusStopped, reason: StopComplained, dnc: true},
		{name: "bounced", f: f, o: OutcomeBounced, status: StatusStopped, reason: StopBounced},
		{name: "snoozed", f: f, o: OutcomeSnoozed, snooze: "2h", status: StatusActive, step: 0, next: "2026-03-09T13:05:00Z", nextStep: 0, detailHas: "snoozed 2h"},
		{name: "snoozed past the day", f: f, o: OutcomeSnoozed, snooze: "1bd", status: StatusActive, step: 0, next: "2026-03-10T11:05:00Z", nextStep: 0},
		{name: "skipped", f: f, o: OutcomeSkipped, status: StatusActive, step: 1, next: "2026-03-11T11:05:00Z", nextStep: 1},
		{name: "skipped last", f: last, o: OutcomeSkipped, status: StatusCompleted, reason: StopFinalSent, step: 2},
		{name: "sent after the decision date", f: decided, o: OutcomeSent, status: StatusStopped, reason: StopTimelinePassed, detailHas: "decision date has passed"},
		{name: "skipped after the decision date", f: decided, o: OutcomeSkipped, status: StatusStopped, reason: StopTimelinePassed},
		{name: "snoozed after the decision date", f: decided, o: OutcomeSnoozed, snooze: "1d", status: StatusStopped, reason: StopTimelinePassed},
		{name: "replied after the decision date still completes", f: decided, o: OutcomeReplied, status: StatusCompleted, reason: StopReplied},
	}
	for _, tt := range tests {
		var snooze Gap
		if tt.snooze != "" {
			snooze = mustGap(t, tt.snooze)
		}
		ch, err := Apply(tt.f.c, tt.f.e, tt.f.open, tt.o, snooze, tt.f.w, at)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		checkChange(t, ch, string(tt.o), at)
		e := ch.Enrollment
		if ch.Close != TouchDone || ch.Outcome != tt.o {
			t.Errorf("%s: close %s/%s", tt.name, ch.Close, ch.Outcome)
		}
		if e.Status != tt.status || e.StopReason != tt.reason || e.Step != tt.step {
			t.Errorf("%s: status %s reason %q step %d; want %s %q %d", tt.name, e.Status, e.StopReason, e.Step, tt.status, tt.reason, tt.step)
		}
		if ch.DoNotContact != tt.dnc || (tt.dnc && ch.DNCReason != string(tt.o)) {
			t.Errorf("%s: DoNotContact %v %q", tt.name, ch.DoNotContact, ch.DNCReason)
		}
		if ch.Event.Step != tt.f.open.Step {
			t.Errorf("%s: event step %d", tt.name, ch.Event.Step)
		}
		if !strings.Contains(ch.Event.Detail, tt.detailHas) {
			t.Errorf("%s: detail %q, want %q", tt.name, ch.Event.Detail, tt.detailHas)
		}
		switch {
		case tt.next == "" && ch.Next != nil:
			t.Errorf("%s: unexpected next touch %+v", tt.name, ch.Next)
		case tt.next != "" && ch.Next == nil:
			t.Errorf("%s: no next touch", tt.name)
		case tt.next != "":
			sameTime(t, tt.name, ch.Next.Due, mustTime(t, tt.next))
			if ch.Next.Step != tt.nextStep || ch.Next.State != TouchPending || ch.Next.EnrollmentID != "k3f9a2" {
				t.Errorf("%s: next touch %+v", tt.name, ch.Next)
			}
			if !tt.f.w.IsOpen(ch.Next.Due) {
				t.Errorf("%s: next touch outside the window", tt.name)
			}
		}
	}
}

func TestApplyIntentAndPacing(t *testing.T) {
	f := newFixture(t)
	at := mustTime(t, "2026-03-09T11:00:00Z")
	hot := f
	hot.e.Intent = IntentHot // 2bd becomes 1bd
	ch, err := Apply(hot.c, hot.e, hot.open, OutcomeSent, Gap{}, hot.w, at)
	if err != nil {
		t.Fatal(err)
	}
	sameTime(t, "hot next", ch.Next.Due, mustTime(t, "2026-03-10T11:00:00Z"))

	// A proposal with a decision on Fri 13 Mar: the 3 steps left after step 0 are paced to land by
	// Thu 12 Mar 09:00 (70h away); the first is due a third of the way there.
	p := f
	p.c = testProposal(t)
	p.e.DecisionDate = mustDate(t, "2026-03-13")
	ch, err = Apply(p.c, p.e, p.open, OutcomeSent, Gap{}, p.w, at)
	if err != nil {
		t.Fatal(err)
	}
	sameTime(t, "paced next", ch.Next.Due, mustTime(t, "2026-03-10T10:20:00Z"))
}

func TestApplyErrors(t *testing.T) {
	f := newFixture(t)
	at := f.now.Add(time.Hour)

	ended := f.e
	ended.Status, ended.StopReason, ended.EndedAt = StatusCompleted, StopReplied, mustTime(t, "2026-03-03T15:00:00Z")
	_, err := Apply(f.c, ended, f.open, OutcomeSent, Gap{}, f.w, at)
	wantCode(t, err, ECONFLICT)
	if want := "Follow-up k3f9a2 already ended: replied on Tue 3 Mar."; ErrorMessage(err) != want {
		t.Errorf("message = %q, want %q", ErrorMessage(err), want)
	}

	done := f.open
	done.State, done.Outcome = TouchDone, OutcomeSent
	_, err = Apply(f.c, f.e, done, OutcomeReplied, Gap{}, f.w, at)
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "already logged: sent") {
		t.Errorf("message = %q", ErrorMessage(err))
	}

	stale := f.open
	stale.Step = 1
	_, err = Apply(f.c, f.e, stale, OutcomeSent, Gap{}, f.w, at)
	wantCode(t, err, ECONFLICT)

	_, err = Apply(f.c, f.e, f.open, "ghosted", Gap{}, f.w, at)
	wantCode(t, err, EINVALID)
	_, err = Apply(f.c, f.e, f.open, OutcomeSnoozed, Gap{}, f.w, at)
	wantCode(t, err, EINVALID)
	_, err = Apply(f.c, f.e, f.open, OutcomeSnoozed, Gap{Wall: -time.Hour}, f.w, at)
	wantCode(t, err, EINVALID)

	paused, err := Pause(f.e, time.Time{}, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Outcome{OutcomeSent, OutcomeSkipped, OutcomeSnoozed} {
		_, err = Apply(f.c, paused.Enrollment, f.open, o, mustGap(t, "1d"), f.w, at)
		wantCode(t, err, ECONFLICT)
	}
	// A reply or an opt-out still ends a paused follow-up.
	ch, err := Apply(f.c, paused.Enrollment, f.open, OutcomeOptedOut, Gap{}, f.w, at)
	if err != nil || ch.Enrollment.Status != StatusStopped || !ch.Enrollment.PausedAt.IsZero() || !ch.DoNotContact {
		t.Errorf("opt-out while paused = %+v, %v", ch.Enrollment, err)
	}
}

func TestPauseResume(t *testing.T) {
	f := newFixture(t) // open touch due Mon 9 Mar 11:00
	tests := []struct {
		name                string
		pauseAt, until, now string
		due                 string // the open touch's due before the pause
		want                string // MoveTo, "" for no move
	}{
		{"open-ended pause of 3 days", "2026-03-09T10:00:00Z", "", "2026-03-12T10:00:00Z", "2026-03-09T11:00:00Z", "2026-03-12T11:00:00Z"},
		{"dated pause resumed late by the dispatcher", "2026-03-09T10:00:00Z", "2026-03-11T10:00:00Z", "2026-03-11T10:05:00Z", "2026-03-09T11:00:00Z", "2026-03-11T11:00:00Z"},
		{"resumed early", "2026-03-09T10:00:00Z", "2026-03-20T10:00:00Z", "2026-03-10T10:00:00Z", "2026-03-09T11:00:00Z", "2026-03-10T11:00:00Z"},
		{"shift lands after hours", "2026-03-09T10:00:00Z", "", "2026-03-09T16:00:00Z", "2026-03-09T11:00:00Z", "2026-03-10T09:00:00Z"},
		{"shift lands on a Saturday", "2026-03-11T10:00:00Z", "", "2026-03-13T10:00:00Z", "2026-03-12T11:00:00Z", "2026-03-16T09:00:00Z"},
		{"overdue touch is due now", "2026-03-09T10:00:00Z", "", "2026-03-10T10:00:00Z", "2026-03-02T11:00:00Z", "2026-03-10T10:00:00Z"},
	}
	for _, tt := range tests {
		var until time.Time
		if tt.until != "" {
			until = mustTime(t, tt.until)
		}
		pauseAt := mustTime(t, tt.pauseAt)
		open := f.open
		open.Due = mustTime(t, tt.due)
		p, err := Pause(f.e, until, pauseAt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		checkChange(t, p, EventPaused, pauseAt)
		if p.Enrollment.Status != StatusPaused || !p.Enrollment.PausedAt.Equal(pauseAt) || !p.Enrollment.PausedUntil.Equal(until) || p.Close != "" {
			t.Errorf("%s: paused = %+v", tt.name, p.Enrollment)
		}
		now := mustTime(t, tt.now)
		r, err := Resume(f.c, p.Enrollment, &open, f.w, now)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		checkChange(t, r, EventResumed, now)
		if r.Enrollment.Status != StatusActive || !r.Enrollment.PausedAt.IsZero() || !r.Enrollment.PausedUntil.IsZero() {
			t.Errorf("%s: resumed = %+v", tt.name, r.Enrollment)
		}
		if tt.want == "" {
			if !r.MoveTo.IsZero() {
				t.Errorf("%s: moved to %s", tt.name, r.MoveTo)
			}
			continue
		}
		sameTime(t, tt.name, r.MoveTo, mustTime(t, tt.want))
	}

	// Errors and the timeline.
	_, err := Resume(f.c, f.e, &f.open, f.w, f.now)
	wantCode(t, err, ECONFLICT)
	p, _ := Pause(f.e, time.Time{}, f.now)
	_, err = Pause(p.Enrollment, time.Time{}, f.now)
	wantCode(t, err, ECONFLICT)
	_, err = Pause(f.e, f.now.Add(-time.Hour), f.now)
	wantCode(t, err, EINVALID)
	if r, err := Resume(f.c, p.Enrollment, nil, f.w, f.now.Add(time.Hour)); err != nil || r.Enrollment.Status != StatusActive || !r.MoveTo.IsZero() {
		t.Errorf("resume without an open touch = %+v, %v", r, err)
	}
	pe := p.Enrollment
	pe.DecisionDate = mustDate(t, "2026-03-10")
	r, err := Resume(f.c, pe, &f.open, f.w, mustTime(t, "2026-03-11T09:00:00Z"))
	if err != nil || r.Enrollment.Status != StatusStopped || r.Enrollment.StopReason != StopTimelinePassed || r.Event.Kind != EventStopped {
		t.Errorf("resume after the decision date = %+v, %v", r, err)
	}
}

func TestRecordSignal(t *testing.T) {
	f := newFixture(t)
	w := f.w
	tests := []struct {
		name      string
		intent    Intent
		state     TouchState
		status    Status
		now, due  string
		want      string // MoveTo, "" for none
		newIntent Intent
	}{
		{"halves the wait", IntentWarm, TouchPending, StatusActive, "2026-03-09T10:00:00Z", "2026-03-11T10:00:00Z", "2026-03-10T10:00:00Z", IntentHot},
		{"halfway at night moves to the morning", IntentCold, TouchPending, StatusActive, "2026-03-09T16:00:00Z", "2026-03-10T10:00:00Z", "2026-03-10T09:00:00Z", IntentWarm},
		{"halfway on the weekend moves to Monday", IntentHot, TouchPending, StatusActive, "2026-03-13T16:00:00Z", "2026-03-16T09:30:00Z", "2026-03-16T09:00:00Z", IntentHot},
		{"no earlier working time: stays", IntentWarm, TouchPending, StatusActive, "2026-03-13T16:00:00Z", "2026-03-16T09:00:00Z", "", IntentHot},
		{"overdue: never into the past", IntentWarm, TouchPending, StatusActive, "2026-03-10T10:00:00Z", "2026-03-09T11:00:00Z", "", IntentHot},
		{"already reminded: stays", IntentWarm, TouchReminded, StatusActive, "2026-03-09T10:00:00Z", "2026-03-11T10:00:00Z", "", IntentHot},
		{"paused: stays, intent still rises", IntentCold, TouchPending, StatusPaused, "2026-03-09T10:00:00Z", "2026-03-11T10:00:00Z", "", IntentWarm},
	}
	for _, tt := range tests {
		e := f.e
		e.Intent, e.Status = tt.intent, tt.status
		if tt.status == StatusPaused {
			e.PausedAt = f.now
		}
		open := f.open
		open.State, open.Due = tt.state, mustTime(t, tt.due)
		now := mustTime(t, tt.now)
		ch, err := RecordSignal(f.c, e, &open, w, " asked for pricing ", now)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		checkChange(t, ch, EventSignal, now)
		if ch.Event.Detail != "asked for pricing" || ch.Enrollment.Intent != tt.newIntent || ch.Close != "" || ch.Next != nil {
			t.Errorf("%s: change %+v", tt.name, ch)
		}
		if tt.want == "" {
			if !ch.MoveTo.IsZero() {
				t.Errorf("%s: moved to %s", tt.name, ch.MoveTo)
			}
			continue
		}
		sameTime(t, tt.name, ch.MoveTo, mustTime(t, tt.want))
		if ch.MoveTo.Before(now) || !w.IsOpen(ch.MoveTo) || !ch.MoveTo.Before(open.Due) {
			t.Errorf("%s: MoveTo %s in the past, outside the window or not earlier", tt.name, ch.MoveTo)
		}
	}
	_, err := RecordSignal(f.c, f.e, &f.open, w, "  ", f.now)
	wantCode(t, err, EINVALID)
}

func TestStop(t *testing.T) {
	f := newFixture(t)
	at := f.now.Add(time.Hour)
	tests := []struct {
		reason StopReason
		detail string
		status Status
		dnc    bool
		want   string
	}{
		{StopManual, " not a fit ", StatusStopped, false, "manual: not a fit"},
		{StopReplied, "", StatusCompleted, false, "replied"},
		{StopOptedOut, "asked on the phone", StatusStopped, true, "opted_out: asked on the phone"},
		{StopTimelinePassed, "", StatusStopped, false, "timeline_passed"},
		{StopRepGone, "", StatusStopped, false, "rep_gone"},
	}
	for _, tt := range tests {
		ch, err := Stop(f.e, tt.reason, tt.detail, at)
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		checkChange(t, ch, EventStopped, at)
		if ch.Enrollment.Status != tt.status || ch.Enrollment.StopReason != tt.reason || ch.DoNotContact != tt.dnc || ch.Event.Detail != tt.want {
			t.Errorf("%s: %+v", tt.reason, ch)
		}
	}
	ch, _ := Stop(f.e, StopManual, "", at)
	_, err := Stop(ch.Enrollment, StopManual, "", at)
	wantCode(t, err, ECONFLICT)
	_, err = Stop(f.e, "bored", "", at)
	wantCode(t, err, EINVALID)
}

func TestReassign(t *testing.T) {
	f := newFixture(t)
	ch, err := Reassign(f.e, "U2", f.now)
	if err != nil {
		t.Fatal(err)
	}
	checkChange(t, ch, EventReassigned, f.now)
	if ch.Enrollment.Owner != "U2" || ch.Event.Detail != "from U1 to U2" || ch.Enrollment.Status != StatusActive {
		t.Errorf("reassigned = %+v", ch)
	}
	_, err = Reassign(f.e, "U1", f.now)
	wantCode(t, err, ECONFLICT)
	_, err = Reassign(f.e, " ", f.now)
	wantCode(t, err, EINVALID)
}
