package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func mustOpenReportDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), dsn(tb, filepath.Join(tb.TempDir(), "report.db")))
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// reportLog builds a database by hand: contacts, enrollments, touchpoints and events.
type reportLog struct {
	tb testing.TB
	db *DB
	t0 time.Time
}

func (l reportLog) exec(q string, args ...any) {
	l.tb.Helper()
	if _, err := l.db.w.Exec(q, args...); err != nil {
		l.tb.Fatalf("%s: %v", q, err)
	}
}

// day returns t0 plus d days and h hours.
func (l reportLog) day(d, h int) time.Time {
	return l.t0.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour)
}

func (l reportLog) enroll(id string, contact int64, cad, rep, status, reason string, ended time.Time) {
	l.tb.Helper()
	l.exec(`INSERT INTO contacts (id, name, created_at) VALUES (?, ?, 0) ON CONFLICT DO NOTHING`, contact, fmt.Sprintf("c%d", contact))
	l.exec(`INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at, status, stop_reason, created_at, updated_at, ended_at)
		VALUES (?, ?, ?, ?, 'demo', 0, ?, ?, 0, 0, ?)`, id, contact, rep, cad, status, reason, ms(ended))
}

func (l reportLog) event(at time.Time, enr string, contact int64, cad string, step int, rep, kind string) {
	l.tb.Helper()
	l.exec(`INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		at.UnixMilli(), enr, contact, cad, step, rep, rep, kind)
}

func (l reportLog) touch(enr string, step int, due time.Time, state string) {
	l.tb.Helper()
	l.exec(`INSERT INTO touchpoints (enrollment_id, step, due, state) VALUES (?, ?, ?, ?)`, enr, step, due.UnixMilli(), state)
}

func TestReportNumbers(t *testing.T) {
	db := mustOpenReportDB(t)
	l := reportLog{tb: t, db: db, t0: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)} // a Monday
	from, to := l.day(7, 0), l.day(14, 0)                                          // the second week
	now := l.day(14, 1)

	// e1 (demo, alice): enrolled week 1, step 0 sent week 1, step 1 sent week 2, replied week 2,
	// then a meeting booked after the same touch: one reply, attributed to step 1, and one meeting.
	l.enroll("e1", 1, "demo", "UALICE", "completed", "replied", l.day(9, 2))
	l.event(l.day(1, 9), "e1", 1, "demo", -1, "UALICE", "enrolled")
	l.event(l.day(2, 9), "e1", 1, "demo", 0, "UALICE", "sent")
	l.event(l.day(8, 9), "e1", 1, "demo", 1, "UALICE", "sent")
	l.event(l.day(9, 2), "e1", 1, "demo", 2, "UALICE", "replied")
	l.event(l.day(9, 3), "e1", 1, "demo", 2, "UALICE", "meeting_booked")

	// e2 (demo, bob): enrolled and step 0 sent in week 2, open touch overdue now.
	l.enroll("e2", 2, "demo", "UBOB", "active", "", time.Time{})
	l.event(l.day(7, 9), "e2", 2, "demo", -1, "UBOB", "enrolled")
	l.event(l.day(8, 10), "e2", 2, "demo", 0, "UBOB", "sent")
	l.touch("e2", 1, l.day(13, 9), "reminded")

	// e3 (demo, bob): step 0 sent week 1, replied in week 2 (attributed to step 0, whose touch was
	// in week 1), and opted out in week 2.
	l.enroll("e3", 3, "demo", "UBOB", "stopped", "opted_out", l.day(10, 0))
	l.event(l.day(0, 9), "e3", 3, "demo", -1, "UBOB", "enrolled")
	l.event(l.day(1, 9), "e3", 3, "demo", 0, "UBOB", "sent")
	l.event(l.day(9, 9), "e3", 3, "demo", 1, "UBOB", "replied")
	l.event(l.day(10, 0), "e3", 3, "demo", 1, "UBOB", "opted_out")

	// e4 (cold-email, alice): enrolled week 2, two touches, bounced; its next touch is cancelled.
	l.enroll("e4", 4, "cold-email", "UALICE", "stopped", "bounced", l.day(12, 0))
	l.event(l.day(8, 0), "e4", 4, "cold-email", -1, "UALICE", "enrolled")
	l.event(l.day(9, 0), "e4", 4, "cold-email", 0, "UALICE", "sent")
	l.event(l.day(11, 0), "e4", 4, "cold-email", 1, "UALICE", "sent")
	l.event(l.day(12, 0), "e4", 4, "cold-email", 1, "UALICE", "bounced")
	l.touch("e4", 2, l.day(13, 0), "cancelled")

	// e5 (cold-email, alice): opted out in week 1 through a contact-wide opt-out, active one due later.
	l.enroll("e5", 5, "cold-email", "UALICE", "stopped", "opted_out", l.day(3, 0))
	l.event(l.day(3, 0), "", 5, "", -1, "UALICE", "opted_out")
	l.event(l.day(3, 0), "e5", 5, "cold-email", -1, "UALICE", "stopped")
	l.enroll("e6", 6, "cold-email", "UALICE", "active", "", time.Time{})
	l.touch("e6", 0, l.day(20, 0), "pending")
	// e7: overdue but paused: not counted.
	l.enroll("e7", 7, "cold-email", "UALICE", "paused", "", time.Time{})
	l.touch("e7", 0, l.day(1, 0), "pending")
	// An event after the range does not count.
	l.event(l.day(14, 0), "e6", 6, "cold-email", 0, "UALICE", "sent")

	r, err := db.Report(context.Background(), from, to, now)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Period
	demo, ok := p.Cadence("demo")
	if !ok {
		t.Fatal("no demo cadence in the period")
	}
	wantDemo := cadence.Counts{Enrolled: 1, Touches: 2, Replies: 2, Meetings: 1, OptOuts: 1, Overdue: 1}
	if demo.Counts != wantDemo {
		t.Errorf("demo counts = %+v, want %+v", demo.Counts, wantDemo)
	}
	if got := fmt.Sprint(demo.Steps); got != "[{0 1 1} {1 1 1}]" {
		t.Errorf("demo steps = %s, want step 0 with 1 touch 1 reply, step 1 with 1 touch 1 reply", got)
	}
	if demo.Stopped[cadence.StopReplied] != 1 || demo.Stopped[cadence.StopOptedOut] != 1 {
		t.Errorf("demo stopped = %v", demo.Stopped)
	}
	cold, _ := p.Cadence("cold-email")
	wantCold := cadence.Counts{Enrolled: 1, Touches: 2, Bounces: 1}
	if cold.Counts != wantCold {
		t.Errorf("cold counts = %+v, want %+v", cold.Counts, wantCold)
	}
	if got := fmt.Sprint(cold.Steps); got != "[{0 1 0} {1 1 0}]" {
		t.Errorf("cold steps = %s", got)
	}
	wantTeam := cadence.Counts{Enrolled: 2, Touches: 4, Replies: 2, Meetings: 1, OptOuts: 1, Bounces: 1, Overdue: 1}
	if p.Team != wantTeam {
		t.Errorf("team = %+v, want %+v", p.Team, wantTeam)
	}
	if got := fmt.Sprint(p.Reps); got != "[{UALICE 3 1 1 0} {UBOB 1 1 0 1}]" {
		t.Errorf("reps = %s", got)
	}

	// The week before: e3's and e5's enrollment and touches, e5's opt-out (contact-wide).
	prevCold, _ := r.Previous.Cadence("cold-email")
	if prevCold.OptOuts != 1 || r.Previous.Team.OptOuts != 1 {
		t.Errorf("previous cold opt-outs = %d, team %d; want 1, 1", prevCold.OptOuts, r.Previous.Team.OptOuts)
	}
	prevDemo, _ := r.Previous.Cadence("demo")
	if prevDemo.Enrolled != 2 || prevDemo.Touches != 2 || prevDemo.Replies != 0 || prevDemo.Overdue != 0 {
		t.Errorf("previous demo = %+v", prevDemo.Counts)
	}

	// Since the start.
	all, _ := r.AllTime.Cadence("demo")
	if want := (cadence.Counts{Enrolled: 3, Touches: 4, Replies: 2, Meetings: 1, OptOuts: 1, Overdue: 1}); all.Counts != want {
		t.Errorf("all-time demo = %+v, want %+v", all.Counts, want)
	}
	if got := fmt.Sprint(all.Steps); got != "[{0 3 1} {1 1 1}]" {
		t.Errorf("all-time demo steps = %s", got)
	}
	if r.AllTime.Team.OptOuts != 2 {
		t.Errorf("all-time opt-outs = %d, want 2", r.AllTime.Team.OptOuts)
	}

	if _, err := db.Report(context.Background(), to, from, now); cadence.ErrorCode(err) != cadence.EINVALID {
		t.Errorf("reversed range: err = %v, want EINVALID", err)
	}
}

func TestReportReplyBeforeAnyTouch(t *testing.T) {
	db := mustOpenReportDB(t)
	l := reportLog{tb: t, db: db, t0: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
	l.enroll("e1", 1, "demo", "UA", "completed", "replied", l.day(1, 0))
	l.event(l.day(0, 1), "e1", 1, "demo", -1, "UA", "enrolled")
	l.event(l.day(1, 0), "e1", 1, "demo", 0, "UA", "replied")
	r, err := db.Report(context.Background(), l.day(0, 0), l.day(7, 0), l.day(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := r.Period.Cadence("demo")
	if c.Replies != 1 || c.NoStepReplies != 1 || len(c.Steps) != 0 {
		t.Errorf("demo = %+v", c)
	}
}

// TestReportOutOfOfficeAnyCase counts the pauses an out-of-office reply caused whatever the case of
// the detail, the same on SQLite and PostgreSQL (whose LIKE is case-sensitive).
func TestReportOutOfOfficeAnyCase(t *testing.T) {
	db := mustOpenReportDB(t)
	l := reportLog{tb: t, db: db, t0: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
	l.enroll("e1", 1, "demo", "UA", "paused", "", time.Time{})
	for i, detail := range []string{"until 2026-03-20 out of office (logged)", "Out Of Office (seen in the mailbox)", "OUT OF OFFICE", "paused by the rep"} {
		l.exec(`INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind, detail) VALUES (?, 'e1', 1, 'demo', 0, 'UA', 'UA', 'paused', ?)`,
			l.day(1, i).UnixMilli(), detail)
	}
	r, err := db.Report(context.Background(), l.day(0, 0), l.day(7, 0), l.day(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := r.Period.Cadence("demo")
	if c.OutOfOffice != 3 || r.Period.Team.OutOfOffice != 3 {
		t.Errorf("out of office = %d, team %d; want 3 (any case), not the rep's own pause", c.OutOfOffice, r.Period.Team.OutOfOffice)
	}
}

func TestMarkReported(t *testing.T) {
	ctx := context.Background()
	db := mustOpenReportDB(t)
	w1 := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	w2 := w1.AddDate(0, 0, 7)
	if last, err := db.LastReportedWeek(ctx); err != nil || !last.IsZero() {
		t.Fatalf("LastReportedWeek = %v, %v; want zero", last, err)
	}
	for _, c := range []struct {
		end  time.Time
		want bool
	}{{w1, true}, {w1, false}, {w2, true}, {w1, false}, {w2, false}} {
		got, err := db.MarkReported(ctx, c.end)
		if err != nil || got != c.want {
			t.Errorf("MarkReported(%s) = %v, %v; want %v", c.end, got, err, c.want)
		}
	}
	if last, _ := db.LastReportedWeek(ctx); !last.Equal(w2) {
		t.Errorf("LastReportedWeek = %v, want %v", last, w2)
	}
	if err := db.UnmarkReported(ctx, w2, w1); err != nil {
		t.Fatal(err)
	}
	if last, _ := db.LastReportedWeek(ctx); !last.Equal(w1) {
		t.Errorf("after unmark LastReportedWeek = %v, want %v", last, w1)
	}
	if ok, _ := db.MarkReported(ctx, w2); !ok {
		t.Error("MarkReported(w2) after unmark = false, want true")
	}
}

// BenchmarkReport runs the report over 1,000,000 events and 50,000 follow-ups.
// Run with: go test -run '^$' -bench Report -benchtime 3x ./store
func BenchmarkReport(b *testing.B) {
	db := mustOpenReportDB(b)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const enrollments, perEnrollment = 50_000, 20
	tx, err := db.w.Begin()
	if err != nil {
		b.Fatal(err)
	}
	cads := []string{"demo", "cold-email", "proposal", "missed-meeting", "form-fill"}
	kinds := []string{"enrolled", "reminded", "sent", "reminded", "sent", "snoozed", "reminded", "sent", "replied", "meeting_booked"}
	for i := range enrollments {
		id := fmt.Sprintf("e%05d", i)
		cad, rep := cads[i%len(cads)], fmt.Sprintf("U%03d", i%40)
		start := t0.Add(time.Duration(i) * 10 * time.Minute)
		if _, err := tx.Exec(`INSERT INTO contacts (id, name, created_at) VALUES (?, 'x', 0)`, i+1); err != nil {
			b.Fatal(err)
		}
		status, reason, ended := "active", "", any(nil)
		if i%3 == 0 {
			status, reason, ended = "completed", "replied", start.Add(48*time.Hour).UnixMilli()
		}
		if _, err := tx.Exec(`INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at, status, stop_reason, created_at, updated_at, ended_at)
			VALUES (?, ?, ?, ?, 'demo', 0, ?, ?, 0, 0, ?)`, id, i+1, rep, cad, status, reason, ended); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO touchpoints (enrollment_id, step, due, state) VALUES (?, 3, ?, 'pending')`,
			id, start.Add(72*time.Hour).UnixMilli()); err != nil {
			b.Fatal(err)
		}
		for j := range perEnrollment {
			kind := kinds[j%len(kinds)]
			if j >= len(kinds) && (kind == "enrolled" || i%4 != 0) {
				kind = "reminded"
			}
			if _, err := tx.Exec(`INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				start.Add(time.Duration(j)*3*time.Hour).UnixMilli(), id, i+1, cad, j/3, rep, rep, kind); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	to := t0.Add(enrollments * 10 * time.Minute)
	from := to.Add(-7 * 24 * time.Hour)
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.Report(context.Background(), from, to, to); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReportPreviousWeekAcrossDST: the week after Berlin's change to summer time (29 March 2026)
// is compared with the seven calendar days before it, which are an hour shorter than 168 hours.
// An opt-out at 08:30 on the Monday that opens the previous week is before that week (it starts at
// 09:00) and must not count in it.
func TestReportPreviousWeekAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	db := mustOpenReportDB(t)
	l := reportLog{tb: t, db: db}
	from := time.Date(2026, 3, 30, 9, 0, 0, 0, berlin) // Monday after the change
	to := from.AddDate(0, 0, 7)
	l.enroll("e1", 1, "demo", "UA", "stopped", "opted_out", time.Date(2026, 3, 23, 8, 30, 0, 0, berlin))
	l.event(time.Date(2026, 3, 23, 8, 30, 0, 0, berlin), "", 1, "", -1, "UA", "opted_out")
	l.enroll("e2", 2, "demo", "UA", "stopped", "opted_out", time.Date(2026, 3, 23, 9, 30, 0, 0, berlin))
	l.event(time.Date(2026, 3, 23, 9, 30, 0, 0, berlin), "", 2, "", -1, "UA", "opted_out")
	r, err := db.Report(context.Background(), from, to, to)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 23, 9, 0, 0, 0, berlin); !r.Previous.From.Equal(want) {
		t.Errorf("previous week starts %s, want %s", r.Previous.From, want)
	}
	demo, _ := r.Previous.Cadence("demo")
	if demo.OptOuts != 1 || r.Previous.Team.OptOuts != 1 {
		t.Errorf("previous week opt-outs = %d (team %d), want 1 (the one at 09:30)", demo.OptOuts, r.Previous.Team.OptOuts)
	}
}

// TestBeginReport: the intent to post a week's report, its retry by the same process or after the
// lease by another, another process kept out while the lease holds, and MarkReported ending it.
func TestBeginReport(t *testing.T) {
	ctx := context.Background()
	db := mustOpenReportDB(t)
	w1 := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	now := w1.Add(time.Minute)
	lease := 3 * time.Minute
	step := func(what string, end time.Time, owner string, at time.Time, want cadence.ReportState) {
		t.Helper()
		if got, err := db.BeginReport(ctx, end, owner, at, lease); err != nil || got != want {
			t.Fatalf("%s: BeginReport = %v, %v; want %v", what, got, err, want)
		}
	}
	step("first", w1, "a", now, cadence.ReportNew)
	step("the same process again", w1, "a", now.Add(time.Second), cadence.ReportRetry)
	step("another process within the lease", w1, "b", now.Add(2*time.Minute), cadence.ReportBusy)
	step("another process after the lease", w1, "b", now.Add(4*time.Minute), cadence.ReportRetry)
	step("the first process, now within b's lease", w1, "a", now.Add(5*time.Minute), cadence.ReportBusy)
	if ok, err := db.MarkReported(ctx, w1); err != nil || !ok {
		t.Fatalf("MarkReported = %v, %v", ok, err)
	}
	step("after the post was recorded", w1, "c", now.Add(6*time.Minute), cadence.ReportDone)
	w2 := w1.AddDate(0, 0, 7)
	step("the next week", w2, "c", w2, cadence.ReportNew)
	step("another process within the lease", w2, "d", w2, cadence.ReportBusy)
	if got, err := db.BeginReport(ctx, w2, "e", w2, 0); err != nil || got != cadence.ReportRetry {
		t.Fatalf("no lease (a dead process's intent): BeginReport = %v, %v; want ReportRetry", got, err)
	}
}

// TestReportCountsStreamTheWholeHistory: the "since the start" counts read events_report_all in
// the grouping's order, with no temporary b-tree to sort a million events; a week's counts read
// events_report's range (and sort the week's few rows).
func TestReportCountsStreamTheWholeHistory(t *testing.T) {
	sqliteOnly(t)
	db := mustOpen(t)
	all := queryPlan(t, db, countsSQL(false, true), 0, t0.UnixMilli())
	if !strings.Contains(all, "COVERING INDEX events_report_all") || strings.Contains(all, "TEMP B-TREE") {
		t.Errorf("all-time counts plan:\n%s", all)
	}
	week := queryPlan(t, db, countsSQL(false, false), t0.UnixMilli(), t0.Add(7*24*time.Hour).UnixMilli())
	if !strings.Contains(week, "COVERING INDEX events_report (kind=? AND at>? AND at<?)") {
		t.Errorf("week counts plan:\n%s", week)
	}
}
