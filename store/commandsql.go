package store

import (
	"time"

	"github.com/followup-bot/followup/cadence"
)

// The queries behind a rep's commands (list, due, show, the already-enrolled check of add, the
// rep's settings). Each is an index search whose cost follows the size of its answer, not of the
// tables; TestCommandQueriesUseTheirIndexes holds them to it, as TestClaimUsesPendingDueIndex
// does for Claim.
const (
	// runningOfContactSQL finds a contact's running follow-up: Enroll refuses a second one.
	runningOfContactSQL = viewSelect + ` WHERE e.contact_id = ? AND e.status IN ('active', 'paused')`

	touchpointsSQL = `SELECT ` + touchCols + ` FROM touchpoints t WHERE t.enrollment_id = ? ORDER BY t.step, t.id`
	eventsSQL      = `SELECT id, at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind, detail
		FROM events WHERE enrollment_id = ? ORDER BY at, id`
	signalsSQL = `SELECT s.enrollment_id, s.text, s.at, s.by_user FROM enrollments e
		LEFT JOIN signals s ON s.enrollment_id = e.id WHERE e.id = ? ORDER BY s.at, s.id`
	existsSQL = `SELECT COUNT(*) FROM enrollments WHERE id = ?`
	repSQL    = `SELECT user_id, name, tz, tz_manual, tz_checked_at, hours, days, away_from, away_until, gone,
		booking, signature FROM reps WHERE user_id = ?`
)

// listSQL selects owner's follow-ups in the given statuses (all when none); an empty owner means
// every rep's. The caller sorts them (sortByNextDue).
func listSQL(owner string, statuses []cadence.Status) (string, []any) {
	where, args := ` WHERE 1 = 1`, []any{}
	if owner != "" {
		where += ` AND e.owner = ?`
		args = append(args, owner)
	}
	if len(statuses) > 0 {
		where += ` AND e.status IN (` + placeholders(len(statuses)) + `)`
		for _, s := range statuses {
			args = append(args, string(s))
		}
	}
	return viewSelect + where, args
}

// dueSQL selects owner's active follow-ups whose open touchpoint is due at now or before; an
// empty owner means every rep's. The caller sorts them (sortByNextDue).
func dueSQL(owner string, now time.Time) (string, []any) {
	where, args := ` WHERE e.status = 'active' AND t.due <= ?`, []any{now.UnixMilli()}
	if owner != "" {
		where += ` AND e.owner = ?`
		args = append(args, owner)
	}
	return viewSelect + where, args
}
