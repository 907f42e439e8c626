package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Update changes the follow-up with id in one write transaction: it loads the follow-up, calls fn
// with it, and stores the cadence.Change fn returns. An error from fn aborts the update and is
// returned as it is (keep it coded). fn runs inside the transaction, so it sees the current state
// and nothing can change the follow-up between fn's decision and its storage; fn must be quick and
// must not call the DB.
//
// Storing a Change updates the enrollment row; closes the open touchpoint when ch.Close is set;
// moves the open touchpoint to ch.MoveTo (making it pending again so it is reminded at that time);
// creates ch.Next as the new pending touchpoint; when ch.DoNotContact is set, marks the contact
// do-not-contact and stops the contact's other running follow-ups; and appends ch.Event. A
// touchpoint closed as replied or meeting booked also flags the other running follow-ups at the
// contact's company (cadence.CompanyDomain; see FlaggedBy and CompanyNews).
//
// A Change whose Enrollment has no ID leaves the enrollment row as it was (but for updated_at).
//
// Update returns ENOTFOUND when there is no such follow-up and ECONFLICT when the change closes
// or moves a touchpoint but none is open. Nothing is written when it fails.
func (db *DB) Update(ctx context.Context, id string, fn func(cadence.EnrollmentView) (cadence.Change, error)) (cadence.UpdateResult, error) {
	var res cadence.UpdateResult
	err := db.write(ctx, func(tx *sql.Tx) error {
		before, err := view(ctx, tx, id)
		if err != nil {
			return err
		}
		ch, err := fn(before)
		if err != nil {
			return err
		}
		res, err = db.apply(ctx, tx, before, ch)
		return err
	})
	if err != nil {
		return cadence.UpdateResult{}, err
	}
	return res, nil
}

// apply stores ch, computed from before.
func (db *DB) apply(ctx context.Context, tx *sql.Tx, before cadence.EnrollmentView, ch cadence.Change) (cadence.UpdateResult, error) {
	var res cadence.UpdateResult
	e := ch.Enrollment
	if e.ID == "" {
		// A change that does not touch the enrollment may leave it zero; never store blanks.
		e = before.Enrollment
		e.UpdatedAt = time.Time{}
	}
	if e.ID != before.Enrollment.ID || (e.ContactID != 0 && e.ContactID != before.Enrollment.ContactID) {
		return res, fmt.Errorf("update follow-up %s: the change is for follow-up %s, contact %d", before.Enrollment.ID, e.ID, e.ContactID)
	}
	if e.Owner == "" || e.CadenceID == "" {
		return res, fmt.Errorf("update follow-up %s: the change has no owner or cadence", e.ID)
	}
	e.ContactID = before.Enrollment.ContactID
	e.CreatedAt = before.Enrollment.CreatedAt
	at := e.UpdatedAt
	if at.IsZero() {
		at = ch.Event.At
	}
	if at.IsZero() {
		at = db.Now()
	}
	e.UpdatedAt = at
	if e.Status == "" {
		e.Status = before.Enrollment.Status
	}

	_, err := tx.ExecContext(ctx, `UPDATE enrollments SET owner = ?, cadence_id = ?, trigger = ?, trigger_at = ?,
		intent = ?, decision_date = ?, note = ?, status = ?, stop_reason = ?, step = ?, paused_at = ?, paused_until = ?,
		updated_at = ?, ended_at = ? WHERE id = ?`,
		e.Owner, e.CadenceID, string(e.Trigger), e.TriggerAt.UnixMilli(), string(e.Intent), ms(e.DecisionDate), e.Note,
		string(e.Status), string(e.StopReason), e.Step, ms(e.PausedAt), ms(e.PausedUntil), at.UnixMilli(), ms(e.EndedAt), e.ID)
	if err != nil {
		return res, fmt.Errorf("update follow-up %s: %w", e.ID, err)
	}

	ev := ch.Event
	open := before.Open
	if ch.Close != "" {
		if open == nil {
			return res, cadence.Errorf(cadence.ECONFLICT, "Follow-up %s has no open touch to close.", e.ID)
		}
		if ch.Close != cadence.TouchDone && ch.Close != cadence.TouchCancelled {
			return res, fmt.Errorf("update follow-up %s: cannot close a touchpoint as %q", e.ID, ch.Close)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET state = ?, outcome = ?, done_at = ?, done_by = ?,
			lease_until = NULL WHERE id = ?`,
			string(ch.Close), string(ch.Outcome), at.UnixMilli(), ev.Actor, open.ID); err != nil {
			return res, fmt.Errorf("close touchpoint %d: %w", open.ID, err)
		}
		closed := *open
		closed.State, closed.Outcome, closed.DoneAt, closed.DoneBy = ch.Close, ch.Outcome, at.UTC(), ev.Actor
		closed.LeaseUntil = time.Time{}
		res.ClosedTouch = &closed
		ev.Step = open.Step
		open = nil
	}
	if !ch.MoveTo.IsZero() {
		if open == nil {
			return res, cadence.Errorf(cadence.ECONFLICT, "Follow-up %s has no open touch to move.", e.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET due = ?, state = ?, lease_until = NULL WHERE id = ?`,
			ch.MoveTo.UnixMilli(), string(cadence.TouchPending), open.ID); err != nil {
			return res, fmt.Errorf("move touchpoint %d: %w", open.ID, err)
		}
	}
	if open != nil && ch.Next == nil && (e.Status == cadence.StatusCompleted || e.Status == cadence.StatusStopped) {
		// A follow-up that ends keeps no open touchpoint, whatever the change forgot.
		if err := cancelTouch(ctx, tx, open.ID, ev.Actor, at); err != nil {
			return res, err
		}
		closed := *open
		closed.State, closed.DoneAt, closed.DoneBy, closed.LeaseUntil = cadence.TouchCancelled, at.UTC(), ev.Actor, time.Time{}
		res.ClosedTouch = &closed
		open = nil
	}
	if ch.Next != nil {
		if _, err := insertTouch(ctx, tx, e.ID, *ch.Next); err != nil {
			return res, err
		}
	}
	if ch.DoNotContact {
		reason := ch.DNCReason
		if reason == "" {
			reason = string(cadence.StopOptedOut)
		}
		if _, err := markDNC(ctx, tx, e.ContactID, reason, ev.Actor, at); err != nil {
			return res, err
		}
		res.Also, err = stopContact(ctx, tx, e.ContactID, e.ID, reason, ev.Actor, at)
		if err != nil {
			return res, err
		}
	}
	if err := appendEvent(ctx, tx, fillEvent(ev, e, at)); err != nil {
		return res, err
	}
	if ch.Close == cadence.TouchDone && cadence.CompanyNewsOutcome(ch.Outcome) {
		// With the reply or meeting itself, never after it: a crash cannot lose the news.
		if err := flagColleagues(ctx, tx, db.pg, before, ch.Outcome, at); err != nil {
			return res, err
		}
	}
	res.View, err = view(ctx, tx, e.ID)
	return res, err
}

