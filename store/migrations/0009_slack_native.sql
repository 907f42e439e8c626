-- 0009: where a follow-up came from, and company-wide awareness.
--
-- enrollment_origins keeps, beside a follow-up started from Slack, the permalink of the message it
-- was started on (shown in every reminder) and the key of the request that started it (a Workflow
-- Builder step's function_execution_id), so a redelivered request finds the follow-up it already
-- made instead of making a second one.
CREATE TABLE enrollment_origins (
    enrollment_id TEXT PRIMARY KEY REFERENCES enrollments (id),
    link          TEXT NOT NULL DEFAULT '',
    source_key    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX enrollment_origins_source ON enrollment_origins (source_key) WHERE source_key <> '';

-- company_news flags a running follow-up with what a colleague of its contact (same email domain)
-- did: replied or booked a meeting. Its next reminder shows it.
CREATE TABLE company_news (
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id),
    source_id     TEXT NOT NULL REFERENCES enrollments (id),
    who           TEXT NOT NULL,
    company       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (enrollment_id, source_id, outcome)
);

-- company_notices records which owners were told about a colleague's reply or meeting, so each is
-- told once however often the news is recorded.
CREATE TABLE company_notices (
    source_id TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    owner     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (source_id, outcome, owner)
);

-- Contacts by email domain: the running follow-ups at one company are found without a scan.
CREATE INDEX contacts_email_domain ON contacts (substr(email, instr(email, '@') + 1)) WHERE email <> '';
