-- 0007: covering indexes for a rep's list of follow-ups (twin of migrations/0007_command_lists.sql).
CREATE INDEX enrollments_owner_queue ON enrollments (owner, status, id, contact_id, cadence_id, step, paused_until, created_at);
CREATE INDEX touchpoints_open_queue ON touchpoints (enrollment_id, due, id, step, state) WHERE state IN ('pending', 'reminded');
