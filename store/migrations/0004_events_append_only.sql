-- 0004: the event log is append-only, and the database says so: the reports are computed from it,
-- so a row changed or deleted by mistake (a hand-written fix, a future bug) would rewrite history.
-- SQLite's trigger syntax; the PostgreSQL migrations will do the same with a trigger function.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
