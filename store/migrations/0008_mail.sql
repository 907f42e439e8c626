-- 0008: replies seen without a click (issue 14). Each rep's mailbox and how far it has been read,
-- and the messages from contacts that were acted on: only the classification, the dates, the
-- sender and at most the first 280 characters, never a whole message.

CREATE TABLE mailboxes (
    rep               TEXT PRIMARY KEY,
    address           TEXT NOT NULL DEFAULT '', -- set with /followup settings mailbox=; '' means the Slack profile email
    provider          TEXT NOT NULL DEFAULT '', -- the reader the cursor belongs to: gmail or graph
    cursor_address    TEXT NOT NULL DEFAULT '', -- the address the cursor belongs to; another address starts over
    cursor            TEXT NOT NULL DEFAULT '', -- a Gmail history id or a Graph delta link
    seen_until        INTEGER,                  -- the newest message read, to start over from after a lost cursor
    error             TEXT NOT NULL DEFAULT '', -- why the mailbox could not be read, '' when it could
    error_reported_at INTEGER                   -- when the admins were last told (once a day)
);

CREATE TABLE mail_seen (
    id                 INTEGER PRIMARY KEY,
    rep                TEXT NOT NULL,
    provider           TEXT NOT NULL,
    message_id         TEXT NOT NULL,
    enrollment_id      TEXT NOT NULL,
    contact_id         INTEGER NOT NULL,
    sender             TEXT NOT NULL,
    kind               TEXT NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    return_date        INTEGER,
    referral           TEXT NOT NULL DEFAULT '',
    snippet            TEXT NOT NULL DEFAULT '' CHECK (length(snippet) <= 280),
    received_at        INTEGER NOT NULL,
    seen_at            INTEGER NOT NULL,
    acted_at           INTEGER,                  -- NULL until the follow-up was changed and the rep told
    action             TEXT NOT NULL DEFAULT '',
    prior_status       TEXT NOT NULL DEFAULT '',
    prior_step         INTEGER NOT NULL DEFAULT 0,
    prior_due          INTEGER,
    undone_at          INTEGER,
    undone_by          TEXT NOT NULL DEFAULT ''
);

-- A message is acted on once per rep, however often it is read again.
CREATE UNIQUE INDEX mail_seen_message ON mail_seen (rep, provider, message_id);
CREATE INDEX mail_seen_pending ON mail_seen (seen_at) WHERE acted_at IS NULL;
