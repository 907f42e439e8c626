-- 0002: indexes for the team report (store/report.go) and the App Home.
--
-- The report counts events by kind inside a time range, grouped by cadence, step and rep. This
-- index covers those queries (no table lookups), for a week as for "since the start", on a log of
-- millions of events. Reply attribution walks events_enrollment (enrollment_id, at, id).
CREATE INDEX events_report ON events (kind, at, cadence_id, step, rep, enrollment_id);

-- Follow-ups that ended in a range, by cadence and stop reason; and a rep's recently ended ones.
CREATE INDEX enrollments_ended ON enrollments (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX enrollments_owner_ended ON enrollments (owner, ended_at) WHERE ended_at IS NOT NULL;

-- Overdue touchpoints now: open (pending or reminded) and due before now.
CREATE INDEX touchpoints_open_due ON touchpoints (due) WHERE state IN ('pending', 'reminded');
