-- 0013: each follow-up's next due time on its own row, kept by triggers on touchpoints (twin of
-- migrations/0013_next_due.sql, which says why).
ALTER TABLE enrollments ADD COLUMN next_due BIGINT NOT NULL DEFAULT 9223372036854775807;

UPDATE enrollments SET next_due = t.due FROM touchpoints t
	WHERE t.enrollment_id = enrollments.id AND t.state IN ('pending', 'reminded');

CREATE INDEX enrollments_running_next ON enrollments (owner, next_due, created_at, id, status, contact_id, cadence_id, step, paused_until)
	WHERE status IN ('active', 'paused');

-- Sets the next_due of the follow-up of the touchpoint written: the due time of its open
-- touchpoint (at most one, touchpoints_one_open), or the largest integer when it has none.
CREATE FUNCTION touchpoints_next_due() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	eid TEXT;
BEGIN
	IF TG_OP = 'DELETE' THEN
		eid := OLD.enrollment_id;
	ELSE
		eid := NEW.enrollment_id;
	END IF;
	UPDATE enrollments SET next_due = coalesce((SELECT t.due FROM touchpoints t
			WHERE t.enrollment_id = eid AND t.state IN ('pending', 'reminded')), 9223372036854775807)
		WHERE id = eid;
	RETURN NULL;
END
$$;

CREATE TRIGGER touchpoints_next_due_insert AFTER INSERT ON touchpoints FOR EACH ROW
	WHEN (NEW.state IN ('pending', 'reminded'))
	EXECUTE FUNCTION touchpoints_next_due();

-- Only when the touchpoint opens, closes or moves: not when it goes from pending to reminded.
CREATE TRIGGER touchpoints_next_due_update AFTER UPDATE OF due, state ON touchpoints FOR EACH ROW
	WHEN ((OLD.state IN ('pending', 'reminded')) <> (NEW.state IN ('pending', 'reminded'))
		OR (NEW.state IN ('pending', 'reminded') AND OLD.due <> NEW.due))
	EXECUTE FUNCTION touchpoints_next_due();

CREATE TRIGGER touchpoints_next_due_delete AFTER DELETE ON touchpoints FOR EACH ROW
	WHEN (OLD.state IN ('pending', 'reminded'))
	EXECUTE FUNCTION touchpoints_next_due();
