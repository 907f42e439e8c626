package store

import (
	"context"
	"database/sql"
	"fmt"
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
	queueRunningSQL = queueSQL + ` WHERE e.owner = ? AND e.status IN ('active', 'paused')`
	queueDueSQL     = queueSQL + ` WHERE e.owner = ? AND e.status = 'active' AND t.due <= ?`
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

// indexHint is the SQLite-only part of queueSQL and pageSQL; unhinted takes it out for
// PostgreSQL, which has no INDEXED BY and plans the join by itself.
const indexHint = ` INDEXED BY touchpoints_open_queue`

// unhinted returns query as the database's engine takes it: without indexHint on PostgreSQL.
func (db *DB) unhinted(query string) string {
	if db.pg {
		return strings.Replace(query, indexHint, "", 1)
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

// pageSQL is one page of a rep's list in Queue's order, sorted and cut by the database: the
// window count is the number of the rep's follow-ups in the list, and only the contacts of the
// page's rows are read (the subquery's LIMIT keeps SQLite from joining them before the cut).
// Sorting the rep's rows in the database costs a sort of those rows (a few hundred at most),
// instead of scanning every one of them into Go values and sorting them there (Queue).
const pageSQL = `SELECT q.id, q.contact_id, q.owner, q.cadence_id, q.status, q.step, q.paused_until, q.created_at,
		c.id, c.name, c.email, c.phone, c.linkedin, c.company,
		q.tid, q.tstep, q.tdue, q.tstate, q.total
	FROM (SELECT e.id, e.contact_id, e.owner, e.cadence_id, e.status, e.step, e.paused_until, e.created_at,
			t.id AS tid, t.step AS tstep, t.due AS tdue, t.state AS tstate, COUNT(*) OVER () AS total
		FROM enrollments e
		LEFT JOIN touchpoints t` + indexHint + ` ON t.enrollment_id = e.id AND t.state IN ('pending', 'reminded')
		WHERE %s
		ORDER BY t.due IS NULL, t.due, e.created_at, e.id
		LIMIT ? OFFSET ?) q
	JOIN contacts c ON c.id = q.contact_id
	ORDER BY q.tdue IS NULL, q.tdue, q.created_at, q.id`

var (
	pageRunningSQL = fmt.Sprintf(pageSQL, `e.owner = ? AND e.status IN ('active', 'paused')`)
	pageDueSQL     = fmt.Sprintf(pageSQL, `e.owner = ? AND e.status = 'active' AND t.due <= ?`)
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
	args := append(append([]any{owner}, more...), max(limit, 0), max(offset, 0))
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
