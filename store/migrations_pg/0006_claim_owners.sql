-- 0006: claim owners and their heartbeats (twin of migrations/0006_claim_owners.sql).
ALTER TABLE touchpoints ADD COLUMN claim_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE touchpoints ADD COLUMN redrafts INTEGER NOT NULL DEFAULT 0;

CREATE INDEX touchpoints_claimed ON touchpoints (claim_owner) WHERE claim_owner <> '' AND state = 'pending';

CREATE TABLE dispatchers (
    owner   TEXT PRIMARY KEY,
    host    TEXT NOT NULL DEFAULT '',
    pid     INTEGER NOT NULL DEFAULT 0,
    beat_at BIGINT NOT NULL
);
