package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// GetRep returns the rep with this Slack user id. It returns ENOTFOUND when the rep has never
// been stored (callers then use the team defaults).
func (db *DB) GetRep(ctx context.Context, userID string) (cadence.Rep, error) {
	var rep cadence.Rep
	err := db.readEach(ctx, func(q queryer) (err error) {
		rep, err = loadRep(ctx, q, userID)
		return err
	})
	return rep, err
}

// loadRep reads the rep with this Slack user id, or returns ENOTFOUND.
func loadRep(ctx context.Context, q queryer, userID string) (cadence.Rep, error) {
	var rep cadence.Rep
	var manual, gone int
	var checked sql.NullInt64
	err := q.QueryRowContext(ctx, repSQL, userID).Scan(&rep.UserID, &rep.Name, &rep.TimeZone, &manual,
		&checked, &rep.Hours, &rep.Days, &rep.AwayFrom, &rep.AwayUntil, &gone, &rep.Booking, &rep.Signature)
	if err == sql.ErrNoRows {
		return rep, cadence.Errorf(cadence.ENOTFOUND, "There are no settings for <@%s> yet.", userID)
	}
	if err != nil {
		return rep, fmt.Errorf("load rep %s: %w", userID, err)
	}
	rep.TZManual, rep.Gone, rep.TZCheckedAt = manual != 0, gone != 0, fromMS(checked)
	return rep, nil
}

// PutRep stores a rep, replacing what was stored for the same Slack user id. It returns EINVALID
// when the rep has no user id.
func (db *DB) PutRep(ctx context.Context, rep cadence.Rep) error {
	if rep.UserID == "" {
		return cadence.Errorf(cadence.EINVALID, "A rep needs a Slack user id.")
	}
	return db.writeRep(ctx, rep.UserID, true, func(tx *sql.Tx) error { return putRep(ctx, tx, rep) })
}

// UpdateRep reads the rep's stored settings (empty ones, with this user id, for a rep never
// stored), lets change modify them and stores them when it says so, all in one transaction that
// holds the rep: two changes of one rep, from this process or another replica (a command and a
// time-zone refresh), never undo each other. change must be quick; it runs inside the
// transaction. It returns the settings as stored afterwards, and change's error unchanged.
func (db *DB) UpdateRep(ctx context.Context, userID string, change func(*cadence.Rep) (save bool, err error)) (cadence.Rep, error) {
	return db.updateRep(ctx, userID, change, true)
}

// RefreshRep is UpdateRep for what is copied from Slack (a rep's name, time zone and whether they
// are still in the workspace, and when that was last asked): on PostgreSQL it commits without
// waiting for the WAL flush (synchronous_commit off for this transaction, as for a reminder's
// records). A crash of the server may lose the last fraction of a second of such refreshes,
// never corrupts, and then Slack is simply asked again. A person's changes go through UpdateRep,
// which waits.
func (db *DB) RefreshRep(ctx context.Context, userID string, change func(*cadence.Rep) (save bool, err error)) (cadence.Rep, error) {
	return db.updateRep(ctx, userID, change, false)
}

func (db *DB) updateRep(ctx context.Context, userID string, change func(*cadence.Rep) (save bool, err error), durable bool) (cadence.Rep, error) {
	if userID == "" {
		return cadence.Rep{}, cadence.Errorf(cadence.EINVALID, "A rep needs a Slack user id.")
	}
	var rep cadence.Rep
	err := db.writeRep(ctx, userID, durable, func(tx *sql.Tx) error {
		var err error
		rep, err = loadRep(ctx, tx, userID)
		if cadence.ErrorCode(err) == cadence.ENOTFOUND {
			rep, err = cadence.Rep{UserID: userID}, nil
		}
		if err != nil {
			return err
		}
		stored := rep
		save, err := change(&rep)
		if err != nil || !save {
			rep = stored
			return err
		}
		rep.UserID = userID
		return putRep(ctx, tx, rep)
	})
	if err != nil {
		return cadence.Rep{}, err
	}
	return rep, nil
}

// writeRep is write for a change of one rep's row. On PostgreSQL the transaction holds the write
// lock shared and the rep exclusively, like writeTouch: the first DM to each of 500 reps refreshes
// their settings from Slack, and those 500 writes go side by side with the reminders' records
// instead of each waiting for every write in flight (every other write still waits for them).
// Unless durable, it commits without waiting for the WAL flush (RefreshRep).
func (db *DB) writeRep(ctx context.Context, userID string, durable bool, fn func(tx *sql.Tx) error) error {
	h := fnv.New32a()
	h.Write([]byte(userID))
	lock := `SELECT pg_advisory_xact_lock_shared(?), pg_advisory_xact_lock(?, ?)`
	if !durable {
		lock += `, set_config('synchronous_commit', 'off', true)`
	}
	return db.writeWith(ctx, fn, lock, int64(writeLockKey), repLockClass, int32(h.Sum32()))
}

// repLockClass is the first key of the per-rep advisory locks of writeRep (the second is a hash
// of the rep's user id: two reps that share a key only wait for each other).
const repLockClass int32 = 0x72657073 // "reps"

