package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Enrollment returns the follow-up with id, its contact and its open touchpoint. It returns
// ENOTFOUND when there is no such follow-up.
func (db *DB) Enrollment(ctx context.Context, id string) (cadence.EnrollmentView, error) {
	var v cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		v, err = view(ctx, tx, id)
		return err
	})
	return v, err
}

// ListEnrollments returns owner's follow-ups in the given statuses (all statuses when none are
// given), soonest open touchpoint first and those with none last. An empty owner means every rep's.
func (db *DB) ListEnrollments(ctx context.Context, owner string, statuses ...cadence.Status) ([]cadence.EnrollmentView, error) {
	q, args := listSQL(owner, statuses)
	var vs []cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		vs, err = views(ctx, tx, q, args...)
		sortByNextDue(vs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list follow-ups: %w", err)
	}
	return vs, nil
}

// Due returns owner's active follow-ups whose open touchpoint is due at or before now, the most
// overdue first. An empty owner means every rep's.
func (db *DB) Due(ctx context.Context, owner string, now time.Time) ([]cadence.EnrollmentView, error) {
	q, args := dueSQL(owner, now)
	var vs []cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		vs, err = views(ctx, tx, q, args...)
		sortByNextDue(vs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list due follow-ups: %w", err)
	}
	return vs, nil
}

// PausedDue returns the paused follow-ups whose pause ended at or before now, so they can be
// resumed. Open-ended pauses are never due.
func (db *DB) PausedDue(ctx context.Context, now time.Time) ([]cadence.EnrollmentView, error) {
	var vs []cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		vs, err = views(ctx, tx, viewSelect+` WHERE e.status = 'paused' AND e.paused_until <= ? ORDER BY e.paused_until, e.id`,
			now.UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list paused follow-ups: %w", err)
	}
	return vs, nil
}

// Touchpoint returns the touchpoint with id and its follow-up. It returns ENOTFOUND when there is
// no such touchpoint.
func (db *DB) Touchpoint(ctx context.Context, id int64) (cadence.TouchView, error) {
	var tv cadence.TouchView
	err := db.readEach(ctx, func(q queryer) (err error) {
		tv, err = touchView(ctx, q, id)
		return err
	})
	return tv, err
}

// Touchpoints returns every touchpoint of a follow-up, open or closed, by step. It returns
// ENOTFOUND when there is no such follow-up.
func (db *DB) Touchpoints(ctx context.Context, enrollmentID string) ([]cadence.Touchpoint, error) {
	var ts []cadence.Touchpoint
	err := db.readEach(ctx, func(q queryer) (err error) {
		ts, err = touchesOf(ctx, q, enrollmentID)
		if err != nil || len(ts) > 0 {
			return err // a follow-up that has touchpoints exists: one statement, not two
		}
		return mustExist(ctx, q, enrollmentID)
	})
	return ts, err
}

func touchesOf(ctx context.Context, q queryer, enrollmentID string) ([]cadence.Touchpoint, error) {
	ts, err := touches(ctx, q, touchpointsSQL, enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("list touchpoints: %w", err)
	}
	return ts, nil
}

// Details returns what a follow-up's DM and show draw on besides its view, read
// together: its touchpoints by step, its signals, the permalink it was started on and the
// company news it was flagged with. It returns ENOTFOUND when there is no such follow-up. The
// reads need not agree with one another (readEach): on PostgreSQL that saves two round trips.
// The touchpoints come with whether the follow-up has signals, a permalink or news at all, so a
// follow-up without them (most) costs one statement instead of four: each is a round trip on
// PostgreSQL, and a DM reads them all.
func (db *DB) Details(ctx context.Context, enrollmentID string) (cadence.Details, error) {
	var d cadence.Details
	err := db.readEach(ctx, func(q queryer) (err error) {
		d, err = details(ctx, q, enrollmentID)
		return err
	})
	return d, err
}

// details reads Details with q.
func details(ctx context.Context, q queryer, enrollmentID string) (d cadence.Details, err error) {
	var has extras
	if d.Touches, has, err = touchesWithExtras(ctx, q, enrollmentID); err != nil {
		return d, err
	}
	if len(d.Touches) == 0 { // every follow-up has touchpoints: look whether there is one
		if err := mustExist(ctx, q, enrollmentID); err != nil {
			return d, err
		}
		has = extras{signals: true, link: true, news: true} // not known: read them all
	}
	return d, readExtras(ctx, q, enrollmentID, has, &d)
}

