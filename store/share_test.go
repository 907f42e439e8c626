package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// TestClaimSharesRepsAmongDispatchers: dispatchers on one PostgreSQL database share the reps with
// due work, each claiming its part (rendezvous hashing, claim_pg.go). A dispatcher alone (or
// beside one that wants nothing) claims everything; beside another that holds reps or wants
// some, each claims only the reps of its part nobody else holds; and one that holds reps of the
// other's part claims nothing more of them and lets go of those it has handled, a second later,
// so that the other takes them.
func TestClaimSharesRepsAmongDispatchers(t *testing.T) {
	postgresOnly(t) // replicas share reps on PostgreSQL; on SQLite one process dispatches
	ctx := context.Background()
	const nReps, perRep = 20, 3
	now := t0.Add(time.Second)
	// Rep r is in a's part when r is even, in b's when it is odd. Touch k of rep r is due at
	// t0 + (k*nReps + r) ms: every rep's first touch comes before any rep's second.
	setup := func(t *testing.T) (a, b *DB, reps []string) {
		path := filepath.Join(t.TempDir(), "followup.db")
		a, b = mustOpenPath(t, path), mustOpenPath(t, path)
		reps = repsByPart(t, nReps, a, b)
		for k := range perRep {
			for r := range nReps {
				mustEnroll(t, a, contactN(k*nReps+r+1), reps[r], t0.Add(time.Duration(k*nReps+r)*time.Millisecond))
			}
		}
		return a, b, reps
	}
	claim := func(t *testing.T, db *DB, now time.Time, limit int) []cadence.Claim {
		t.Helper()
		cs, err := db.Claim(ctx, now, limit, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	// pick is the reps with these indexes.
	pick := func(reps []string, idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, reps[i])
		}
		slices.Sort(out)
		return out
	}
	span := func(from, to, step int) []int {
		var out []int
		for i := from; i < to; i += step {
			out = append(out, i)
		}
		return out
	}
	want := func(t *testing.T, what string, cs []cadence.Claim, n int, reps []string) {
		t.Helper()
		if got := claimedReps(cs); len(cs) != n || !slices.Equal(got, reps) {
			t.Fatalf("%s claimed %d touchpoints of reps %v, want %d of %v", what, len(cs), got, n, reps)
		}
	}

	t.Run("alone it claims everything", func(t *testing.T) {
		a, b, reps := setup(t)
		// b started long ago and is alive, but has wanted nothing since.
		for _, at := range []time.Time{now.Add(-staleAfter - time.Second), now} {
			if err := b.Beat(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
		want(t, "a", claim(t, a, now, 1000), nReps*perRep, pick(reps, span(0, nReps, 1)...))
	})

	t.Run("a dispatcher just started gets its part at once", func(t *testing.T) {
		a, b, reps := setup(t)
		if err := b.Beat(ctx, now); err != nil { // b's process starts: its first beat
			t.Fatal(err)
		}
		// Replicas started together share the reps from the first claim on, with no handing over.
		want(t, "a beside a new b", claim(t, a, now, 1000), nReps/2*perRep, pick(reps, span(0, nReps, 2)...))
		want(t, "b", claim(t, b, now, 1000), nReps/2*perRep, pick(reps, span(1, nReps, 2)...))
	})

	t.Run("beside another each takes its part", func(t *testing.T) {
		a, b, reps := setup(t)
		want(t, "a first, alone", claim(t, a, now, 4), 4, pick(reps, 0, 1, 2, 3))
		// b's part, but not reps 1 and 3, which a holds; in due order, every first touch first.
		want(t, "b beside a", claim(t, b, now, 4), 4, pick(reps, 5, 7, 9, 11))
		// a claims the rest of its part; it holds reps 1 and 3 of b's part, and claims no more of them.
		want(t, "a again", claim(t, a, now, 1000), 2*(perRep-1)+8*perRep, pick(reps, span(0, nReps, 2)...))
		want(t, "b again", claim(t, b, now, 1000), 4*(perRep-1)+4*perRep, pick(reps, span(5, nReps, 2)...))
	})

	t.Run("a dispatcher that retires leaves its part at once", func(t *testing.T) {
		a, b, reps := setup(t)
		if err := b.Beat(ctx, now); err != nil {
			t.Fatal(err)
		}
		want(t, "a beside b", claim(t, a, now, 1000), nReps/2*perRep, pick(reps, span(0, nReps, 2)...))
		// b claims its part: short of the 1000 it asked for while a holds reps, so b wants reps
		// (and would count among the sharers for staleAfter).
		held := claim(t, b, now, 1000)
		want(t, "b", held, nReps/2*perRep, pick(reps, span(1, nReps, 2)...))
		if err := b.Retire(ctx); err != nil { // holding claims: nothing happens
			t.Fatal(err)
		}
		if n := count(t, b, `SELECT COUNT(*) FROM dispatchers WHERE owner = '`+b.Owner()+`'`); n != 1 {
			t.Fatalf("b retired while it held claims (%d dispatcher rows), want it kept", n)
		}
		if err := b.Release(ctx, held[0].Touch.ID, held[0].Attempts, now); err != nil {
			t.Fatal(err)
		}
		want(t, "a while b holds claims", claim(t, a, now, 1000), 0, nil)
		for _, c := range held[1:] { // b stops: it gives back what it did not handle
			if err := b.Release(ctx, c.Touch.ID, c.Attempts, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.EndDispatch(ctx, now, time.Second); err != nil {
			t.Fatal(err)
		}
		if err := b.Retire(ctx); err != nil {
			t.Fatal(err)
		}
		// b's want would have lasted staleAfter; gone, its part is a's a second after its last DM.
		want(t, "a after b retired", claim(t, a, now.Add(time.Second), 1000), nReps/2*perRep, pick(reps, span(1, nReps, 2)...))
	})

	t.Run("over its part it lets go of the reps it handled", func(t *testing.T) {
		a, b, reps := setup(t)
		first := claim(t, a, now, nReps)
		want(t, "a alone", first, nReps, pick(reps, span(0, nReps, 1)...))
		want(t, "b while a holds every rep", claim(t, b, now, 1000), 0, nil)
		// a reminds the reps of b's part; b wants reps now, so a claims only its own part.
		for _, c := range first {
			if i := slices.Index(reps, c.Enrollment.Owner); i%2 == 1 {
				if err := a.MarkReminded(ctx, c.Touch.ID, c.Attempts, "D", "1.1", now); err != nil {
					t.Fatal(err)
				}
			}
		}
		want(t, "a beside b", claim(t, a, now, 1000), nReps/2*(perRep-1), pick(reps, span(0, nReps, 2)...))
		want(t, "b within a second of a's last DM", claim(t, b, now.Add(500*time.Millisecond), 1000), 0, nil)
		// A second from a's claim, plus the time a's claim took (well under half a second).
		want(t, "b a second after", claim(t, b, now.Add(1500*time.Millisecond), 1000), nReps/2*(perRep-1),
			pick(reps, span(1, nReps, 2)...))
	})
}

// claimedReps is the reps of claims, sorted, each once.
func claimedReps(cs []cadence.Claim) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Enrollment.Owner) {
			out = append(out, c.Enrollment.Owner)
		}
	}
	slices.Sort(out)
	return out
}

// repsByPart returns n rep ids, the i-th of them in the part of dbs[i % len(dbs)] when those
// share the reps.
func repsByPart(tb testing.TB, n int, dbs ...*DB) []string {
	tb.Helper()
	var out []string
	for i := 0; len(out) < n; i++ {
		rep := fmt.Sprintf("U%03d", i)
		if partOf(tb, rep, dbs...) == dbs[len(out)%len(dbs)] {
			out = append(out, rep)
		}
	}
	return out
}

// partOf returns the dispatcher among dbs whose part of the reps rep falls in (claim_pg.go): the
// one with the highest hashtext(rep || owner), the smaller owner id on a tie.
func partOf(tb testing.TB, rep string, dbs ...*DB) *DB {
	tb.Helper()
	var best *DB
	var bestHash int32
	for _, db := range dbs {
		var h int32
		if err := db.r.QueryRow(`SELECT hashtext(CAST(? AS TEXT) || CAST(? AS TEXT))`, rep, db.Owner()).Scan(&h); err != nil {
			tb.Fatal(err)
		}
		if best == nil || h > bestHash || (h == bestHash && db.Owner() < best.Owner()) {
			best, bestHash = db, h
		}
	}
	return best
}
