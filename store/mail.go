package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

// Mailbox returns where rep's mail is read and how far. A rep whose mailbox was never read nor set
// has an empty one (Address and Cursor "").
func (db *DB) Mailbox(ctx context.Context, rep string) (cadence.Mailbox, error) {
	mb := cadence.Mailbox{Rep: rep}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var seen, reported sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT address, provider, cursor_address, cursor, seen_until, error,
			error_reported_at FROM mailboxes WHERE rep = ?`, rep).Scan(&mb.Address, &mb.Provider, &mb.CursorAddress,
			&mb.Cursor, &seen, &mb.Error, &reported)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load mailbox of %s: %w", rep, err)
		}
		mb.SeenUntil, mb.ErrorReported = fromMS(seen), fromMS(reported)
		return nil
	})
	return mb, err
}

// SetMailbox sets the address rep's mail is read at ("" for the Slack profile email). The
// position read so far stays with the address it belongs to: a new address is read from the start
// of the follow-ups. It returns EINVALID for an address that is not an email address.
func (db *DB) SetMailbox(ctx context.Context, rep, address string) error {
	if address != "" {
		a, err := cadence.NormalizeEmail(address)
		if err != nil {
			return err
		}
		address = a
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mailboxes (rep, address) VALUES (?, ?)
			ON CONFLICT (rep) DO UPDATE SET address = excluded.address, error = ''`, rep, address); err != nil {
			return fmt.Errorf("set mailbox of %s: %w", rep, err)
		}
		return nil
	})
}

// SaveMailCursor records how far rep's mailbox at address has been read with provider, and clears
// the last error: the next poll goes on from cursor (a Gmail history id, a Graph delta link).
func (db *DB) SaveMailCursor(ctx context.Context, rep, provider, address, cursor string, seenUntil time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mailboxes (rep, provider, cursor_address, cursor, seen_until)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (rep) DO UPDATE SET provider = excluded.provider, cursor_address = excluded.cursor_address,
			cursor = excluded.cursor, seen_until = CASE WHEN COALESCE(mailboxes.seen_until, 0) >= COALESCE(excluded.seen_until, 0)
				THEN COALESCE(mailboxes.seen_until, 0) ELSE COALESCE(excluded.seen_until, 0) END, error = ''`,
			rep, provider, strings.ToLower(address), cursor, ms(seenUntil)); err != nil {
			return fmt.Errorf("save mail cursor of %s: %w", rep, err)
		}
		return nil
	})
}

// MailError records why rep's mailbox could not be read, and reports whether the admins should be
// told now: the first time, and then once a day while it lasts (a new reason is told at once).
func (db *DB) MailError(ctx context.Context, rep, why string, now time.Time) (bool, error) {
	tell := false
	err := db.write(ctx, func(tx *sql.Tx) error {
		var old string
		var reported sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT error, error_reported_at FROM mailboxes WHERE rep = ?`, rep).Scan(&old, &reported)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("load mailbox of %s: %w", rep, err)
		}
		last := fromMS(reported)
		tell = old != why || last.IsZero() || now.Sub(last) >= 24*time.Hour
		at := reported
		if tell {
			at = sql.NullInt64{Int64: now.UnixMilli(), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mailboxes (rep, error, error_reported_at) VALUES (?, ?, ?)
			ON CONFLICT (rep) DO UPDATE SET error = excluded.error, error_reported_at = excluded.error_reported_at`,
			rep, why, at); err != nil {
			return fmt.Errorf("record mailbox error of %s: %w", rep, err)
		}
		return nil
	})
	return tell, err
}

const mailCols = `id, rep, provider, message_id, enrollment_id, contact_id, sender, kind, reason, return_date, referral,
	snippet, received_at, seen_at, acted_at, action, prior_status, prior_step, prior_due, undone_at, undone_by`

func scanMail(sc interface{ Scan(...any) error }) (cadence.MailSeen, error) {
	var m cadence.MailSeen
	var ret, recv, seen, acted, due, undone sql.NullInt64
	err := sc.Scan(&m.ID, &m.Rep, &m.Provider, &m.MessageID, &m.EnrollmentID, &m.ContactID, &m.Sender, &m.Kind,
		&m.Reason, &ret, &m.Referral, &m.Snippet, &recv, &seen, &acted, &m.Action, &m.PriorStatus, &m.PriorStep, &due,
		&undone, &m.UndoneBy)
	m.ReturnDate, m.ReceivedAt, m.SeenAt, m.ActedAt = fromMS(ret), fromMS(recv), fromMS(seen), fromMS(acted)
	m.PriorDue, m.UndoneAt = fromMS(due), fromMS(undone)
	return m, err
}

// RecordMail keeps a message from a contact before it is acted on, and reports whether it is new:
// a message read again (after a restart, or a delta started over) is not, and gets the row kept
// the first time. The snippet is cut to 280 characters.
func (db *DB) RecordMail(ctx context.Context, m cadence.MailSeen) (cadence.MailSeen, bool, error) {
	if utf8.RuneCountInString(m.Snippet) > 280 {
		m.Snippet = string([]rune(m.Snippet)[:280])
	}
	var first bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO mail_seen (rep, provider, message_id, enrollment_id, contact_id, sender,
			kind, reason, return_date, referral, snippet, received_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (rep, provider, message_id) DO NOTHING`,
			m.Rep, m.Provider, m.MessageID, m.EnrollmentID, m.ContactID, m.Sender, m.Kind, m.Reason, ms(m.ReturnDate),
			m.Referral, m.Snippet, m.ReceivedAt.UnixMilli(), m.SeenAt.UnixMilli())
		if err != nil {
			return fmt.Errorf("record mail %s: %w", m.MessageID, err)
		}
		n, _ := r.RowsAffected()
		first = n == 1
		m, err = scanMail(tx.QueryRowContext(ctx, `SELECT `+mailCols+` FROM mail_seen WHERE rep = ? AND provider = ?
			AND message_id = ?`, m.Rep, m.Provider, m.MessageID))
		if err != nil {
			return fmt.Errorf("load mail %s: %w", m.MessageID, err)
		}
		return nil
	})
	return m, first, err
}