// OptOut records that a contact asked not to be contacted again: it marks the contact
// do-not-contact (with reason, by and now), stops every running follow-up of the contact whoever
// owns it, cancels their open touchpoints, and logs a "stopped" event for each follow-up and one
// "opted_out" event for the contact. Opting out twice keeps the first date and reason and stops
// nothing more. It returns ENOTFOUND when there is no such contact.
func (db *DB) OptOut(ctx context.Context, contactID int64, reason, by string, now time.Time) (cadence.OptOutResult, error) {
	var res cadence.OptOutResult
	err := db.write(ctx, func(tx *sql.Tx) (err error) {
		res, err = optOut(ctx, tx, contactID, reason, by, now)
		return err
	})
	if err != nil {
		return cadence.OptOutResult{}, err
	}
	return res, nil
}

// OptOutEmail records that the person with this email address asked not to be contacted, also
// when no follow-up ever named them: a contact is created for the address, marked do-not-contact,
// so that a later enrollment is refused. Otherwise it is OptOut of the contact with that email. It
// returns EINVALID for an address that is not an email address.
func (db *DB) OptOutEmail(ctx context.Context, email, reason, by string, now time.Time) (cadence.OptOutResult, error) {
	email, err := cadence.NormalizeEmail(email)
	if err != nil {
		return cadence.OptOutResult{}, err
	}
	var res cadence.OptOutResult
	err = db.write(ctx, func(tx *sql.Tx) error {
		c, ok, err := contact(ctx, tx, byKey("email"), email)
		if err != nil {
			return err
		}
		id := c.ID
		if !ok {
			if err := tx.QueryRowContext(ctx, `INSERT INTO contacts (name, email, phone, linkedin, company, role, created_at)
				VALUES ('', ?, '', '', '', '', ?) RETURNING id`, email, now.UnixMilli()).Scan(&id); err != nil {
				return fmt.Errorf("insert contact: %w", err)
			}
		}
		res, err = optOut(ctx, tx, id, reason, by, now)
		return err
	})
	if err != nil {
		return cadence.OptOutResult{}, err
	}
	return res, nil
}

