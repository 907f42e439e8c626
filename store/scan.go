package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// The column lists below match the dest methods of the row types; keep them in step.
const (
	enrollmentCols = `e.id, e.contact_id, e.owner, e.cadence_id, e.trigger, e.trigger_at, e.intent,
		e.decision_date, e.note, e.status, e.stop_reason, e.step, e.paused_at, e.paused_until,
		e.created_at, e.updated_at, e.ended_at`
	contactCols = `c.id, c.name, c.email, c.phone, c.linkedin, c.company, c.role, c.dnc, c.dnc_at,
		c.dnc_reason, c.dnc_by, c.sms_consent, c.tz`
	touchCols = `t.id, t.enrollment_id, t.step, t.due, t.state, t.outcome, t.attempts, t.lease_until,
		t.draft, t.draft_source, t.draft_model, t.dm_channel, t.dm_ts, t.done_at, t.done_by`

	// viewSelect selects EnrollmentViews; callers add WHERE and ORDER BY, with textArg and
	// intArg for the parameters compared with a column.
	viewSelect = `SELECT ` + enrollmentCols + `, ` + contactCols + `, ` + touchCols + `
		FROM enrollments e
		JOIN contacts c ON c.id = e.contact_id
		LEFT JOIN touchpoints t ON t.enrollment_id = e.id AND t.state IN ('pending', 'reminded')`
)

// textArg and intArg stand for a bound parameter compared with a column by equality. Written
// bare (e.id = ?), SQLite propagates the parameter into the plan as a constant, compares its bound
// value with the conditions of the tables' partial indexes, and so compiles the statement again
// each time it is bound anew, that is at every run: for a follow-up's view that costs several
// times the query itself, and a one-table read of a follow-up's touchpoints three times (45 µs
// against 15). A CAST keeps it a parameter the plan does not depend on (the index on the column
// is used all the same).
const (
	textArg = `CAST(? AS TEXT)`
	intArg  = `CAST(? AS BIGINT)`
)

// viewByIDSQL selects one follow-up's view by its id (view).
const viewByIDSQL = viewSelect + ` WHERE e.id = ` + textArg

type enrollmentRow struct {
	e                                                                   cadence.Enrollment
	triggerAt, decision, pausedAt, pausedUntil, created, updated, ended sql.NullInt64
}

func (r *enrollmentRow) dest() []any {
	e := &r.e
	return []any{&e.ID, &e.ContactID, &e.Owner, &e.CadenceID, &e.Trigger, &r.triggerAt, &e.Intent,
		&r.decision, &e.Note, &e.Status, &e.StopReason, &e.Step, &r.pausedAt, &r.pausedUntil,
		&r.created, &r.updated, &r.ended}
}

func (r *enrollmentRow) value() cadence.Enrollment {
	e := r.e
	e.TriggerAt, e.DecisionDate = fromMS(r.triggerAt), fromMS(r.decision)
	e.PausedAt, e.PausedUntil = fromMS(r.pausedAt), fromMS(r.pausedUntil)
	e.CreatedAt, e.UpdatedAt, e.EndedAt = fromMS(r.created), fromMS(r.updated), fromMS(r.ended)
	return e
}

type contactRow struct {
	c     cadence.Contact
	dnc   int
	dncAt sql.NullInt64
	sms   int
}

func (r *contactRow) dest() []any {
	c := &r.c
	return []any{&c.ID, &c.Name, &c.Email, &c.Phone, &c.LinkedIn, &c.Company, &c.Role, &r.dnc, &r.dncAt,
		&c.DNCReason, &c.DNCBy, &r.sms, &c.TimeZone}
}

func (r *contactRow) value() cadence.Contact {
	c := r.c
	c.DoNotContact = r.dnc != 0
	c.SMSConsent = r.sms != 0
	c.DNCAt = fromMS(r.dncAt)
	return c
}

// touchRow scans a touchpoint that may be absent (the LEFT JOIN of viewSelect).
type touchRow struct {
	id, step, due, attempts, lease, doneAt                            sql.NullInt64
	enrollment, state, outcome, draft, source, model, channel, ts, by sql.NullString
}

func (r *touchRow) dest() []any {
	return []any{&r.id, &r.enrollment, &r.step, &r.due, &r.state, &r.outcome, &r.attempts, &r.lease,
		&r.draft, &r.source, &r.model, &r.channel, &r.ts, &r.doneAt, &r.by}
}

func (r *touchRow) value() *cadence.Touchpoint {
	if !r.id.Valid {
		return nil
	}
	return &cadence.Touchpoint{
		ID:           r.id.Int64,
		EnrollmentID: r.enrollment.String,
		Step:         int(r.step.Int64),
		Due:          fromMS(r.due),
		State:        cadence.TouchState(r.state.String),
		Outcome:      cadence.Outcome(r.outcome.String),
		Attempts:     int(r.attempts.Int64),
		LeaseUntil:   fromMS(r.lease),
		Draft:        r.draft.String,
		DraftSource:  r.source.String,
		DraftModel:   r.model.String,
		DMChannel:    r.channel.String,
		DMTS:         r.ts.String,
		DoneAt:       fromMS(r.doneAt),
		DoneBy:       r.by.String,
	}
}

