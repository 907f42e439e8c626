package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// The numbers of the team report, and how they are counted. Every count is over the event log or
// the enrollments table inside a half-open range [From, To) of event times:
//
//   - Enrolled: "enrolled" events (contacts put in a follow-up).
//   - Touches: "sent" events (touches the rep logged as done).
//   - Replies: positive answers, that is "replied" and "meeting_booked" events, counting once an
//     answer to the same touch: a reply logged and then a meeting booked after the same touch is
//     one reply (and one meeting). A reply is attributed to the step of the last touch sent to that
//     contact in that follow-up before it; an answer before any touch has no step.
//   - Reply rate: Replies / Touches, both inside the range, for a cadence or for one step (replies
//     attributed to the step / touches of the step). In a short range a reply to a touch sent before
//     the range can make it exceed 100%; "since the start" it cannot.
//   - Meetings, Deals closed: "meeting_booked" and "deal_closed" events.
//   - Opt-outs, Complaints, Bounces: follow-ups of the cadence that ended in the range for that
//     reason (the same numbers as Stopped[reason]). The team total of opt-outs counts distinct
//     contacts who opted out, whether or not they were in a follow-up.
//   - Out of office: "paused" events of an out-of-office reply (seen in the mailbox or logged), by
//     cadence; an auto-reply is never a reply. A reply whose automatic completion the rep undid
//     (a later "reopened" event, "undid replied", with no answer between) is not counted either.
//   - Stopped: follow-ups that ended in the range (completed or stopped), by stop reason.
//   - Overdue: open touchpoints of active follow-ups due before the report's Now, whatever the range.