// optOut is OptOut inside tx.
func optOut(ctx context.Context, tx *sql.Tx, contactID int64, reason, by string, now time.Time) (cadence.OptOutResult, error) {
	if reason == "" {
		reason = string(cadence.StopOptedOut)
	}
	var res cadence.OptOutResult
	first, err := markDNC(ctx, tx, contactID, reason, by, now)
	if err != nil {
		return res, err
	}
	res.Stopped, err = stopContact(ctx, tx, contactID, "", reason, by, now)
	if err != nil {
		return res, err
	}
	if first {
		if err := appendEvent(ctx, tx, cadence.Event{At: now, ContactID: contactID, Step: -1, Actor: by,
			Kind: string(cadence.OutcomeOptedOut), Detail: reason}); err != nil {
			return res, err
		}
	}
	c, ok, err := contact(ctx, tx, `c.id = ?`, contactID)
	if err != nil {
		return res, err
	}
	if !ok {
		return res, fmt.Errorf("opt out contact %d: it vanished", contactID)
	}
	res.Contact = c
	return res, nil
}

// markDNC marks the contact do-not-contact unless it already is, and says whether it was the first
// time. It returns ENOTFOUND when there is no such contact.
func markDNC(ctx context.Context, tx *sql.Tx, contactID int64, reason, by string, at time.Time) (bool, error) {
	r, err := tx.ExecContext(ctx, `UPDATE contacts SET dnc = 1, dnc_at = ?, dnc_reason = ?, dnc_by = ? WHERE id = ? AND dnc = 0`,
		at.UnixMilli(), reason, by, contactID)
	if err != nil {
		return false, fmt.Errorf("mark contact %d do-not-contact: %w", contactID, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return false, fmt.Errorf("mark contact %d do-not-contact: %w", contactID, err)
	} else if n == 1 {
		return true, nil
	}
	if _, ok, err := contact(ctx, tx, `c.id = ?`, contactID); err != nil {
		return false, err
	} else if !ok {
		return false, cadence.Errorf(cadence.ENOTFOUND, "There is no contact with id %d.", contactID)
	}
	return false, nil
}

// stopContact stops every running follow-up of the contact except the one with id except, because
// the contact opted out or complained (reason "complained" stops with StopComplained, anything
// else with StopOptedOut). It cancels their open touchpoints, logs a "stopped" event for each, and
// returns them with their open touchpoints as they were.
func stopContact(ctx context.Context, tx *sql.Tx, contactID int64, except, reason, actor string, at time.Time) ([]cadence.EnrollmentView, error) {
	stop := cadence.StopOptedOut
	if reason == string(cadence.StopComplained) {
		stop = cadence.StopComplained
	}
	running, err := views(ctx, tx, viewSelect+` WHERE e.contact_id = ? AND e.id <> ? AND e.status IN ('active', 'paused')
		ORDER BY e.id`, contactID, except)
	if err != nil {
		return nil, fmt.Errorf("find running follow-ups: %w", err)
	}
	for i, v := range running {
		e := &running[i].Enrollment
		e.Status, e.StopReason = cadence.StatusStopped, stop
		e.UpdatedAt, e.EndedAt = at.UTC(), at.UTC()
		e.PausedAt, e.PausedUntil = time.Time{}, time.Time{}
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET status = ?, stop_reason = ?, updated_at = ?, ended_at = ?,
			paused_at = NULL, paused_until = NULL WHERE id = ?`,
			string(e.Status), string(stop), at.UnixMilli(), at.UnixMilli(), e.ID); err != nil {
			return nil, fmt.Errorf("stop follow-up %s: %w", e.ID, err)
		}
		step := -1
		if v.Open != nil {
			step = v.Open.Step
			if err := cancelTouch(ctx, tx, v.Open.ID, actor, at); err != nil {
				return nil, err
			}
		}
		if err := appendEvent(ctx, tx, fillEvent(cadence.Event{Step: step, Actor: actor, Kind: cadence.EventStopped,
			Detail: string(stop)}, *e, at)); err != nil {
			return nil, err
		}
	}
	return running, nil
}

// cancelTouch closes an open touchpoint without an outcome, because its follow-up ended, and ends
// its lease.
func cancelTouch(ctx context.Context, tx *sql.Tx, touchID int64, actor string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET state = ?, done_at = ?, done_by = ?, lease_until = NULL
		WHERE id = ?`, string(cadence.TouchCancelled), at.UnixMilli(), actor, touchID); err != nil {
		return fmt.Errorf("cancel touchpoint %d: %w", touchID, err)
	}
	return nil
}
