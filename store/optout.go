package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// UndoOptOut lifts the do-not-contact mark of the contact with this email address, recorded by
// mistake, and logs an "opt_out_undone" event with by and reason next to the opt-out it undoes
// (the event log keeps both). The follow-ups the opt-out stopped stay stopped: the contact may be
// enrolled again. It returns EINVALID for an address that is not an email address, ENOTFOUND
// when no contact has it, and ECONFLICT when the contact has not opted out.
func (db *DB) UndoOptOut(ctx context.Context, email, reason, by string, now time.Time) (cadence.Contact, error) {
	email, err := cadence.NormalizeEmail(email)
	if err != nil {
		return cadence.Contact{}, err
	}
	var c cadence.Contact
	err = db.write(ctx, func(tx *sql.Tx) error {
		var ok bool
		c, ok, err = contact(ctx, tx, byKey("email"), email)
		switch {
		case err != nil:
			return err
		case !ok:
			return cadence.Errorf(cadence.ENOTFOUND, "No contact has the address %s.", email)
		case !c.DoNotContact:
			return cadence.Errorf(cadence.ECONFLICT, "%s has not opted out; nothing to undo.", c.Label())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET dnc = 0, dnc_at = NULL, dnc_reason = '', dnc_by = ''
			WHERE id = ?`, c.ID); err != nil {
			return fmt.Errorf("undo opt-out of contact %d: %w", c.ID, err)
		}
		detail := fmt.Sprintf("%s (opted out %s by %s: %s)", reason, c.DNCAt.UTC().Format(time.DateOnly), c.DNCBy, c.DNCReason)
		if err := appendEvent(ctx, tx, cadence.Event{At: now, ContactID: c.ID, Step: -1, Actor: by,
			Kind: cadence.EventOptOutUndone, Detail: detail}); err != nil {
			return err
		}
		c.DoNotContact, c.DNCAt, c.DNCReason, c.DNCBy = false, time.Time{}, "", ""
		return nil
	})
	if err != nil {
		return cadence.Contact{}, err
	}
	return c, nil
}

// TakeRedraft counts one more new draft asked for a touchpoint, unless it already had max: then
// it returns ECONFLICT saying so and counts nothing. It returns ENOTFOUND when there is no such
// touchpoint.
func (db *DB) TakeRedraft(ctx context.Context, touchID int64, max int) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET redrafts = redrafts + 1 WHERE id = ? AND redrafts < ?`, touchID, max)
		if err != nil {
			return fmt.Errorf("count new draft of touchpoint %d: %w", touchID, err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			return nil
		}
		var got int
		if err := tx.QueryRowContext(ctx, `SELECT redrafts FROM touchpoints WHERE id = ?`, touchID).Scan(&got); err == sql.ErrNoRows {
			return cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
		} else if err != nil {
			return fmt.Errorf("count new draft of touchpoint %d: %w", touchID, err)
		}
		return cadence.Errorf(cadence.ECONFLICT, "This touch already had %d new drafts, the most it can have. Edit the last one yourself, or log what you sent.", got)
	})
}