// Report computes the team report for [from, to), the range of the same length before it and
// everything before to, from one consistent snapshot of the database. Overdue touchpoints are
// counted as of now. It returns EINVALID when to is not after from.
func (db *DB) Report(ctx context.Context, from, to, now time.Time) (cadence.Report, error) {
	if !to.After(from) {
		return cadence.Report{}, cadence.Errorf(cadence.EINVALID, "The report's end (%s) must be after its start (%s).",
			to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	r := cadence.Report{Now: now}
	err := db.read(ctx, func(tx *sql.Tx) error {
		overdue, err := overdueCounts(ctx, tx, now)
		if err != nil {
			return err
		}
		prevFrom := previousStart(from, to)
		if r.Period, err = section(ctx, tx, db.pg, from, to, overdue); err != nil {
			return err
		}
		if r.Previous, err = section(ctx, tx, db.pg, prevFrom, from, nil); err != nil {
			return err
		}
		r.AllTime, err = section(ctx, tx, db.pg, time.Time{}, to, overdue)
		return err
	})
	if err != nil {
		return cadence.Report{}, fmt.Errorf("report: %w", err)
	}
	return r, nil
}

// previousStart returns the start of the range of the same length just before [from, to). A range
// of whole calendar days in from's zone (a week in FOLLOWUP_TIMEZONE) steps back the same number of
// calendar days, so a week after a DST change is compared with the seven days before it, not with
// seven days of 24 hours that begin an hour off.
func previousStart(from, to time.Time) time.Time {
	days := int(math.Round(to.Sub(from).Hours() / 24))
	if days > 0 && from.AddDate(0, 0, days).Equal(to) {
		return from.AddDate(0, 0, -days)
	}
	return from.Add(-to.Sub(from))
}

// overdue holds the open touchpoints due before now, by cadence and by rep.
type overdue struct {
	byCadence, byRep map[string]int
	total            int
}

func overdueCounts(ctx context.Context, tx *sql.Tx, now time.Time) (*overdue, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.cadence_id, e.owner, COUNT(*)
		FROM touchpoints t JOIN enrollments e ON e.id = t.enrollment_id
		WHERE t.state IN ('pending', 'reminded') AND t.due < ? AND e.status = 'active'
		GROUP BY e.cadence_id, e.owner`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("count overdue: %w", err)
	}
	defer rows.Close()
	o := &overdue{byCadence: map[string]int{}, byRep: map[string]int{}}
	for rows.Next() {
		var cad, rep string
		var n int
		if err := rows.Scan(&cad, &rep, &n); err != nil {
			return nil, fmt.Errorf("count overdue: %w", err)
		}
		o.byCadence[cad] += n
		o.byRep[rep] += n
		o.total += n
	}
	return o, rows.Err()
}

// countsSQL is section's query of the plain counts, told which index to read on SQLite.
func countsSQL(pg, allTime bool) string {
	index := ""
	if !pg {
		index = " INDEXED BY events_report"
		if allTime {
			index = " INDEXED BY events_report_all"
		}
	}
	return `SELECT kind, cadence_id, step, rep, COUNT(*) FROM events` + index + `
		WHERE kind IN ('enrolled', 'sent', 'meeting_booked', 'deal_closed') AND at >= ? AND at < ?
		GROUP BY kind, cadence_id, step, rep`
}

// rangeArgs turns [from, to) into query arguments; a zero from means the start of time.
func rangeArgs(from, to time.Time) (int64, int64) {
	lo := int64(-1 << 62)
	if !from.IsZero() {
		lo = from.UnixMilli()
	}
	return lo, to.UnixMilli()
}

// section computes one range of the report. ov, when not nil, fills in the overdue numbers.
func section(ctx context.Context, tx *sql.Tx, pg bool, from, to time.Time, ov *overdue) (cadence.Section, error) {
	lo, hi := rangeArgs(from, to)
	cads := map[string]*cadence.CadenceStats{}
	reps := map[string]*cadence.RepStats{}
	cad := func(id string) *cadence.CadenceStats {
		c, ok := cads[id]
		if !ok {
			c = &cadence.CadenceStats{CadenceID: id, Stopped: map[cadence.StopReason]int{}}
			cads[id] = c
		}
		return c
	}
	rep := func(id string) *cadence.RepStats {
		r, ok := reps[id]
		if !ok {
			r = &cadence.RepStats{Rep: id}
			reps[id] = r
		}
		return r
	}
	steps := map[string]map[int]*cadence.StepStats{}
	step := func(cadID string, n int) *cadence.StepStats {
		m, ok := steps[cadID]
		if !ok {
			m = map[int]*cadence.StepStats{}
			steps[cadID] = m
		}
		s, ok := m[n]
		if !ok {
			s = &cadence.StepStats{Step: n}
			m[n] = s
		}
		return s
	}
	var team cadence.Counts

	// Plain counts of enrollments, touches, meetings and deals, by cadence, step and rep. Both
	// indexes cover this query: events_report reads a week's range and sorts it for the grouping,
	// events_report_all (migration 0012) streams the whole history in the grouping's order.
	// SQLite's planner, without statistics, would take the second for a week too (five times
	// slower there), so SQLite is told which; PostgreSQL's planner has statistics and chooses.
	rows, err := tx.QueryContext(ctx, countsSQL(pg, from.IsZero()), lo, hi)
	if err != nil {
		return cadence.Section{}, fmt.Errorf("count events: %w", err)
	}
	for rows.Next() {
		var kind, cadID, repID string
		var st, n int
		if err := rows.Scan(&kind, &cadID, &st, &repID, &n); err != nil {
			rows.Close()
			return cadence.Section{}, fmt.Errorf("count events: %w", err)
		}
		c, r := cad(cadID), rep(repID)
		switch kind {
		case "enrolled":
			c.Enrolled += n
			team.Enrolled += n
		case string(cadence.OutcomeSent):
			c.Touches += n
			r.Touches += n
			team.Touches += n
			step(cadID, st).Touches += n
		case string(cadence.OutcomeMeetingBooked):
			c.Meetings += n
			r.Meetings += n
			team.Meetings += n
		case string(cadence.OutcomeDealClosed):
			c.DealsClosed += n
			team.DealsClosed += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cadence.Section{}, fmt.Errorf("count events: %w", err)
	}

	// Replies: each positive answer with the step of the touch sent last before it (-1 when none),
	// skipping an answer that follows another answer to the same touch. The correlated lookups
	// walk events_enrollment inside one follow-up's few events.
	rows, err = tx.QueryContext(ctx, `WITH answers AS (
			SELECT a.id, a.at, a.enrollment_id, a.cadence_id, a.rep,
				(SELECT s.id FROM events s WHERE s.enrollment_id = a.enrollment_id AND s.kind = 'sent'
					AND (s.at < a.at OR (s.at = a.at AND s.id < a.id))
					ORDER BY s.at DESC, s.id DESC LIMIT 1) AS sent_id
			FROM events a
			WHERE a.kind IN ('replied', 'meeting_booked') AND a.at >= ? AND a.at < ? AND a.enrollment_id <> ''
				AND NOT EXISTS (SELECT 1 FROM events u WHERE u.enrollment_id = a.enrollment_id AND u.kind = 'reopened'
					AND u.detail = 'undid replied' AND (u.at > a.at OR (u.at = a.at AND u.id > a.id))
					AND NOT EXISTS (SELECT 1 FROM events x WHERE x.enrollment_id = a.enrollment_id
						AND x.kind IN ('replied', 'meeting_booked') AND (x.at > a.at OR (x.at = a.at AND x.id > a.id))
						AND (x.at < u.at OR (x.at = u.at AND x.id < u.id))))
		)
		SELECT a.cadence_id, a.rep, COALESCE(s.step, -1), COUNT(*)
		FROM answers a LEFT JOIN events s ON s.id = a.sent_id
		WHERE NOT EXISTS (
			SELECT 1 FROM events p WHERE p.enrollment_id = a.enrollment_id
				AND p.kind IN ('replied', 'meeting_booked')
				AND (p.at < a.at OR (p.at = a.at AND p.id < a.id))
				AND (s.id IS NULL OR p.at > s.at OR (p.at = s.at AND p.id > s.id)))
		GROUP BY a.cadence_id, a.rep, COALESCE(s.step, -1)`, lo, hi)
	if err != nil {
		return cadence.Section{}, fmt.Errorf("count replies: %w", err)
	}
	for rows.Next() {
		var cadID, repID string
		var st, n int
		if err := rows.Scan(&cadID, &repID, &st, &n); err != nil {
			rows.Close()
			return cadence.Section{}, fmt.Errorf("count replies: %w", err)
		}
		c := cad(cadID)
		c.Replies += n
		rep(repID).Replies += n
		team.Replies += n
		if st < 0 {
			c.NoStepReplies += n
		} else {
			step(cadID, st).Replies += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cadence.Section{}, fmt.Errorf("count replies: %w", err)
	}

	// Follow-ups ended in the range, by cadence and reason.
	rows, err = tx.QueryContext(ctx, `SELECT cadence_id, stop_reason, COUNT(*) FROM enrollments
		WHERE ended_at IS NOT NULL AND ended_at >= ? AND ended_at < ? AND status IN ('completed', 'stopped')
		GROUP BY cadence_id, stop_reason`, lo, hi)
	if err != nil {
		return cadence.Section{}, fmt.Errorf("count ended follow-ups: %w", err)
	}
	for rows.Next() {
		var cadID, reason string
		var n int
		if err := rows.Scan(&cadID, &reason, &n); err != nil {
			rows.Close()
			return cadence.Section{}, fmt.Errorf("count ended follow-ups: %w", err)
		}
		c := cad(cadID)
		c.Stopped[cadence.StopReason(reason)] += n
		switch cadence.StopReason(reason) {
		case cadence.StopOptedOut:
			c.OptOuts += n
		case cadence.StopComplained:
			c.Complaints += n
			team.Complaints += n
		case cadence.StopBounced:
			c.Bounces += n
			team.Bounces += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cadence.Section{}, fmt.Errorf("count ended follow-ups: %w", err)
	}

	// Out-of-office replies, by cadence: the pauses they caused. lower() makes the match the same on
	// both engines: LIKE ignores ASCII case on SQLite but not on PostgreSQL.
	rows, err = tx.QueryContext(ctx, `SELECT cadence_id, COUNT(*) FROM events
		WHERE kind = 'paused' AND lower(detail) LIKE '%out of office%' AND at >= ? AND at < ? GROUP BY cadence_id`, lo, hi)
	if err != nil {
		return cadence.Section{}, fmt.Errorf("count out-of-office replies: %w", err)
	}
	for rows.Next() {
		var cadID string
		var n int
		if err := rows.Scan(&cadID, &n); err != nil {
			rows.Close()
			return cadence.Section{}, fmt.Errorf("count out-of-office replies: %w", err)
		}
		cad(cadID).OutOfOffice += n
		team.OutOfOffice += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cadence.Section{}, fmt.Errorf("count out-of-office replies: %w", err)
	}

	// The team's opt-outs: distinct contacts, in a follow-up or not; one a rep undid later (a
	// misread mail) is none.
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT contact_id) FROM events o
		WHERE kind = 'opted_out' AND at >= ? AND at < ?
		AND NOT EXISTS (SELECT 1 FROM events u WHERE u.contact_id = o.contact_id AND u.kind = '`+EventOptOutUndone+`' AND u.at >= o.at)`,
		lo, hi).Scan(&team.OptOuts); err != nil {
		return cadence.Section{}, fmt.Errorf("count opt-outs: %w", err)
	}

	if ov != nil {
		team.Overdue = ov.total
		for id, n := range ov.byCadence {
			cad(id).Overdue = n
		}
		for id, n := range ov.byRep {
			rep(id).Overdue = n
		}
	}

	s := cadence.Section{From: from, To: to, Team: team}
	for id, c := range cads {
		if id == "" {
			continue // contact-wide events belong to no cadence; they count in Team only
		}
		for _, st := range steps[id] {
			c.Steps = append(c.Steps, *st)
		}
		sort.Slice(c.Steps, func(i, j int) bool { return c.Steps[i].Step < c.Steps[j].Step })
		s.Cadences = append(s.Cadences, *c)
	}
	sort.Slice(s.Cadences, func(i, j int) bool {
		a, b := s.Cadences[i], s.Cadences[j]
		if a.Touches != b.Touches {
			return a.Touches > b.Touches
		}
		return a.CadenceID < b.CadenceID
	})
	for id, r := range reps {
		if id == "" {
			continue
		}
		s.Reps = append(s.Reps, *r)
	}
	sort.Slice(s.Reps, func(i, j int) bool {
		a, b := s.Reps[i], s.Reps[j]
		if a.Touches != b.Touches {
			return a.Touches > b.Touches
		}
		return a.Rep < b.Rep
	})
	return s, nil
}

// reportKey is the settings key holding the end of the last period the weekly report covered.
const reportKey = "report.last_period_end"

// LastReportedWeek returns the end of the last period the scheduled report was posted for (unix
// time of the cron firing that closed it), or the zero time when none was.
func (db *DB) LastReportedWeek(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		t, err = lastReported(ctx, tx)
		return err
	})
	return t, err
}

