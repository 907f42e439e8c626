-- 0006: claims carry their owner, and owners their heartbeat, so that a dispatcher that died is
-- taken over at once instead of when its leases end; a touchpoint counts its new drafts.
--
-- touchpoints.claim_owner names the dispatcher (one per open database, see DB.Owner) holding the
-- touchpoint's lease; '' when nobody holds it. touchpoints.attempts, raised by every claim, is the
-- claim's fencing token: a write that finishes a claim names the token it was given and changes
-- nothing when the touchpoint was claimed again since.
ALTER TABLE touchpoints ADD COLUMN claim_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE touchpoints ADD COLUMN redrafts INTEGER NOT NULL DEFAULT 0;

CREATE INDEX touchpoints_claimed ON touchpoints (claim_owner) WHERE claim_owner <> '' AND state = 'pending';

-- One row a dispatcher: where it runs and when it last said it was alive.
CREATE TABLE dispatchers (
    owner   TEXT PRIMARY KEY,
    host    TEXT NOT NULL DEFAULT '',
    pid     INTEGER NOT NULL DEFAULT 0,
    beat_at INTEGER NOT NULL
);
