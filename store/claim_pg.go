package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// claimSkipLocked is a whole claim in one statement, on PostgreSQL: it leases up to n due
// touchpoints nobody else is claiming right now, with FOR UPDATE OF t SKIP LOCKED so that a
// touchpoint a command has locked is passed over rather than waited for; it records that this
// dispatcher holds their reps, in rep order as every statement that locks several rep leases
// locks them (no other claim took one of these reps since the walk looked: claims take turns,
// claimLockKey); it records whether the claim came back short while others held reps
// (turned_away: 0 when it did not, so the want it started with, or an earlier one, is met); and it
// returns the claimed touchpoints' views, oldest due first. The follow-up and contact columns come
// from the walk, which read those rows already, and the touchpoint's from the lease's RETURNING,
// as the statement's snapshot does not see its own writes. One statement is one round trip and
// one plan where there were four, and claims hold the claim lock, which every replica's claims
// wait for, that much less.
//
// %[1]s is where the partition of the reps goes when replicas share them (partitionSQL), %[2]s
// the walk's follow-up and contact columns under their own names and %[3]s the same read back
// (claimedCols). Its arguments are: lease end, owner, now, now, owner, now, the partition's,
// limit; then owner, lease end (the reps held); then limit, whether others hold reps, now, owner
// (turned_away).
const claimSkipLocked = `WITH claimed AS (
	UPDATE touchpoints t SET lease_until = ?, claim_owner = ?, attempts = t.attempts + 1
	FROM (SELECT t.id AS walked, %[2]s FROM touchpoints t
		JOIN enrollments e ON e.id = t.enrollment_id
		JOIN contacts c ON c.id = e.contact_id
		WHERE t.state = 'pending' AND t.due <= ?
		  AND (t.lease_until IS NULL OR t.lease_until <= ?)
		  AND e.status = 'active' AND c.dnc = 0
		  AND NOT EXISTS (SELECT 1 FROM rep_leases r WHERE r.rep = e.owner AND r.dispatcher <> ? AND r.until > ?)%[1]s
		ORDER BY t.due, t.id
		LIMIT ?
		FOR UPDATE OF t SKIP LOCKED) w
	WHERE t.id = w.walked
	RETURNING w.*, ` + touchCols + `),
held AS (
	INSERT INTO rep_leases (rep, dispatcher, until)
	SELECT DISTINCT e_owner, CAST(? AS TEXT), CAST(? AS BIGINT) FROM claimed ORDER BY 1
	ON CONFLICT (rep) DO UPDATE SET dispatcher = excluded.dispatcher, until = excluded.until),
turned AS (
	UPDATE dispatchers d SET turned_away = v.at
	FROM (SELECT CASE WHEN (SELECT count(*) FROM claimed) < ? AND CAST(? AS BOOLEAN) THEN CAST(? AS BIGINT) ELSE 0 END AS at) v
	WHERE d.owner = ? AND d.turned_away <> v.at)
SELECT %[3]s, ` + touchCols + ` FROM claimed t ORDER BY t.due, t.id`

// claimedCols returns the follow-up and contact columns of a view (enrollmentCols, contactCols)
// as claimSkipLocked's walk selects them, each under a name of its own (e.id AS e_id), and as
// its last SELECT reads them back from the claimed rows (t.e_id).
func claimedCols() (walk, back string) {
	var w, r []string
	for _, col := range strings.Split(enrollmentCols+`,`+contactCols, `,`) {
		col = strings.TrimSpace(col)
		name := strings.Replace(col, `.`, `_`, 1)
		w = append(w, col+` AS `+name)
		r = append(r, `t.`+name)
	}
	return strings.Join(w, `, `), strings.Join(r, `, `)
}

// claimLockKey is the advisory lock a PostgreSQL claim holds until it commits, so that claims
// (from every replica) take turns and each sees the reps the one before it took and the
// heartbeats it wrote. It is not the write lock: commands' writes do not wait for claims. Claims
// that took no turns were tried: a takeover could then free the claims of a replica whose
// heartbeat it had not seen yet, and two takeovers could wait for each other.
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
// So the reps are shared by the dispatchers that want them: this one, and every other one alive
// that holds reps or was turned away lately (a claim of it came back short while others held
// reps), or has just started. While there are several, each claims only the touchpoints of its
// part of the reps, by rendezvous hashing: a rep belongs to the sharer whose hashtext(rep ||
// dispatcher) is highest. Every sharer computes the same parts from the same list without
// talking to the others, a claim costs what a lone dispatcher's does (the partition is one more
// condition on the same walk), and when a sharer comes or goes only the reps it gains or loses
// move. A sharer also lets go of every rep whose claims it has all handled (closed to the others
// for a second more, Slack's pace), so that a rep that moved to another part is taken up there.
// A dispatcher alone claims everything.

