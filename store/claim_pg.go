package store

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
