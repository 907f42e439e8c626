package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// queueSQL selects what a list of a rep's follow-ups shows, from the covering indexes of
// migration 0007 and the contact's row. INDEXED BY names the touchpoints' index because the
// planner prefers the unique touchpoints_one_open, which holds no columns; on PostgreSQL, which
// has no such hint, it is left out (unhinted).
const queueSQL = `SELECT e.id, e.contact_id, e.owner, e.cadence_id, e.status, e.step, e.paused_until, e.created_at,
		c.id, c.name, c.email, c.phone, c.linkedin, c.company,
		t.id, t.step, t.due, t.state
	FROM enrollments e
	JOIN contacts c ON c.id = e.contact_id
	LEFT JOIN touchpoints t` + indexHint + ` ON t.enrollment_id = e.id AND t.state IN ('pending', 'reminded')`

const (
	queueRunningSQL = queueSQL + ` WHERE e.owner = ` + textArg + ` AND e.status IN ('active', 'paused')`
	queueDueSQL     = queueSQL + ` WHERE e.owner = ` + textArg + ` AND e.status = 'active' AND t.due <= ?`
)

// Queue returns owner's running (active and paused) follow-ups, soonest open touchpoint first and
// those with none last, with only what a list of them shows: of the enrollment its ID, ContactID,
// Owner, CadenceID, Status, Step, PausedUntil and CreatedAt; of the contact its ID, Name, Email,
// Phone, LinkedIn and Company; of the open touchpoint its ID, EnrollmentID, Step, Due and State.
// Use Enrollment for the whole of one follow-up.
func (db *DB) Queue(ctx context.Context, owner string) ([]cadence.EnrollmentView, error) {
	vs, err := db.queue(ctx, queueRunningSQL, owner)
	if err != nil {
		return nil, fmt.Errorf("list follow-ups: %w", err)
	}
	return vs, nil
}

// DueQueue returns owner's active follow-ups whose open touchpoint is due at now or before, the
// most overdue first, filled as Queue fills them.
func (db *DB) DueQueue(ctx context.Context, owner string, now time.Time) ([]cadence.EnrollmentView, error) {
	vs, err := db.queue(ctx, queueDueSQL, owner, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list due follow-ups: %w", err)
	}
	return vs, nil
}

// indexHint is the SQLite-only part of queueSQL, as runningHint is of pageSQL; unhinted takes
// them out for PostgreSQL, which has no INDEXED BY and plans the join by itself.
const indexHint = ` INDEXED BY touchpoints_open_queue`

// unhinted returns query as the database's engine takes it: without indexHint and runningHint
// on PostgreSQL.
func (db *DB) unhinted(query string) string {
	if db.pg {
		return strings.ReplaceAll(strings.ReplaceAll(query, indexHint, ""), runningHint, "")
	}
	return query
}

// scanQueueRow reads one row of a list query (queue, page): the follow-up, its contact and its
// open touchpoint, then into extra whatever columns the query adds after them.
func scanQueueRow(rows *sql.Rows, extra ...any) (cadence.EnrollmentView, error) {
	var v cadence.EnrollmentView
	e, c := &v.Enrollment, &v.Contact
	var pausedUntil, created, tid, tstep, tdue sql.NullInt64
	var tstate sql.NullString
	dest := append([]any{&e.ID, &e.ContactID, &e.Owner, &e.CadenceID, &e.Status, &e.Step, &pausedUntil, &created,
		&c.ID, &c.Name, &c.Email, &c.Phone, &c.LinkedIn, &c.Company, &tid, &tstep, &tdue, &tstate}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return v, err
	}
	e.PausedUntil, e.CreatedAt = fromMS(pausedUntil), fromMS(created)
	if tid.Valid {
		v.Open = &cadence.Touchpoint{ID: tid.Int64, EnrollmentID: e.ID, Step: int(tstep.Int64), Due: fromMS(tdue),
			State: cadence.TouchState(tstate.String)}
	}
	return v, nil
}

