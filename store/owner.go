package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Heartbeats. A dispatcher's claims are taken over at once when its process is known to be gone
// (same host, no such pid) or when it has not beaten for staleAfter (another host, or a process
// that hangs). The bot beats at least every cadence.BeatInterval while it dispatches.
const (
	staleAfter = 3 * cadence.BeatInterval // 15 s: a replica that died on another host is taken over this soon
	// takeoverGap is how long the reps of a dispatcher that is gone stay its own after the takeover:
	// Slack's pace of one message a second per channel, in case its last DM went out just before.
	takeoverGap = time.Second
)

// owner is one open database handle's identity as a dispatcher: a random id, its host and pid.
type owner struct {
	once sync.Once
	id   string
	host string
	pid  int
}

func (o *owner) init() {
	o.once.Do(func() {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.host, _ = os.Hostname()
		o.pid = os.Getpid()
		o.id = fmt.Sprintf("%s:%d:%s", o.host, o.pid, hex.EncodeToString(b[:]))
	})
}

// Owner is the id under which this handle claims touchpoints: every claim records it, and a
// claim whose owner is gone is taken over by the next Claim of another handle.
func (db *DB) Owner() string {
	db.self.init()
	return db.self.id
}

// Beat records that this handle's dispatcher is alive at now, so that no other one takes over
// its claims while it works on them. On PostgreSQL it takes no lock but its row's: a beat late or early only decides when a takeover
// may happen, and the fencing token keeps a taken-over claim from being finished twice.
func (db *DB) Beat(ctx context.Context, now time.Time) error {
	return db.writeWith(ctx, func(tx *sql.Tx) error { return db.beat(ctx, tx, now) },
		`SELECT set_config('synchronous_commit', 'off', true)`)
}