// readExtras reads into d the signals, permalink and company news of a follow-up that has them.
func readExtras(ctx context.Context, q queryer, enrollmentID string, has extras, d *cadence.Details) (err error) {
	if has.signals {
		if d.Signals, err = signalsOf(ctx, q, enrollmentID); err != nil {
			return err
		}
	}
	if has.link {
		if d.Link, err = linkOf(ctx, q, enrollmentID); err != nil {
			return err
		}
	}
	if has.news {
		d.News, err = newsOf(ctx, q, enrollmentID)
	}
	return err
}

// extras says which of a follow-up's signals, permalink and company news exist.
type extras struct{ signals, link, news bool }

// extrasCols says on every touchpoint row whether its follow-up has signals, a permalink and
// company news (1 or 0): three probes of their enrollment_id indexes.
const extrasCols = `
	CASE WHEN EXISTS (SELECT 1 FROM signals s WHERE s.enrollment_id = t.enrollment_id) THEN 1 ELSE 0 END,
	CASE WHEN EXISTS (SELECT 1 FROM enrollment_origins o WHERE o.enrollment_id = t.enrollment_id) THEN 1 ELSE 0 END,
	CASE WHEN EXISTS (SELECT 1 FROM company_news n WHERE n.enrollment_id = t.enrollment_id) THEN 1 ELSE 0 END`

// touchesExtrasSQL is touchpointsSQL with extrasCols.
const touchesExtrasSQL = `SELECT ` + touchCols + `,` + extrasCols + `
	FROM touchpoints t WHERE t.enrollment_id = CAST(? AS TEXT) ORDER BY t.step, t.id`

// recheckSQL is touchesExtrasSQL for the follow-up of a touchpoint, with the follow-up and its
// contact on every row: a touchpoint's view and its follow-up's details in one statement.
const recheckSQL = `SELECT ` + touchCols + `,` + extrasCols + `, ` + enrollmentCols + `, ` + contactCols + `
	FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.enrollment_id = (SELECT x.enrollment_id FROM touchpoints x WHERE x.id = CAST(? AS BIGINT))
	ORDER BY t.step, t.id`

// touchDetails reads touchpoint touchID's view and its follow-up's details (Details), in one
// statement when the follow-up has no extras. It returns ENOTFOUND when there is no such
// touchpoint.
func touchDetails(ctx context.Context, q queryer, touchID int64) (tv cadence.TouchView, d cadence.Details, err error) {
	rows, err := q.QueryContext(ctx, recheckSQL, touchID)
	if err != nil {
		return tv, d, fmt.Errorf("load touchpoint %d: %w", touchID, err)
	}
	defer rows.Close()
	var has extras
	found := false
	for rows.Next() {
		var tr touchRow
		var er enrollmentRow
		var cr contactRow
		var sig, link, news int
		if err := rows.Scan(append(append(append(tr.dest(), &sig, &link, &news), er.dest()...), cr.dest()...)...); err != nil {
			return tv, d, fmt.Errorf("load touchpoint %d: %w", touchID, err)
		}
		t := *tr.value()
		d.Touches = append(d.Touches, t)
		has = extras{signals: sig != 0, link: link != 0, news: news != 0}
		if t.ID == touchID {
			tv.Touch, tv.Enrollment, tv.Contact, found = t, er.value(), cr.value(), true
		}
	}
	if err := rows.Err(); err != nil {
		return tv, d, fmt.Errorf("load touchpoint %d: %w", touchID, err)
	}
	if !found {
		return tv, d, cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
	}
	for i := range d.Touches { // at most one is open (touchpoints_one_open)
		if d.Touches[i].State.Open() {
			open := d.Touches[i]
			tv.Open = &open
			break
		}
	}
	return tv, d, readExtras(ctx, q, tv.Enrollment.ID, has, &d)
}

// touchesWithExtras lists a follow-up's touchpoints by step, and which extras it has.
func touchesWithExtras(ctx context.Context, q queryer, enrollmentID string) ([]cadence.Touchpoint, extras, error) {
	var has extras
	rows, err := q.QueryContext(ctx, touchesExtrasSQL, enrollmentID)
	if err != nil {
		return nil, has, fmt.Errorf("list touchpoints: %w", err)
	}
	defer rows.Close()
	var out []cadence.Touchpoint
	for rows.Next() {
		var tr touchRow
		var sig, link, news int
		if err := rows.Scan(append(tr.dest(), &sig, &link, &news)...); err != nil {
			return nil, has, fmt.Errorf("list touchpoints: %w", err)
		}
		out = append(out, *tr.value())
		has = extras{signals: sig != 0, link: link != 0, news: news != 0}
	}
	if err := rows.Err(); err != nil {
		return nil, has, fmt.Errorf("list touchpoints: %w", err)
	}
	return out, has, nil
}

