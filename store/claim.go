package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Claim is a due touchpoint taken by one dispatcher until its lease ends.
type Claim struct {
	TouchView
	// Attempts counts the claims of this touchpoint so far, this one included (1 the first time).
	Attempts int
}

// claimable selects the ids of touchpoints a dispatcher may take. It walks the partial index
// touchpoints_pending_due in due order and stops after the limit, so its cost grows with the
// number of touchpoints due (including those leased, paused or opted out), not the number stored.
const claimable = `SELECT t.id FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.state = 'pending' AND t.due <= ?
	  AND (t.lease_until IS NULL OR t.lease_until <= ?)
	  AND e.status = 'active' AND c.dnc = 0
	ORDER BY t.due, t.id
	LIMIT ?`

// Claim atomically takes up to limit pending touchpoints that are due at now, oldest due first:
// those not leased or whose lease has ended, of active follow-ups whose contact has not opted out.
// Each is leased until now+lease (no other Claim takes it before then) and its attempt count goes
// up by one. A dispatcher then drafts, reminds the rep and calls MarkReminded, or calls Release or
// Reschedule. Two Claims at once, from this process or another, never take the same touchpoint.
func (db *DB) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Claim, error) {
	if limit <= 0 {
		return nil, nil
	}
	var claims []Claim
	err := db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, claimable, now.UnixMilli(), now.UnixMilli(), limit)
		if err != nil {
			return fmt.Errorf("find due touchpoints: %w", err)
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("find due touchpoints: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find due touchpoints: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		in := `(` + placeholders(len(ids)) + `)`
		args := append([]any{now.Add(lease).UnixMilli()}, ids...)
		if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET lease_until = ?, attempts = attempts + 1 WHERE id IN `+in,
			args...); err != nil {
			return fmt.Errorf("lease due touchpoints: %w", err)
		}
		// A claimed touchpoint is pending, so it is its enrollment's open touchpoint.
		vs, err := views(ctx, tx, viewSelect+` WHERE t.id IN `+in+` ORDER BY t.due, t.id`, ids...)
		if err != nil {
			return fmt.Errorf("load claimed touchpoints: %w", err)
		}
		claims = make([]Claim, len(vs))
		for i, v := range vs {
			claims[i] = Claim{TouchView: TouchView{Touch: *v.Open, EnrollmentView: v}, Attempts: v.Open.Attempts}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	return claims, nil
}

// SaveDraft stores the drafted message of an open touchpoint, where it came from ("llm" or
// "offline"), the model and the tokens it used. It returns ENOTFOUND when there is no such
// touchpoint and ECONFLICT when the touchpoint is already closed.
func (db *DB) SaveDraft(ctx context.Context, touchID int64, draft, source, model string, promptTokens, completionTokens int) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET draft = ?, draft_source = ?, draft_model = ?,
			draft_prompt_tokens = ?, draft_completion_tokens = ? WHERE id = ? AND state IN ('pending', 'reminded')`,
			draft, source, model, promptTokens, completionTokens, touchID)
		if err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
		return explainMiss(ctx, tx, r, touchID)
	})
}

