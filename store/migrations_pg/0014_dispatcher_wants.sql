-- 0014: when a dispatcher was last turned away from reps others held (twin of migrations/0014_dispatcher_wants.sql).
ALTER TABLE dispatchers ADD COLUMN turned_away BIGINT NOT NULL DEFAULT 0;