// putRep upserts a rep in tx.
func putRep(ctx context.Context, tx *sql.Tx, rep cadence.Rep) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reps (user_id, name, tz, tz_manual, tz_checked_at, hours, days,
		away_from, away_until, gone, booking, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, tz = excluded.tz, tz_manual = excluded.tz_manual,
		tz_checked_at = excluded.tz_checked_at, hours = excluded.hours, days = excluded.days,
		away_from = excluded.away_from, away_until = excluded.away_until, gone = excluded.gone,
		booking = excluded.booking, signature = excluded.signature`,
		rep.UserID, rep.Name, rep.TimeZone, boolInt(rep.TZManual), ms(rep.TZCheckedAt), rep.Hours, rep.Days,
		rep.AwayFrom, rep.AwayUntil, boolInt(rep.Gone), rep.Booking, rep.Signature)
	if err != nil {
		return fmt.Errorf("store rep %s: %w", rep.UserID, err)
	}
	return nil
}

// MarkRepGone records that Slack no longer knows the rep (deactivated or removed) and pauses the
// rep's active follow-ups, open-ended, with a "paused" event each (detail "rep_gone"), so nobody is
// reminded into the void until an admin reassigns them. It returns the follow-ups it paused.
func (db *DB) MarkRepGone(ctx context.Context, userID string, now time.Time) ([]cadence.Enrollment, error) {
	var paused []cadence.Enrollment
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reps (user_id, gone) VALUES (?, 1)
			ON CONFLICT (user_id) DO UPDATE SET gone = 1`, userID); err != nil {
			return fmt.Errorf("mark rep %s gone: %w", userID, err)
		}
		vs, err := views(ctx, tx, viewSelect+` WHERE e.owner = ? AND e.status = 'active' ORDER BY e.id`, userID)
		if err != nil {
			return fmt.Errorf("find follow-ups of rep %s: %w", userID, err)
		}
		for _, v := range vs {
			e := v.Enrollment
			e.Status, e.PausedAt, e.PausedUntil, e.UpdatedAt = cadence.StatusPaused, now.UTC(), time.Time{}, now.UTC()
			if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET status = ?, paused_at = ?, paused_until = NULL,
				updated_at = ? WHERE id = ?`, string(e.Status), now.UnixMilli(), now.UnixMilli(), e.ID); err != nil {
				return fmt.Errorf("pause follow-up %s: %w", e.ID, err)
			}
			if err := appendEvent(ctx, tx, fillEvent(cadence.Event{Step: -1, Actor: "bot", Kind: cadence.EventPaused,
				Detail: string(cadence.StopRepGone)}, e, now)); err != nil {
				return err
			}
			paused = append(paused, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return paused, nil
}

// Setting returns the team setting with key. It returns ENOTFOUND when it was never set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := db.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
		if err == sql.ErrNoRows {
			return cadence.Errorf(cadence.ENOTFOUND, "The setting %q is not set.", key)
		}
		if err != nil {
			return fmt.Errorf("load setting %s: %w", key, err)
		}
		return nil
	})
	return value, err
}

// PutSetting stores a team setting, replacing its old value.
func (db *DB) PutSetting(ctx context.Context, key, value string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
			return fmt.Errorf("store setting %s: %w", key, err)
		}
		return nil
	})
}

// slackEventTTL is how long a Slack event id is remembered; Slack redelivers within minutes.
const slackEventTTL = 7 * 24 * time.Hour

// FirstSeen records a Slack event id and says whether this is the first time it was seen; a
// redelivered event returns false. Ids older than 7 days are forgotten, pruned at most hourly.
func (db *DB) FirstSeen(ctx context.Context, eventID string, now time.Time) (bool, error) {
	db.mu.Lock()
	prune := now.Sub(db.lastPrune) >= time.Hour
	db.mu.Unlock()
	var first bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		if prune {
			if _, err := tx.ExecContext(ctx, `DELETE FROM slack_events WHERE seen_at < ?`,
				now.Add(-slackEventTTL).UnixMilli()); err != nil {
				return fmt.Errorf("prune slack events: %w", err)
			}
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO slack_events (event_id, seen_at) VALUES (?, ?)
			ON CONFLICT (event_id) DO NOTHING`, eventID, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("record slack event: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return fmt.Errorf("record slack event: %w", err)
		}
		first = n == 1
		return nil
	})
	if err != nil {
		return false, err
	}
	if prune {
		db.mu.Lock()
		db.lastPrune = now
		db.mu.Unlock()
	}
	return first, nil
}

// Stats counts what the database holds.
type Stats struct {
	SchemaVersion      int                    // the newest migration applied
	Contacts           int                    // every contact
	DoNotContact       int                    // contacts who opted out
	Enrollments        map[cadence.Status]int // follow-ups by status
	PendingTouchpoints int                    // touchpoints waiting to be reminded
	Events             int                    // lines of the event log
}

// Stats returns counts of what the database holds.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	s := Stats{Enrollments: map[cadence.Status]int{}}
	err := db.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COALESCE(MAX(version), 0) FROM schema_migrations),
			(SELECT COUNT(*) FROM contacts),
			(SELECT COUNT(*) FROM contacts WHERE dnc = 1),
			(SELECT COUNT(*) FROM touchpoints WHERE state = 'pending'),
			(SELECT COUNT(*) FROM events)`).Scan(&s.SchemaVersion, &s.Contacts, &s.DoNotContact, &s.PendingTouchpoints, &s.Events)
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT status, COUNT(*) FROM enrollments GROUP BY status`)
		if err != nil {
			return fmt.Errorf("count follow-ups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var st cadence.Status
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return fmt.Errorf("count follow-ups: %w", err)
			}
			s.Enrollments[st] = n
		}
		return rows.Err()
	})
	if err != nil {
		return Stats{}, err
	}
	return s, nil
}