// Events returns a follow-up's event log, oldest first. It returns ENOTFOUND when there is no
// such follow-up.
func (db *DB) Events(ctx context.Context, enrollmentID string) ([]cadence.Event, error) {
	var evs []cadence.Event
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, enrollmentID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, eventsSQL, enrollmentID)
		if err != nil {
			return fmt.Errorf("list events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ev cadence.Event
			var at int64
			if err := rows.Scan(&ev.ID, &at, &ev.EnrollmentID, &ev.ContactID, &ev.CadenceID, &ev.Step,
				&ev.Rep, &ev.Actor, &ev.Kind, &ev.Detail); err != nil {
				return fmt.Errorf("list events: %w", err)
			}
			ev.At = time.UnixMilli(at).UTC()
			evs = append(evs, ev)
		}
		return rows.Err()
	})
	return evs, err
}

// Signals returns the intent signals recorded for a follow-up, oldest first. It returns
// ENOTFOUND when there is no such follow-up.
func (db *DB) Signals(ctx context.Context, enrollmentID string) ([]cadence.Signal, error) {
	var ss []cadence.Signal
	err := db.readEach(ctx, func(q queryer) (err error) {
		if err := mustExist(ctx, q, enrollmentID); err != nil {
			return err
		}
		ss, err = signalsOf(ctx, q, enrollmentID)
		return err
	})
	return ss, err
}

func signalsOf(ctx context.Context, q queryer, enrollmentID string) ([]cadence.Signal, error) {
	rows, err := q.QueryContext(ctx, signalsSQL, enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("list signals: %w", err)
	}
	defer rows.Close()
	var ss []cadence.Signal
	for rows.Next() {
		var s cadence.Signal
		var at int64
		if err := rows.Scan(&s.EnrollmentID, &s.Text, &at, &s.By); err != nil {
			return nil, fmt.Errorf("list signals: %w", err)
		}
		s.At = time.UnixMilli(at).UTC()
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list signals: %w", err)
	}
	return ss, nil
}

// AddSignal records an intent signal for a follow-up. It only stores the signal: the change it
// leads to (an earlier touch, and its event) goes through Update. It returns ENOTFOUND when there
// is no such follow-up and EINVALID when the signal has no text.
func (db *DB) AddSignal(ctx context.Context, s cadence.Signal) error {
	if s.Text == "" {
		return cadence.Errorf(cadence.EINVALID, "Say what the signal was, for example \"asked for pricing\".")
	}
	if s.At.IsZero() {
		s.At = db.Now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, s.EnrollmentID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signals (enrollment_id, text, at, by_user) VALUES (?, ?, ?, ?)`,
			s.EnrollmentID, s.Text, s.At.UnixMilli(), s.By); err != nil {
			return fmt.Errorf("add signal: %w", err)
		}
		return nil
	})
}

// ContactByEmail returns the contact with this normalized email. It returns ENOTFOUND when there
// is none.
func (db *DB) ContactByEmail(ctx context.Context, email string) (cadence.Contact, error) {
	return db.contactWhere(ctx, fmt.Sprintf("no contact has the email %s", email), byKey("email"), email)
}

// ContactByID returns the contact with id. It returns ENOTFOUND when there is none.
func (db *DB) ContactByID(ctx context.Context, id int64) (cadence.Contact, error) {
	return db.contactWhere(ctx, fmt.Sprintf("no contact has the id %d", id), `c.id = ?`, id)
}

func (db *DB) contactWhere(ctx context.Context, missing, where string, args ...any) (cadence.Contact, error) {
	var c cadence.Contact
	err := db.read(ctx, func(tx *sql.Tx) error {
		got, ok, err := contact(ctx, tx, where, args...)
		if err != nil {
			return err
		}
		if !ok {
			return cadence.Errorf(cadence.ENOTFOUND, "There is %s.", missing)
		}
		c = got
		return nil
	})
	return c, err
}

// mustExist returns ENOTFOUND unless the follow-up with id exists.
func mustExist(ctx context.Context, q queryer, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, existsSQL, id).Scan(&n); err != nil {
		return fmt.Errorf("find follow-up %s: %w", id, err)
	}
	if n == 0 {
		return cadence.Errorf(cadence.ENOTFOUND, "There is no follow-up with id %q.", id)
	}
	return nil
}