func (db *DB) queue(ctx context.Context, query string, args ...any) ([]cadence.EnrollmentView, error) {
	query = db.unhinted(query)
	var vs []cadence.EnrollmentView
	err := db.readHot(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanQueueRow(rows)
			if err != nil {
				return err
			}
			vs = append(vs, v)
		}
		return rows.Err()
	})
	sortByNextDue(vs)
	return vs, err
}

// pageSQL is one page of a rep's list in Queue's order, read in that order from the index of the
// rep's running follow-ups by their next due time (migration 0013), so that only the page's rows
// are read, with their contacts and open touches (from the covering touchpoints_open_queue); the
// count of the whole list comes from the same index. %[1]s is the condition on the rep's follow-ups as e, %[2]s the same as n for the count;
// both must name status IN ('active', 'paused') for the partial index to serve them. The count's
// placeholders come first, so the condition's arguments are given twice. page adds the LIMIT and
// OFFSET as numbers in the text: SQLite compiles a statement again whenever a bound LIMIT or OFFSET
// is bound anew, which it is at every run, and a page's text has few variants (its limit is
// fillBatch, its offsets multiples of it).
const pageSQL = `SELECT e.id, e.contact_id, e.owner, e.cadence_id, e.status, e.step, e.paused_until, e.created_at,
		c.id, c.name, c.email, c.phone, c.linkedin, c.company,
		t.id, t.step, t.due, t.state,
		(SELECT COUNT(*) FROM enrollments n` + runningHint + ` WHERE %[2]s) AS total
	FROM enrollments e` + runningHint + `
	JOIN contacts c ON c.id = e.contact_id
	LEFT JOIN touchpoints t` + indexHint + ` ON t.enrollment_id = e.id AND t.state IN ('pending', 'reminded')
	WHERE %[1]s
	ORDER BY e.next_due, e.created_at, e.id`

// runningHint names the index of the rep's running follow-ups by next due time for SQLite.
const runningHint = ` INDEXED BY enrollments_running_next`

var (
	pageRunningSQL = fmt.Sprintf(pageSQL, `e.owner = `+textArg+` AND e.status IN ('active', 'paused')`,
		`n.owner = `+textArg+` AND n.status IN ('active', 'paused')`)
	pageDueSQL = fmt.Sprintf(pageSQL, `e.owner = `+textArg+` AND e.status IN ('active', 'paused') AND e.status = 'active' AND e.next_due <= ?`,
		`n.owner = `+textArg+` AND n.status IN ('active', 'paused') AND n.status = 'active' AND n.next_due <= ?`)
)

// QueuePage returns limit of owner's running follow-ups from offset on, in Queue's order and
// filled as Queue fills them, and how many running follow-ups owner has in all. A list that shows
// only its first lines reads only those. total is 0 when the page is empty (offset past the end).
func (db *DB) QueuePage(ctx context.Context, owner string, offset, limit int) (vs []cadence.EnrollmentView, total int, err error) {
	vs, total, err = db.page(ctx, pageRunningSQL, owner, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list follow-ups: %w", err)
	}
	return vs, total, nil
}

// DueQueuePage is QueuePage of DueQueue: owner's active follow-ups due at now or before.
func (db *DB) DueQueuePage(ctx context.Context, owner string, now time.Time, offset, limit int) (vs []cadence.EnrollmentView, total int, err error) {
	vs, total, err = db.page(ctx, pageDueSQL, owner, offset, limit, now.UnixMilli())
	if err != nil {
		return nil, 0, fmt.Errorf("list due follow-ups: %w", err)
	}
	return vs, total, nil
}

func (db *DB) page(ctx context.Context, query, owner string, offset, limit int, more ...any) ([]cadence.EnrollmentView, int, error) {
	query = db.unhinted(query)
	query += fmt.Sprintf(" LIMIT %d OFFSET %d", max(limit, 0), max(offset, 0))
	cond := append([]any{owner}, more...)
	args := append(slices.Clone(cond), cond...)
	vs := make([]cadence.EnrollmentView, 0, max(limit, 0))
	total := 0
	err := db.readHot(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanQueueRow(rows, &total)
			if err != nil {
				return err
			}
			vs = append(vs, v)
		}
		return rows.Err()
	})
	return vs, total, err
}