// queryer is what *sql.Tx and *sql.DB have in common.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// views runs a viewSelect query and scans every row.
func views(ctx context.Context, q queryer, query string, args ...any) ([]cadence.EnrollmentView, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cadence.EnrollmentView
	for rows.Next() {
		var er enrollmentRow
		var cr contactRow
		var tr touchRow
		dest := append(append(er.dest(), cr.dest()...), tr.dest()...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, cadence.EnrollmentView{Enrollment: er.value(), Contact: cr.value(), Open: tr.value()})
	}
	return out, rows.Err()
}

// sortByNextDue orders views by their open touchpoint's due time, those without one last, then
// by creation and id. It sorts here rather than in SQL: an ORDER BY would copy every selected
// column of every row into a temporary b-tree first, which costs a rep's list of 200 follow-ups
// more than the sort.
func sortByNextDue(vs []cadence.EnrollmentView) {
	// Sorted through their indexes: a view is a few hundred bytes, too big to swap around.
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &vs[i], &vs[j]
		switch {
		case (a.Open == nil) != (b.Open == nil):
			if a.Open == nil {
				return 1
			}
			return -1
		case a.Open != nil:
			if c := a.Open.Due.Compare(b.Open.Due); c != 0 {
				return c
			}
		}
		if c := a.Enrollment.CreatedAt.Compare(b.Enrollment.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Enrollment.ID, b.Enrollment.ID)
	})
	sorted := make([]cadence.EnrollmentView, len(vs))
	for k, i := range order {
		sorted[k] = vs[i]
	}
	copy(vs, sorted)
}

// view loads one enrollment's view, or returns ENOTFOUND.
func view(ctx context.Context, q queryer, id string) (cadence.EnrollmentView, error) {
	vs, err := views(ctx, q, viewByIDSQL, id)
	if err != nil {
		return cadence.EnrollmentView{}, fmt.Errorf("load follow-up %s: %w", id, err)
	}
	if len(vs) == 0 {
		return cadence.EnrollmentView{}, cadence.Errorf(cadence.ENOTFOUND, "There is no follow-up with id %q.", id)
	}
	return vs[0], nil
}

// touches runs a query selecting touchCols and scans every row.
func touches(ctx context.Context, q queryer, query string, args ...any) ([]cadence.Touchpoint, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cadence.Touchpoint
	for rows.Next() {
		var tr touchRow
		if err := rows.Scan(tr.dest()...); err != nil {
			return nil, err
		}
		out = append(out, *tr.value())
	}
	return out, rows.Err()
}

// touchViewSelect selects one touchpoint (aliased x, by id) with its follow-up and contact.
var touchViewSelect = `SELECT ` + strings.ReplaceAll(touchCols, "t.", "x.") + `, ` + enrollmentCols + `, ` + contactCols + `
	FROM touchpoints x
	JOIN enrollments e ON e.id = x.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE x.id = CAST(? AS BIGINT)`

// touchView loads one touchpoint with its enrollment, or returns ENOTFOUND. One statement when the
// touchpoint is open, as a claimed one is: it is then its follow-up's open touchpoint (there is at
// most one, touchpoints_one_open). Every column scanned costs about a microsecond. (The dispatcher
// reads a claimed touchpoint with its details instead: touchDetails.)
func touchView(ctx context.Context, q queryer, id int64) (cadence.TouchView, error) {
	var xr touchRow
	var er enrollmentRow
	var cr contactRow
	dest := append(append(xr.dest(), er.dest()...), cr.dest()...)
	err := q.QueryRowContext(ctx, touchViewSelect, id).Scan(dest...)
	if err == sql.ErrNoRows {
		return cadence.TouchView{}, cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", id)
	}
	if err != nil {
		return cadence.TouchView{}, fmt.Errorf("load touchpoint %d: %w", id, err)
	}
	tv := cadence.TouchView{Touch: *xr.value(), EnrollmentView: cadence.EnrollmentView{Enrollment: er.value(), Contact: cr.value()}}
	if tv.Touch.State.Open() {
		open := tv.Touch
		tv.Open = &open
		return tv, nil
	}
	ts, err := touches(ctx, q, `SELECT `+touchCols+` FROM touchpoints t
		WHERE t.enrollment_id = CAST(? AS TEXT) AND t.state IN ('pending', 'reminded')`, tv.Touch.EnrollmentID)
	if err != nil {
		return cadence.TouchView{}, fmt.Errorf("load open touchpoint of %s: %w", tv.Touch.EnrollmentID, err)
	}
	if len(ts) > 0 {
		tv.Open = &ts[0]
	}
	return tv, nil
}

// contact loads one contact by a condition on the contacts table (aliased c).
func contact(ctx context.Context, q queryer, where string, args ...any) (cadence.Contact, bool, error) {
	var cr contactRow
	err := q.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts c WHERE `+where, args...).Scan(cr.dest()...)
	if err == sql.ErrNoRows {
		return cadence.Contact{}, false, nil
	}
	if err != nil {
		return cadence.Contact{}, false, fmt.Errorf("load contact: %w", err)
	}
	return cr.value(), true, nil
}
