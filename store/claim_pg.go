package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// claimSkipLocked is claimable and the lease in one statement, on PostgreSQL: up to n due
// touchpoints nobody else is claiming right now, with FOR UPDATE OF t SKIP LOCKED so that a
// touchpoint a command has locked is passed over rather than waited for. Its arguments are: lease
// end, owner, now, now, owner, now, limit.
const claimSkipLocked = `UPDATE touchpoints SET lease_until = ?, claim_owner = ?, attempts = attempts + 1
	WHERE id IN (SELECT t.id FROM touchpoints t
		JOIN enrollments e ON e.id = t.enrollment_id
		JOIN contacts c ON c.id = e.contact_id
		WHERE t.state = 'pending' AND t.due <= ?
		  AND (t.lease_until IS NULL OR t.lease_until <= ?)
		  AND e.status = 'active' AND c.dnc = 0
		  AND NOT EXISTS (SELECT 1 FROM rep_leases r WHERE r.rep = e.owner AND r.dispatcher <> ? AND r.until > ?)
		ORDER BY t.due, t.id
		LIMIT ?
		FOR UPDATE OF t SKIP LOCKED)
	RETURNING id`

// claimLockKey is the advisory lock a PostgreSQL claim holds until it commits, so that claims
// (from every replica) take turns and each sees the reps the one before it took. It is not the
// write lock: commands' writes do not wait for claims.
const claimLockKey = 0x636c61696d // "claim"

// claimLockSQL begins a claim's transaction on PostgreSQL: it takes the claim lock and has the
// claim's statements planned for their own arguments. They are prepared once per connection, and
// a plan made for any arguments (the generic plan PostgreSQL may switch to after five runs)
// cannot know how many touchpoints are due or how few reps a dispatcher holds; planning each
// claim's few statements costs well under a millisecond.
const claimLockSQL = `SELECT pg_advisory_xact_lock(?), set_config('plan_cache_mode', 'force_custom_plan', true)`

// Sharing the reps among replicas. Each rep's DMs are paced by the one dispatcher that holds the
// rep (rep_leases), and a holder keeps a rep as long as it has claims of the rep's touchpoints in
// hand. Left alone, the first replica to claim would take a touchpoint of nearly every rep within
// its first batches and keep them all, and a second replica would find almost nothing to claim.
// So the reps with due work are shared by the dispatchers that want them: this one, and every
// other one alive that holds reps or was turned away lately (a claim of it came back short while
// others held reps). While there are several, each holds at most its share of the reps with due
// work, ceil(reps with due work / dispatchers sharing): it takes new reps only while it holds
// fewer, claims nothing more for the reps it holds beyond its share, and lets go of every rep
// whose claims it has all handled (closed to the others for a second more, Slack's pace), so that
// another can take it. A dispatcher alone claims everything, as before.

// repGap is how long a rep let go by one dispatcher stays closed to the others: Slack's pace of
// one message a second per channel, in case that dispatcher's last DM to the rep just went out.
const repGap = time.Second

