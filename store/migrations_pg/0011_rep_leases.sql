-- 0011: reps held by one dispatcher at a time (twin of migrations/0011_rep_leases.sql).
CREATE TABLE rep_leases (
    rep        TEXT PRIMARY KEY,
    dispatcher TEXT NOT NULL,
    until      BIGINT NOT NULL
);
CREATE INDEX rep_leases_dispatcher ON rep_leases (dispatcher);
