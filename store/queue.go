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

// orderSQL is queueSQL without the contact: only the two covering indexes, no row of a table.
const orderSQL = `SELECT e.id, e.contact_id, e.owner, e.cadence_id, e.status, e.step, e.paused_until, e.created_at,
		t.id, t.step, t.due, t.state
	FROM enrollments e
	LEFT JOIN touchpoints t` + indexHint + ` ON t.enrollment_id = e.id AND t.state IN ('pending', 'reminded')`

const (
	orderRunningSQL = orderSQL + ` WHERE e.owner = ? AND e.status IN ('active', 'paused')`
	orderDueSQL     = orderSQL + ` WHERE e.owner = ? AND e.status = 'active' AND t.due <= ?`

	// contactsSQL reads what a list shows of a few contacts; the caller adds the placeholders.
	contactsSQL = `SELECT id, name, email, phone, linkedin, company FROM contacts WHERE id IN (`
)

// maxFill is how many contacts FillContacts reads in one query.
const maxFill = 100

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

// QueueOrder is Queue without the contacts: each view's Contact has only its ID, in the same
// order. A list that shows only its first lines fills theirs with FillContacts, instead of
// reading the contact of every follow-up (at 200 follow-ups, most of Queue's cost).
func (db *DB) QueueOrder(ctx context.Context, owner string) ([]cadence.EnrollmentView, error) {
	vs, err := db.order(ctx, orderRunningSQL, owner)
	if err != nil {
		return nil, fmt.Errorf("list follow-ups: %w", err)
	}
	return vs, nil
}

// DueQueueOrder is DueQueue without the contacts, as QueueOrder is Queue.
func (db *DB) DueQueueOrder(ctx context.Context, owner string, now time.Time) ([]cadence.EnrollmentView, error) {
	vs, err := db.order(ctx, orderDueSQL, owner, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list due follow-ups: %w", err)
	}
	return vs, nil
}

// FillContacts fills in each view's Contact, from its Contact.ID, with what Queue fills: ID,
// Name, Email, Phone, LinkedIn and Company. A contact no longer there is left as it was.
func (db *DB) FillContacts(ctx context.Context, vs []cadence.EnrollmentView) error {
	for len(vs) > 0 {
		part := vs[:min(len(vs), maxFill)]
		vs = vs[len(part):]
		args := make([]any, len(part))
		for i, v := range part {
			args[i] = v.Contact.ID
		}
		found := make(map[int64]cadence.Contact, len(part))
		err := db.readHot(ctx, func(q queryer) error {
			rows, err := q.QueryContext(ctx, contactsSQL+placeholders(len(args))+`)`, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c cadence.Contact
				if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.LinkedIn, &c.Company); err != nil {
					return err
				}
				found[c.ID] = c
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("load contacts: %w", err)
		}
		for i := range part {
			if c, ok := found[part[i].Contact.ID]; ok {
				part[i].Contact = c
			}
		}
	}
	return nil
}

// indexHint is the SQLite-only part of queueSQL and orderSQL; unhinted takes it out for
// PostgreSQL, which has no INDEXED BY and plans the join by itself.
const indexHint = ` INDEXED BY touchpoints_open_queue`

// unhinted returns query as the database's engine takes it: without indexHint on PostgreSQL.
func (db *DB) unhinted(query string) string {
	if db.pg {
		return strings.Replace(query, indexHint, "", 1)
	}
	return query
}

func (db *DB) order(ctx context.Context, query string, args ...any) ([]cadence.EnrollmentView, error) {
	query = db.unhinted(query)
	var vs []cadence.EnrollmentView
	err := db.readHot(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v cadence.EnrollmentView
			e := &v.Enrollment
			var pausedUntil, created, tid, tstep, tdue sql.NullInt64
			var tstate sql.NullString
			if err := rows.Scan(&e.ID, &e.ContactID, &e.Owner, &e.CadenceID, &e.Status, &e.Step, &pausedUntil, &created,
				&tid, &tstep, &tdue, &tstate); err != nil {
				return err
			}
			v.Contact.ID = e.ContactID
			e.PausedUntil, e.CreatedAt = fromMS(pausedUntil), fromMS(created)
			if tid.Valid {
				v.Open = &cadence.Touchpoint{ID: tid.Int64, EnrollmentID: e.ID, Step: int(tstep.Int64), Due: fromMS(tdue),
					State: cadence.TouchState(tstate.String)}
			}
			vs = append(vs, v)
		}
		return rows.Err()
	})
	sortByNextDue(vs)
	return vs, err
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
			var v cadence.EnrollmentView
			e, c := &v.Enrollment, &v.Contact
			var pausedUntil, created, tid, tstep, tdue sql.NullInt64
			var tstate sql.NullString
			if err := rows.Scan(&e.ID, &e.ContactID, &e.Owner, &e.CadenceID, &e.Status, &e.Step, &pausedUntil, &created,
				&c.ID, &c.Name, &c.Email, &c.Phone, &c.LinkedIn, &c.Company, &tid, &tstep, &tdue, &tstate); err != nil {
				return err
			}
			e.PausedUntil, e.CreatedAt = fromMS(pausedUntil), fromMS(created)
			if tid.Valid {
				v.Open = &cadence.Touchpoint{ID: tid.Int64, EnrollmentID: e.ID, Step: int(tstep.Int64), Due: fromMS(tdue),
					State: cadence.TouchState(tstate.String)}
			}
			vs = append(vs, v)
		}
		return rows.Err()
	})
	sortByNextDue(vs)
	return vs, err
}