// sharers returns how many dispatchers share the reps now: this one and every other that is alive
// (it beat within staleAfter and, on this host, its process runs) and holds a rep or was turned
// away within staleAfter. It also says whether another one holds reps at all.
func (db *DB) sharers(ctx context.Context, tx *sql.Tx, now time.Time) (n int, othersHold bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.host, d.pid,
		EXISTS (SELECT 1 FROM rep_leases r WHERE r.dispatcher = d.owner AND r.until > ?), d.turned_away >= ?
		FROM dispatchers d WHERE d.owner <> ? AND d.beat_at >= ?`,
		now.UnixMilli(), now.Add(-staleAfter).UnixMilli(), db.self.id, now.Add(-staleAfter).UnixMilli())
	if err != nil {
		return 0, false, fmt.Errorf("count dispatchers: %w", err)
	}
	defer rows.Close()
	n = 1
	for rows.Next() {
		var host string
		var pid int
		var holds, wants bool
		if err := rows.Scan(&host, &pid, &holds, &wants); err != nil {
			return 0, false, fmt.Errorf("count dispatchers: %w", err)
		}
		if host == db.self.host && pid != db.self.pid && !processAlive(pid) {
			continue // gone: the next takeover frees its reps
		}
		othersHold = othersHold || holds
		if holds || wants {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("count dispatchers: %w", err)
	}
	return n, othersHold, nil
}

// letGoDrained lets go of the reps this handle holds and has no claim of in hand any more (every
// claimed touchpoint of theirs was reminded or released): they stay closed to others for repGap.
// Its arguments are: now+repGap, this owner, now+repGap, this owner.
const letGoDrained = `UPDATE rep_leases SET until = ?
	WHERE dispatcher = ? AND until > ?
	  AND rep NOT IN (SELECT e.owner FROM touchpoints t JOIN enrollments e ON e.id = t.enrollment_id
		WHERE t.claim_owner = ? AND t.state = 'pending')`

// repsDue counts the reps with due work, claimed or not. Its argument is now.
const repsDue = `SELECT count(DISTINCT e.owner) FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.state = 'pending' AND t.due <= ? AND e.status = 'active' AND c.dnc = 0`

// shareCandidates is claimSkipLocked's walk, without the lease or the locks, for a dispatcher that
// shares the reps: the due touchpoints of reps that nobody else holds, oldest first, each with
// its rep and whether this handle holds the rep (and has not let it go). claimShare picks among
// them. Its arguments are: this owner, now+repGap, now, now, now, this owner, n.
const shareCandidates = `SELECT t.id, e.owner, COALESCE(r.dispatcher = ? AND r.until > ?, false)
	FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	LEFT JOIN rep_leases r ON r.rep = e.owner AND r.until > ?
	WHERE t.state = 'pending' AND t.due <= ?
	  AND (t.lease_until IS NULL OR t.lease_until <= ?)
	  AND e.status = 'active' AND c.dnc = 0
	  AND (r.rep IS NULL OR r.dispatcher = ?)
	ORDER BY t.due, t.id
	LIMIT ?`

// leasePicked leases the touchpoints claimShare picked, those of them still claimable and not
// locked by another transaction (a command changing one), and returns their ids. The walk does
// not lock what it reads: most of it is passed over. Its arguments are: lease end, this owner,
// now, now, then the ids.
const leasePicked = `UPDATE touchpoints SET lease_until = ?, claim_owner = ?, attempts = attempts + 1
	WHERE id IN (SELECT id FROM touchpoints WHERE state = 'pending' AND due <= ?
		AND (lease_until IS NULL OR lease_until <= ?) AND id IN (%s)
		FOR UPDATE SKIP LOCKED)
	RETURNING id`

// shareWalk is how many candidates claimShare walks for each touchpoint it may claim: those of
// reps beyond its share, and of reps with perRep claims in hand, are passed over, and a rep
// whose due work comes late in due order must still be reached (with 4, in the replica
// benchmark, a few reps had their first DM 20 s after the others).
const shareWalk = 10

// inHandClaims is how many claims' worth of touchpoints a rep may have in hand: each claim of a
// dispatcher that shares the reps brings each rep of its share about limit/share of them.
const inHandClaims = 8

// claimPG leases up to limit claimable touchpoints to this handle, within its share of the reps
// when it shares them, and returns their ids.
func (db *DB) claimPG(ctx context.Context, tx *sql.Tx, now, asked time.Time, limit int, lease time.Duration) ([]any, error) {
	n, othersHold, err := db.sharers(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	var ids []any
	if n == 1 {
		rows, err := tx.QueryContext(ctx, claimSkipLocked, now.Add(lease).UnixMilli(), db.self.id,
			now.UnixMilli(), now.UnixMilli(), db.self.id, now.UnixMilli(), limit)
		if err != nil {
			return nil, fmt.Errorf("find due touchpoints: %w", err)
		}
		if ids, err = scanIDs(rows); err != nil {
			return nil, fmt.Errorf("find due touchpoints: %w", err)
		}
	} else if ids, err = db.claimShare(ctx, tx, now, asked, n, limit, lease); err != nil {
		return nil, err
	}
	if len(ids) < limit && othersHold {
		// Short while others hold reps: this one wants some, and counts among the sharers.
		if _, err := tx.ExecContext(ctx, `UPDATE dispatchers SET turned_away = ? WHERE owner = ?`,
			now.UnixMilli(), db.self.id); err != nil {
			return nil, fmt.Errorf("record a short claim: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE dispatchers SET turned_away = 0 WHERE owner = ? AND turned_away <> 0`,
		db.self.id); err != nil { // not turned away: the want it started with (beat), or an earlier one, is met
		return nil, fmt.Errorf("record a claim: %w", err)
	}
	return ids, nil
}

