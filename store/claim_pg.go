package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// claimSkipLocked leases, in one statement, up to n due touchpoints nobody else is claiming right
// now: the sub-select is claimable's, with FOR UPDATE OF t SKIP LOCKED so that two replicas
// claiming at once each take different rows instead of waiting for one another. Its arguments
// are: lease end, owner, now, now, limit.
const claimSkipLocked = `UPDATE touchpoints SET lease_until = ?, claim_owner = ?, attempts = attempts + 1
	WHERE id IN (SELECT t.id FROM touchpoints t
		JOIN enrollments e ON e.id = t.enrollment_id
		JOIN contacts c ON c.id = e.contact_id
		WHERE t.state = 'pending' AND t.due <= ?
		  AND (t.lease_until IS NULL OR t.lease_until <= ?)
		  AND e.status = 'active' AND c.dnc = 0
		ORDER BY t.due, t.id
		LIMIT ?
		FOR UPDATE OF t SKIP LOCKED)
	RETURNING id`

// claimPostgres is Claim on PostgreSQL. The heartbeat and the takeover of dead owners' claims run
// first under the write lock; the claim itself does not take that lock, so replicas claim side by
// side.
func (db *DB) claimPostgres(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error) {
	// Neither needs a disk flush before the claim: a heartbeat or a takeover lost in a crash of the
	// server is made again at the next claim.
	err := db.writeWith(ctx, func(tx *sql.Tx) error {
		if err := db.beat(ctx, tx, now); err != nil {
			return err
		}
		_, err := db.takeOver(ctx, tx, now)
		return err
	}, `SELECT pg_advisory_xact_lock(?), set_config('synchronous_commit', 'off', true)`, int64(writeLockKey))
	if err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, claimSkipLocked, now.Add(lease).UnixMilli(), db.self.id,
		now.UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim due touchpoints: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	vs, err := views(ctx, tx, viewSelect+` WHERE t.id IN (`+placeholders(len(ids))+`) ORDER BY t.due, t.id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("load claimed touchpoints: %w", err)
	}
	claims := make([]cadence.Claim, len(vs))
	for i, v := range vs {
		claims[i] = cadence.Claim{TouchView: cadence.TouchView{Touch: *v.Open, EnrollmentView: v}, Attempts: v.Open.Attempts}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	return claims, nil
}
