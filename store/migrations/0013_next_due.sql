-- 0013: each follow-up's next due time on its own row (next_due: the due time of its open
-- touchpoint, or the largest integer when it has none, so that those sort last), kept by triggers
-- on touchpoints whatever writes them. A rep's list (/followup list and due) then reads its first
-- page in order from one index of the rep's running follow-ups, and counts them there, instead of
-- looking up the open touch of each of the rep's follow-ups and sorting them all (store/queue.go).
ALTER TABLE enrollments ADD COLUMN next_due INTEGER NOT NULL DEFAULT 9223372036854775807;

UPDATE enrollments SET next_due = (SELECT t.due FROM touchpoints t
		WHERE t.enrollment_id = enrollments.id AND t.state IN ('pending', 'reminded'))
	WHERE EXISTS (SELECT 1 FROM touchpoints t WHERE t.enrollment_id = enrollments.id AND t.state IN ('pending', 'reminded'));

CREATE INDEX enrollments_running_next ON enrollments (owner, next_due, created_at, id, status, contact_id, cadence_id, step, paused_until)
	WHERE status IN ('active', 'paused');

-- A follow-up has at most one open touchpoint (touchpoints_one_open), so next_due is its due time.
CREATE TRIGGER touchpoints_next_due_insert AFTER INSERT ON touchpoints
	WHEN NEW.state IN ('pending', 'reminded')
BEGIN
	UPDATE enrollments SET next_due = NEW.due WHERE id = NEW.enrollment_id;
END;

-- Only when the touchpoint opens, closes or moves: not when it goes from pending to reminded.
CREATE TRIGGER touchpoints_next_due_update AFTER UPDATE OF due, state ON touchpoints
	WHEN (OLD.state IN ('pending', 'reminded')) <> (NEW.state IN ('pending', 'reminded'))
		OR (NEW.state IN ('pending', 'reminded') AND OLD.due <> NEW.due)
BEGIN
	UPDATE enrollments SET next_due = coalesce((SELECT t.due FROM touchpoints t
			WHERE t.enrollment_id = NEW.enrollment_id AND t.state IN ('pending', 'reminded')), 9223372036854775807)
		WHERE id = NEW.enrollment_id;
END;

CREATE TRIGGER touchpoints_next_due_delete AFTER DELETE ON touchpoints
	WHEN OLD.state IN ('pending', 'reminded')
BEGIN
	UPDATE enrollments SET next_due = 9223372036854775807 WHERE id = OLD.enrollment_id;
END;