// repGap is how long a rep let go by one dispatcher stays closed to the others: Slack's pace of
// one message a second per channel, in case that dispatcher's last DM to the rep just went out.
const repGap = time.Second

// sharers returns the other dispatchers that share the reps now, by owner id: every other one that
// is alive (it beat within staleAfter and, on this host, its process runs) and holds a rep or was
// turned away (or started) within staleAfter. It also says whether another one holds reps at all.
func (db *DB) sharers(ctx context.Context, tx *sql.Tx, now time.Time) (others []string, othersHold bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.owner, d.host, d.pid,
		EXISTS (SELECT 1 FROM rep_leases r WHERE r.dispatcher = d.owner AND r.until > ?), d.turned_away >= ?
		FROM dispatchers d WHERE d.owner <> ? AND d.beat_at >= ?`,
		now.UnixMilli(), now.Add(-staleAfter).UnixMilli(), db.self.id, now.Add(-staleAfter).UnixMilli())
	if err != nil {
		return nil, false, fmt.Errorf("list dispatchers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner, host string
		var pid int
		var holds, wants bool
		if err := rows.Scan(&owner, &host, &pid, &holds, &wants); err != nil {
			return nil, false, fmt.Errorf("list dispatchers: %w", err)
		}
		if host == db.self.host && pid != db.self.pid && !processAlive(pid) {
			continue // gone: the next takeover frees its reps
		}
		othersHold = othersHold || holds
		if holds || wants {
			others = append(others, owner)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list dispatchers: %w", err)
	}
	return others, othersHold, nil
}

// partitionSQL is the condition that keeps a claim to this dispatcher's part of the reps, beside
// the other sharers others, and its arguments: for each other sharer, this one's hash of the rep
// must beat that one's. Two equal hashes go to the smaller owner id, so each rep has exactly one
// sharer even then.
func (db *DB) partitionSQL(others []string) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(others))
	for _, o := range others {
		cmp := ">="
		if o < db.self.id {
			cmp = ">"
		}
		fmt.Fprintf(&b, "\n\t\t  AND hashtext(e.owner || CAST(? AS TEXT)) %s hashtext(e.owner || CAST(? AS TEXT))", cmp)
		args = append(args, db.self.id, o)
	}
	return b.String(), args
}

// letGoDrained lets go of the reps this handle holds and has no claim of in hand any more (every
// claimed touchpoint of theirs was reminded or released): they stay closed to others for repGap.
// Its arguments are: now+repGap, this owner, now+repGap, this owner.
const letGoDrained = `UPDATE rep_leases SET until = ?
	WHERE rep IN (SELECT rep FROM rep_leases WHERE dispatcher = ? AND until > ?
	  AND rep NOT IN (SELECT e.owner FROM touchpoints t JOIN enrollments e ON e.id = t.enrollment_id
		WHERE t.claim_owner = ? AND t.state = 'pending')
	  ORDER BY rep FOR UPDATE)`

// claimPG leases up to limit claimable touchpoints to this handle, within its part of the reps
// when it shares them, holds their reps, and returns their views (claimSkipLocked). asked is when
// (by the process's clock) the claim was asked for at now.
func (db *DB) claimPG(ctx context.Context, tx *sql.Tx, now, asked time.Time, limit int, lease time.Duration) ([]cadence.EnrollmentView, error) {
	others, othersHold, err := db.sharers(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	if len(others) > 0 {
		// The gap of a rep let go runs from its last DM, which may have gone out after now while
		// the claim waited for the claim lock: so from now plus the time the claim has taken so far.
		gapEnd := now.Add(time.Since(asked) + repGap).UnixMilli()
		if _, err := tx.ExecContext(ctx, letGoDrained, gapEnd, db.self.id, gapEnd, db.self.id); err != nil {
			return nil, fmt.Errorf("let go of reps: %w", err)
		}
	}
	part, partArgs := db.partitionSQL(others)
	until := now.Add(lease).UnixMilli()
	args := append([]any{until, db.self.id, now.UnixMilli(), now.UnixMilli(), db.self.id, now.UnixMilli()}, partArgs...)
	args = append(args, limit, db.self.id, until, limit, othersHold, now.UnixMilli(), db.self.id)
	vs, err := views(ctx, tx, fmt.Sprintf(claimSkipLocked, part, claimWalkCols, claimBackCols), args...)
	if err != nil {
		return nil, fmt.Errorf("lease due touchpoints: %w", err)
	}
	return vs, nil
}

// claimWalkCols and claimBackCols are claimedCols' two lists.
var claimWalkCols, claimBackCols = claimedCols()

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
