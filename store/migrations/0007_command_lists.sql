-- 0007: a rep's list of follow-ups (/followup list and due, the App Home) reads its rows from
-- two covering indexes instead of fetching each follow-up's and each open touch's row from their
-- tables: for a rep with 200 follow-ups that halves the cost of the list (store/queue.go).
CREATE INDEX enrollments_owner_queue ON enrollments (owner, status, id, contact_id, cadence_id, step, paused_until, created_at);
CREATE INDEX touchpoints_open_queue ON touchpoints (enrollment_id, due, id, step, state) WHERE state IN ('pending', 'reminded');