func lastReported(ctx context.Context, q queryer) (time.Time, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, reportKey).Scan(&v)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read last report: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("read last report: bad value %q", v)
	}
	return time.UnixMilli(n).UTC(), nil
}

// MarkReported records that the report for the period ending at end was posted, clearing the
// intent BeginReport recorded for it, unless a period ending at or after end was already recorded:
// it returns false then. Check and record happen in one write transaction.
func (db *DB) MarkReported(ctx context.Context, end time.Time) (bool, error) {
	claimed := false
	err := db.write(ctx, func(tx *sql.Tx) error {
		last, err := lastReported(ctx, tx)
		if err != nil {
			return err
		}
		if !last.IsZero() && !end.After(last) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, reportKey, strconv.FormatInt(end.UnixMilli(), 10)); err != nil {
			return fmt.Errorf("record report: %w", err)
		}
		// An intent BeginReport recorded, for this period or an earlier one, is fulfilled or moot.
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, reportPostingKey); err != nil {
			return fmt.Errorf("record report: %w", err)
		}
		claimed = true
		return nil
	})
	return claimed, err
}

// UnmarkReported undoes MarkReported(end) after the report could not be posted, setting the
// record back to prev (zero for none), so the next start tries again. It does nothing when a later
// period was recorded meanwhile.
func (db *DB) UnmarkReported(ctx context.Context, end, prev time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		last, err := lastReported(ctx, tx)
		if err != nil {
			return err
		}
		if !last.Equal(end.UTC().Truncate(time.Millisecond)) {
			return nil
		}
		if prev.IsZero() {
			_, err = tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, reportKey)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE settings SET value = ? WHERE key = ?`, strconv.FormatInt(prev.UnixMilli(), 10), reportKey)
		}
		if err != nil {
			return fmt.Errorf("undo report record: %w", err)
		}
		return nil
	})
}

// RecentlyEnded returns owner's follow-ups that ended (completed or stopped) at or after since,
// the most recent first, at most limit of them, with the total number that ended since then.
func (db *DB) RecentlyEnded(ctx context.Context, owner string, since time.Time, limit int) ([]cadence.EnrollmentView, int, error) {
	var vs []cadence.EnrollmentView
	var total int
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE owner = ? AND ended_at IS NOT NULL AND ended_at >= ?`,
			owner, since.UnixMilli()).Scan(&total); err != nil {
			return err
		}
		vs, err = views(ctx, tx, viewSelect+` WHERE e.owner = ? AND e.ended_at IS NOT NULL AND e.ended_at >= ?
			ORDER BY e.ended_at DESC, e.id LIMIT ?`, owner, since.UnixMilli(), limit)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list ended follow-ups: %w", err)
	}
	return vs, total, nil
}
