-- 0009: where a follow-up came from, and company-wide awareness (twin of
-- migrations/0009_slack_native.sql).
CREATE TABLE enrollment_origins (
    enrollment_id TEXT PRIMARY KEY REFERENCES enrollments (id),
    link          TEXT NOT NULL DEFAULT '',
    source_key    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX enrollment_origins_source ON enrollment_origins (source_key) WHERE source_key <> '';

CREATE TABLE company_news (
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id),
    source_id     TEXT NOT NULL REFERENCES enrollments (id),
    who           TEXT NOT NULL,
    company       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (enrollment_id, source_id, outcome)
);

CREATE TABLE company_notices (
    source_id TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    owner     TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (source_id, outcome, owner)
);

-- Contacts by email domain. PostgreSQL has no instr(); strpos() is the same function, and the
-- store's query uses this same expression on PostgreSQL (store/origin.go, domainExpr).
CREATE INDEX contacts_email_domain ON contacts (substr(email, strpos(email, '@') + 1)) WHERE email <> '';