// MailSeen returns the kept message with id. It returns ENOTFOUND when there is none.
func (db *DB) MailSeen(ctx context.Context, id int64) (cadence.MailSeen, error) {
	var m cadence.MailSeen
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		m, err = scanMail(tx.QueryRowContext(ctx, `SELECT `+mailCols+` FROM mail_seen WHERE id = ?`, id))
		if err == sql.ErrNoRows {
			return cadence.Errorf(cadence.ENOTFOUND, "That message is no longer known.")
		}
		return err
	})
	return m, err
}

// PendingMail returns the kept messages not yet acted on, oldest first: what a crash interrupted.
func (db *DB) PendingMail(ctx context.Context) ([]cadence.MailSeen, error) {
	var out []cadence.MailSeen
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+mailCols+` FROM mail_seen WHERE acted_at IS NULL ORDER BY seen_at, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMail(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list pending mail: %w", err)
	}
	return out, nil
}

// MailActed records what was done about a kept message and how the follow-up was before, for Undo.
func (db *DB) MailActed(ctx context.Context, id int64, action string, prior cadence.Status, priorStep int, priorDue, now time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE mail_seen SET acted_at = ?, action = ?, prior_status = ?, prior_step = ?,
			prior_due = ? WHERE id = ? AND acted_at IS NULL`, now.UnixMilli(), action, string(prior), priorStep, ms(priorDue), id); err != nil {
			return fmt.Errorf("record action on mail %d: %w", id, err)
		}
		return nil
	})
}

// MailUndone records that by undid what was done about a kept message. It returns ECONFLICT when
// it was already undone, and ENOTFOUND when there is no such message.
func (db *DB) MailUndone(ctx context.Context, id int64, by string, now time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE mail_seen SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL`,
			now.UnixMilli(), by, id)
		if err != nil {
			return fmt.Errorf("undo mail %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			return nil
		}
		var undone sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT undone_at FROM mail_seen WHERE id = ?`, id).Scan(&undone); err == sql.ErrNoRows {
			return cadence.Errorf(cadence.ENOTFOUND, "That message is no longer known.")
		} else if err != nil {
			return fmt.Errorf("undo mail %d: %w", id, err)
		}
		return cadence.Errorf(cadence.ECONFLICT, "This was already undone.")
	})
}

// EventOptOutUndone is the kind of the contact's event when a rep undid an opt-out that a message
// read from the mailbox recorded (the classifier misread it).
const EventOptOutUndone = "opt_out_undone"

