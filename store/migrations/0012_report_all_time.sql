-- 0012: the report's "since the start" section counts every enrolment, touch, meeting and deal
-- ever logged, grouped by cadence, step and rep. events_report (kind, at, …) serves a week's range
-- well but leaves the whole history to be sorted for the grouping (about a second on a log of a
-- million events); this index holds the rows in the grouping's order, so the count streams.
CREATE INDEX events_report_all ON events (kind, cadence_id, step, rep, at);
