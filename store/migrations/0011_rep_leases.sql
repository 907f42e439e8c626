-- 0011: replicas share the reps. A dispatcher claims the due touchpoints only of reps no other live
-- dispatcher is reminding just now, so that each rep's DMs are paced by one process, a second
-- apart, however many replicas run.
--
-- One row a rep being reminded: the dispatcher (DB.Owner) that holds the rep and until when. The
-- holder's claims extend it; its dispatch pass, when it ends, shortens it to a second after its last
-- DM; a dispatcher taken over loses its rows with its claims.
CREATE TABLE rep_leases (
    rep        TEXT PRIMARY KEY,
    dispatcher TEXT NOT NULL,
    until      INTEGER NOT NULL
);
CREATE INDEX rep_leases_dispatcher ON rep_leases (dispatcher);