func (db *DB) beat(ctx context.Context, tx *sql.Tx, now time.Time) error {
	db.self.init()
	// A new dispatcher wants its part of the reps at once (turned_away, claim_pg.go): replicas
	// started together share them from their first claims instead of handing them over later.
	if _, err := tx.ExecContext(ctx, `INSERT INTO dispatchers (owner, host, pid, beat_at, turned_away) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (owner) DO UPDATE SET beat_at = CASE WHEN excluded.beat_at > dispatchers.beat_at THEN excluded.beat_at ELSE dispatchers.beat_at END`,
		db.self.id, db.self.host, db.self.pid, now.UnixMilli(), now.UnixMilli()); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// Retire takes this handle off the list of dispatchers as its process stops, when it holds no
// claim any more (the dispatcher gives back what it did not handle): the other replicas then
// stop counting it among those sharing the reps at once, rather than when its heartbeat or its
// want runs out (staleAfter), and take up its part of the reps at their next claim. With a claim
// still held it does nothing: the takeover frees that claim once the process is gone.
func (db *DB) Retire(ctx context.Context) error {
	db.self.init()
	err := db.claimWrite(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM dispatchers WHERE owner = ?
			AND NOT EXISTS (SELECT 1 FROM touchpoints WHERE claim_owner = ? AND claim_owner <> '' AND state = 'pending')`,
			db.self.id, db.self.id)
		return err
	}, `SELECT pg_advisory_xact_lock(?)`, int64(claimLockKey)) // between claims: it sees every claim committed
	if err != nil {
		return fmt.Errorf("retire dispatcher: %w", err)
	}
	return nil
}

// claimOwnersCTE lists the owners of claims in hand, one row each (and a last NULL), by skipping
// through the touchpoints_claimed index from one owner to the next: a few index probes per
// dispatcher rather than a row per claim (a thousand per replica in a large dispatch), on
// every claim.
const claimOwnersCTE = `claim_owners(id) AS (
		SELECT (SELECT claim_owner FROM touchpoints WHERE claim_owner <> '' AND state = 'pending'
			ORDER BY claim_owner LIMIT 1)
		UNION ALL
		SELECT (SELECT t.claim_owner FROM touchpoints t WHERE t.claim_owner > claim_owners.id
			AND t.claim_owner <> '' AND t.state = 'pending' ORDER BY t.claim_owner LIMIT 1)
		FROM claim_owners WHERE claim_owners.id IS NOT NULL)`

// takeOver frees the claims and the reps of every dispatcher that is gone: a process on this host that no
// longer runs, or one that has not beaten for staleAfter. (Another handle in this same process is
// alive as long as it beats.) Their touchpoints become claimable at
// once; their attempt counts stay, so the next claim looks for a DM the dead one may have posted.
// It returns how many claims it freed.
func (db *DB) takeOver(ctx context.Context, tx *sql.Tx, now time.Time) (int64, error) {
	// On PostgreSQL the reps a dispatcher holds count too (no rep leases on SQLite: on PostgreSQL
	// claimSkipLocked holds them).
	held, args := ``, []any{db.self.id}
	if db.pg {
		held, args = ` UNION SELECT dispatcher FROM rep_leases WHERE until > ?`, []any{now.UnixMilli(), db.self.id}
	}
	owners := `WITH RECURSIVE ` + claimOwnersCTE + ` SELECT o.id, d.host, d.pid, d.beat_at FROM
		(SELECT id FROM claim_owners WHERE id IS NOT NULL` + held + `) o
		LEFT JOIN dispatchers d ON d.owner = o.id
		WHERE o.id <> ?`
	rows, err := tx.QueryContext(ctx, owners, args...)
	if err != nil {
		return 0, fmt.Errorf("find claim owners: %w", err)
	}
	var dead []string
	for rows.Next() {
		var id string
		var host sql.NullString
		var pid, beat sql.NullInt64
		if err := rows.Scan(&id, &host, &pid, &beat); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find claim owners: %w", err)
		}
		if !beat.Valid || now.Sub(time.UnixMilli(beat.Int64)) > staleAfter ||
			(host.String == db.self.host && int(pid.Int64) != db.self.pid && !processAlive(int(pid.Int64))) {
			dead = append(dead, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find claim owners: %w", err)
	}
	// Rows of dispatchers long silent that held nothing when they stopped (a restart without work).
	// (Ended rep leases stay: one row a rep at most, read only with their end, and overwritten by
	// the next claim of the rep.)
	if _, err := tx.ExecContext(ctx, `DELETE FROM dispatchers WHERE beat_at < ?`, now.Add(-24*time.Hour).UnixMilli()); err != nil {
		return 0, fmt.Errorf("prune dispatchers: %w", err)
	}
	freeClaims := `UPDATE touchpoints SET lease_until = NULL, claim_owner = ''
			WHERE claim_owner = ? AND state = 'pending'`
	if db.pg {
		// Never waiting for a row another transaction holds: one left over is freed by the next
		// takeover (its owner's row is gone by then).
		freeClaims = `UPDATE touchpoints SET lease_until = NULL, claim_owner = ''
			WHERE id IN (SELECT id FROM touchpoints WHERE claim_owner = ? AND state = 'pending' FOR UPDATE SKIP LOCKED)`
	}
	var freed int64
	for _, id := range dead {
		r, err := tx.ExecContext(ctx, freeClaims, id)
		if err != nil {
			return 0, fmt.Errorf("take over claims: %w", err)
		}
		n, _ := r.RowsAffected()
		freed += n
		if _, err := tx.ExecContext(ctx, `DELETE FROM dispatchers WHERE owner = ?`, id); err != nil {
			return 0, fmt.Errorf("take over claims: %w", err)
		}
		// Its reps are free a second from now, not at once: its last DM may have just gone out.
		if !db.pg {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rep_leases SET until = ? WHERE rep IN (SELECT rep FROM rep_leases
			WHERE dispatcher = ? AND until > ? ORDER BY rep FOR UPDATE)`, // in rep order, as claimSkipLocked locks them
			now.Add(takeoverGap).UnixMilli(), id, now.Add(takeoverGap).UnixMilli()); err != nil {
			return 0, fmt.Errorf("take over reps: %w", err)
		}
	}
	return freed, nil
}