// claimShare leases up to limit claimable touchpoints to a handle that shares the reps with n-1
// others, within its share, and returns their ids. asked is when (by the process's clock) the
// claim was asked for at now. It first lets go of the reps it has handled every claim of; then it walks the due touchpoints of reps nobody else holds, oldest first, and
// takes those of the first share reps it holds (by rep id, so that the same ones are kept from one
// claim to the next) and of as many more reps as its share leaves room for.
func (db *DB) claimShare(ctx context.Context, tx *sql.Tx, now, asked time.Time, n, limit int, lease time.Duration) ([]any, error) {
	// The gap of a rep let go runs from its last DM, which may have gone out after now while the
	// claim waited for the claim lock: so from now plus the time the claim has taken so far.
	gapEnd := now.Add(time.Since(asked) + repGap).UnixMilli()
	if _, err := tx.ExecContext(ctx, letGoDrained, gapEnd, db.self.id, gapEnd, db.self.id); err != nil {
		return nil, fmt.Errorf("let go of reps: %w", err)
	}
	due, err := db.repsWithDueWork(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	share := (due + n - 1) / n
	var held []string
	rows, err := tx.QueryContext(ctx, `SELECT rep FROM rep_leases WHERE dispatcher = ? AND until > ? ORDER BY rep`,
		db.self.id, gapEnd)
	if err != nil {
		return nil, fmt.Errorf("list held reps: %w", err)
	}
	for rows.Next() {
		var rep string
		if err := rows.Scan(&rep); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list held reps: %w", err)
		}
		held = append(held, rep)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list held reps: %w", err)
	}
	// Each rep gets at most perRep claims in hand, so that a few reps' long queues do not fill
	// the dispatcher's claims in hand while other reps of its share wait for their first.
	perRep := max(2, (inHandClaims*limit+share-1)/max(share, 1))
	inHand, err := db.claimsInHand(ctx, tx)
	if err != nil {
		return nil, err
	}
	take := make(map[string]bool, share) // the reps whose touchpoints this claim may take
	for _, rep := range held[:min(len(held), share)] {
		take[rep] = true
	}
	room := share - len(take) // reps it may still take
	rows, err = tx.QueryContext(ctx, shareCandidates, db.self.id, gapEnd, now.UnixMilli(), now.UnixMilli(),
		now.UnixMilli(), db.self.id, limit*shareWalk)
	if err != nil {
		return nil, fmt.Errorf("find due touchpoints: %w", err)
	}
	var ids, over []any // over: of reps with perRep claims in hand, taken only when nothing else is
	for rows.Next() && len(ids) < limit {
		var id int64
		var rep string
		var mine bool
		if err := rows.Scan(&id, &rep, &mine); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find due touchpoints: %w", err)
		}
		if !take[rep] && !mine && room > 0 {
			take[rep] = true
			room--
		}
		switch {
		case !take[rep]:
		case inHand[rep] < perRep:
			inHand[rep]++
			ids = append(ids, id)
		case len(over) < limit:
			over = append(over, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find due touchpoints: %w", err)
	}
	if len(ids) == 0 {
		ids = over // a claim that may take something takes it: only its reps have due work
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := append([]any{now.Add(lease).UnixMilli(), db.self.id, now.UnixMilli(), now.UnixMilli()}, ids...)
	rows, err = tx.QueryContext(ctx, fmt.Sprintf(leasePicked, placeholders(len(ids))), args...)
	if err != nil {
		return nil, fmt.Errorf("lease due touchpoints: %w", err)
	}
	if ids, err = scanIDs(rows); err != nil {
		return nil, fmt.Errorf("lease due touchpoints: %w", err)
	}
	return ids, nil
}

// claimsInHand counts the touchpoints this handle has claimed and not handled yet, by rep.
func (db *DB) claimsInHand(ctx context.Context, tx *sql.Tx) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.owner, count(*) FROM touchpoints t JOIN enrollments e ON e.id = t.enrollment_id
		WHERE t.claim_owner = ? AND t.state = 'pending' GROUP BY e.owner`, db.self.id)
	if err != nil {
		return nil, fmt.Errorf("count claims in hand: %w", err)
	}
	defer rows.Close()
	in := map[string]int{}
	for rows.Next() {
		var rep string
		var n int
		if err := rows.Scan(&rep, &n); err != nil {
			return nil, fmt.Errorf("count claims in hand: %w", err)
		}
		in[rep] = n
	}
	return in, rows.Err()
}

// repsWithDueWork counts the reps with due work, claimed or not. The count walks every due
// touchpoint, so a handle counts at most once a second (of claim time) and uses its last count
// in between: a share a little out of date only shares a little less evenly.
func (db *DB) repsWithDueWork(ctx context.Context, tx *sql.Tx, now time.Time) (int, error) {
	db.mu.Lock()
	at, n := db.dueReps.at, db.dueReps.n
	db.mu.Unlock()
	if !at.IsZero() && !now.Before(at) && now.Sub(at) < repGap {
		return n, nil
	}
	if err := tx.QueryRowContext(ctx, repsDue, now.UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count reps with due work: %w", err)
	}
	db.mu.Lock()
	db.dueReps.at, db.dueReps.n = now, n
	db.mu.Unlock()
	return n, nil
}

// scanIDs reads a column of touchpoint ids and closes rows.
func scanIDs(rows *sql.Rows) ([]any, error) {
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