// UndoMailOptOut reverts what the kept opt-out message with id did, and nothing else: the contact
// is no longer do-not-contact, and the follow-ups that opt-out stopped (of every rep) are running
// again at the step they were at, their cancelled touchpoint open again as it was (pending, or
// reminded when its DM was out). Each gets a "reopened" event, the contact an "opt_out_undone"
// event by, and the message is marked undone. It returns the follow-ups put back.
//
// It returns ECONFLICT when the message is no opt-out, was undone already, or the contact's
// do-not-contact mark is not the one the message made (the contact had opted out before, or was
// marked again since: that is undone elsewhere, if at all); ENOTFOUND when there is no such message.
func (db *DB) UndoMailOptOut(ctx context.Context, id int64, by string, now time.Time) ([]cadence.EnrollmentView, error) {
	var out []cadence.EnrollmentView
	err := db.write(ctx, func(tx *sql.Tx) error {
		m, err := scanMail(tx.QueryRowContext(ctx, `SELECT `+mailCols+` FROM mail_seen WHERE id = ?`, id))
		if err == sql.ErrNoRows {
			return cadence.Errorf(cadence.ENOTFOUND, "That message is no longer known.")
		} else if err != nil {
			return fmt.Errorf("load mail %d: %w", id, err)
		}
		switch {
		case m.Kind != "opt_out":
			return cadence.Errorf(cadence.ECONFLICT, "That message was not read as an opt-out.")
		case !m.UndoneAt.IsZero():
			return cadence.Errorf(cadence.ECONFLICT, "This was already undone.")
		case m.ActedAt.IsZero():
			return cadence.Errorf(cadence.ECONFLICT, "The opt-out is still being recorded; try again in a minute.")
		}
		var dnc int
		var dncAt sql.NullInt64
		var dncBy string
		if err := tx.QueryRowContext(ctx, `SELECT dnc, dnc_at, dnc_by FROM contacts WHERE id = ?`, m.ContactID).
			Scan(&dnc, &dncAt, &dncBy); err == sql.ErrNoRows {
			return cadence.Errorf(cadence.ENOTFOUND, "The contact is no longer known.")
		} else if err != nil {
			return fmt.Errorf("load contact %d: %w", m.ContactID, err)
		}
		// The mark this message made was set by the bot between reading the message and
		// recording that it acted (a crash in between re-ran the opt-out, which kept the first mark).
		at := fromMS(dncAt)
		if dnc == 0 || dncBy != "bot" || at.Before(m.SeenAt) || at.After(m.ActedAt) {
			return cadence.Errorf(cadence.ECONFLICT, "The contact's opt-out is not the one this message recorded, so it is not undone here.")
		}
		stopped, err := views(ctx, tx, viewSelect+` WHERE e.contact_id = ? AND e.status = 'stopped' AND e.stop_reason = ?
			AND e.ended_at = ? ORDER BY e.id`, m.ContactID, string(cadence.StopOptedOut), dncAt.Int64)
		if err != nil {
			return fmt.Errorf("find the follow-ups the opt-out stopped: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET dnc = 0, dnc_at = NULL, dnc_reason = '', dnc_by = '' WHERE id = ?`,
			m.ContactID); err != nil {
			return fmt.Errorf("clear do-not-contact of contact %d: %w", m.ContactID, err)
		}
		for _, v := range stopped {
			if err := reopenStopped(ctx, tx, v, dncAt.Int64, by, now); err != nil {
				return err
			}
		}
		if err := appendEvent(ctx, tx, cadence.Event{At: now, ContactID: m.ContactID, Step: -1, Actor: by, Kind: EventOptOutUndone,
			Detail: fmt.Sprintf("misread message %d; %d follow-ups put back", m.ID, len(stopped))}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mail_seen SET undone_at = ?, undone_by = ? WHERE id = ?`, now.UnixMilli(), by, id); err != nil {
			return fmt.Errorf("undo mail %d: %w", id, err)
		}
		for _, v := range stopped {
			nv, err := view(ctx, tx, v.Enrollment.ID)
			if err != nil {
				return err
			}
			out = append(out, nv)
		}
		return nil
	})
	return out, err
}

// reopenStopped puts back one follow-up an opt-out stopped at stoppedAt: running again (active; a
// pause the opt-out ended is not restored) at its step, and the touchpoint it cancelled then open
// again, pending or, when its reminder DM was out, reminded.
func reopenStopped(ctx context.Context, tx *sql.Tx, v cadence.EnrollmentView, stoppedAt int64, by string, now time.Time) error {
	e := v.Enrollment
	if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET status = 'active', stop_reason = '', ended_at = NULL, updated_at = ?
		WHERE id = ?`, now.UnixMilli(), e.ID); err != nil {
		return fmt.Errorf("reopen follow-up %s: %w", e.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET state = CASE WHEN dm_ts <> '' THEN 'reminded' ELSE 'pending' END,
		done_at = NULL, done_by = '' WHERE id = (SELECT id FROM touchpoints WHERE enrollment_id = ? AND state = 'cancelled'
		AND done_at = ? ORDER BY id DESC LIMIT 1)`, e.ID, stoppedAt); err != nil {
		return fmt.Errorf("reopen the touchpoint of follow-up %s: %w", e.ID, err)
	}
	return appendEvent(ctx, tx, fillEvent(cadence.Event{Step: e.Step, Actor: by, Kind: cadence.EventReopened,
		Detail: "undid " + string(cadence.StopOptedOut)}, e, now))
}
