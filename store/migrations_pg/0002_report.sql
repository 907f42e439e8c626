-- 0002: indexes for the team report and the App Home (twin of migrations/0002_report.sql).
CREATE INDEX events_report ON events (kind, at, cadence_id, step, rep, enrollment_id);
CREATE INDEX enrollments_ended ON enrollments (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX enrollments_owner_ended ON enrollments (owner, ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX touchpoints_open_due ON touchpoints (due) WHERE state IN ('pending', 'reminded');