// MarkReminded records that the rep was reminded of a claimed touchpoint by the DM channel/ts,
// ends the lease and logs a "reminded" event. It returns ECONFLICT, with a message fit to put in
// that DM, when the touchpoint is no longer pending (its follow-up was stopped, it was logged or
// already reminded) or its follow-up is paused or its contact opted out meanwhile; and ENOTFOUND
// when there is no such touchpoint.
func (db *DB) MarkReminded(ctx context.Context, touchID int64, channel, ts string, now time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		tv, err := touchView(ctx, tx, touchID)
		if err != nil {
			return err
		}
		switch {
		case tv.Touch.State == cadence.TouchCancelled || tv.Enrollment.Status == cadence.StatusStopped ||
			tv.Enrollment.Status == cadence.StatusCompleted:
			return cadence.Errorf(cadence.ECONFLICT, "Follow-up %s with %s was stopped before this reminder went out.",
				tv.Enrollment.ID, tv.Contact.Label())
		case tv.Contact.DoNotContact:
			return optedOutError(tv.Contact)
		case tv.Touch.State == cadence.TouchDone:
			return cadence.Errorf(cadence.ECONFLICT, "This touch of follow-up %s was already logged.", tv.Enrollment.ID)
		case tv.Touch.State == cadence.TouchReminded:
			return cadence.Errorf(cadence.ECONFLICT, "This touch of follow-up %s was already reminded.", tv.Enrollment.ID)
		case tv.Enrollment.Status == cadence.StatusPaused:
			return cadence.Errorf(cadence.ECONFLICT, "Follow-up %s with %s is paused.", tv.Enrollment.ID, tv.Contact.Label())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET state = ?, dm_channel = ?, dm_ts = ?, lease_until = NULL
			WHERE id = ?`, string(cadence.TouchReminded), channel, ts, touchID); err != nil {
			return fmt.Errorf("mark touchpoint %d reminded: %w", touchID, err)
		}
		return appendEvent(ctx, tx, fillEvent(cadence.Event{Step: tv.Touch.Step, Actor: "bot", Kind: cadence.EventReminded},
			tv.Enrollment, now))
	})
}

// Release gives back a claimed touchpoint that could not be handled now (Slack or the LLM
// failed): it stays due and is claimed again at retryAt. Releasing a touchpoint that is no longer
// pending does nothing. It returns ENOTFOUND when there is no such touchpoint.
func (db *DB) Release(ctx context.Context, touchID int64, retryAt time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET lease_until = ? WHERE id = ? AND state = 'pending'`,
			ms(retryAt), touchID)
		if err != nil {
			return fmt.Errorf("release touchpoint %d: %w", touchID, err)
		}
		err = explainMiss(ctx, tx, r, touchID)
		if cadence.ErrorCode(err) == cadence.ECONFLICT {
			return nil
		}
		return err
	})
}

// Reschedule moves a pending touchpoint to a new due time and ends its lease, for example to move
// an overdue touch into the rep's working hours. It returns ENOTFOUND when there is no such
// touchpoint and ECONFLICT when it is no longer pending.
func (db *DB) Reschedule(ctx context.Context, touchID int64, due time.Time) error {
	if due.IsZero() {
		return fmt.Errorf("reschedule touchpoint %d: no due time", touchID)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET due = ?, lease_until = NULL WHERE id = ? AND state = 'pending'`,
			due.UnixMilli(), touchID)
		if err != nil {
			return fmt.Errorf("reschedule touchpoint %d: %w", touchID, err)
		}
		return explainMiss(ctx, tx, r, touchID)
	})
}

// explainMiss turns a conditional touchpoint update that changed nothing into ENOTFOUND (no such
// touchpoint) or ECONFLICT (it is not in the state the update needs).
func explainMiss(ctx context.Context, tx *sql.Tx, r sql.Result, touchID int64) error {
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("update touchpoint %d: %w", touchID, err)
	}
	if n > 0 {
		return nil
	}
	var state string
	err = tx.QueryRowContext(ctx, `SELECT state FROM touchpoints WHERE id = ?`, touchID).Scan(&state)
	if err == sql.ErrNoRows {
		return cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
	}
	if err != nil {
		return fmt.Errorf("update touchpoint %d: %w", touchID, err)
	}
	switch cadence.TouchState(state) {
	case cadence.TouchCancelled:
		return cadence.Errorf(cadence.ECONFLICT, "This touch was cancelled: its follow-up stopped or moved on.")
	case cadence.TouchDone:
		return cadence.Errorf(cadence.ECONFLICT, "This touch was already logged.")
	default:
		return cadence.Errorf(cadence.ECONFLICT, "This touch was already reminded.")
	}
}
