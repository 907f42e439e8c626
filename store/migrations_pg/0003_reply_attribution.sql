-- 0003: reply attribution's index (twin of migrations/0003_reply_attribution.sql).
CREATE INDEX events_enrollment_kind ON events (enrollment_id, kind, at, id);
