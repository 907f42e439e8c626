-- 0014: replicas share the reps fairly (store/claim_pg.go). A dispatcher counts among those the
-- reps are shared by while it holds reps, and for a while after a claim of it came back short
-- while others held reps: it wants some of them. dispatchers.turned_away is when that last
-- happened (unix ms), 0 for never. Only PostgreSQL uses it (on SQLite one process dispatches);
-- the column is here so that both schemas stay the same.
ALTER TABLE dispatchers ADD COLUMN turned_away INTEGER NOT NULL DEFAULT 0;
