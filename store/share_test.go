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
// due work. A dispatcher alone (or beside one that wants nothing) claims everything; beside
// another that holds reps, each takes new reps only up to its share; and one that holds more than
// its share when another wants some claims nothing more for the reps beyond it and lets go of
// those it has handled, a second later, so that the other takes them.
func TestClaimSharesRepsAmongDispatchers(t *testing.T) {
	postgresOnly(t) // replicas share reps on PostgreSQL; on SQLite one process dispatches
	ctx := context.Background()
	const reps, perRep = 20, 3
	now := t0.Add(time.Second)
	// Touch k of rep r is due at t0 + (k*reps + r) ms: every rep's first touch comes before any
	// rep's second.
	setup := func(t *testing.T) (a, b *DB) {
		path := filepath.Join(t.TempDir(), "followup.db")
		a, b = mustOpenPath(t, path), mustOpenPath(t, path)
		for k := range perRep {
			for r := range reps {
				mustEnroll(t, a, contactN(k*reps+r+1), repN(r), t0.Add(time.Duration(k*reps+r)*time.Millisecond))
			}
		}
		return a, b
	}
	claim := func(t *testing.T, db *DB, now time.Time, limit int) []cadence.Claim {
		t.Helper()
		cs, err := db.Claim(ctx, now, limit, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	repsOf := func(cs []cadence.Claim) []string {
		var out []string
		for _, c := range cs {
			if !slices.Contains(out, c.Enrollment.Owner) {
				out = append(out, c.Enrollment.Owner)
			}
		}
		slices.Sort(out)
		return out
	}
	want := func(t *testing.T, what string, cs []cadence.Claim, n int, reps ...string) {
		t.Helper()
		if got := repsOf(cs); len(cs) != n || !slices.Equal(got, reps) {
			t.Fatalf("%s claimed %d touchpoints of reps %v, want %d of %v", what, len(cs), got, n, reps)
		}
	}

	t.Run("alone it claims everything", func(t *testing.T) {
		a, b := setup(t)
		// b started long ago and is alive, but has wanted nothing since.
		for _, at := range []time.Time{now.Add(-staleAfter - time.Second), now} {
			if err := b.Beat(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
		want(t, "a", claim(t, a, now, 1000), reps*perRep, repRange(0, reps)...)
	})

	t.Run("a dispatcher just started gets its share at once", func(t *testing.T) {
		a, b := setup(t)
		if err := b.Beat(ctx, now); err != nil { // b's process starts: its first beat
			t.Fatal(err)
		}
		// Replicas started together share the reps from the first claim on, with no handing over.
		want(t, "a beside a new b", claim(t, a, now, 1000), reps/2*perRep, repRange(0, reps/2)...)
		want(t, "b", claim(t, b, now, 1000), reps/2*perRep, repRange(reps/2, reps)...)
	})

	t.Run("beside another each takes its share", func(t *testing.T) {
		a, b := setup(t)
		want(t, "a first", claim(t, a, now, 4), 4, repRange(0, 4)...)
		want(t, "b beside a", claim(t, b, now, 4), 4, repRange(4, 8)...)
		// Half of the 20 reps each: a keeps its 4 and takes 6 more, b the other 6.
		want(t, "a again", claim(t, a, now, 1000), 4*2+6*3, append(repRange(0, 4), repRange(8, 14)...)...)
		want(t, "b again", claim(t, b, now, 1000), 4*2+6*3, append(repRange(4, 8), repRange(14, 20)...)...)
	})

	t.Run("over its share it lets go of the reps it handled", func(t *testing.T) {
		a, b := setup(t)
		first := claim(t, a, now, reps)
		want(t, "a alone", first, reps, repRange(0, reps)...)
		want(t, "b while a holds every rep", claim(t, b, now, 1000), 0)
		// a reminds the reps of the second half; b wants reps now, so a keeps only its share.
		for _, c := range first[reps/2:] {
			if err := a.MarkReminded(ctx, c.Touch.ID, c.Attempts, "D", "1.1", now); err != nil {
				t.Fatal(err)
			}
		}
		want(t, "a beside b", claim(t, a, now, 1000), reps/2*(perRep-1), repRange(0, reps/2)...)
		want(t, "b within a second of a's last DM", claim(t, b, now.Add(500*time.Millisecond), 1000), 0)
		// A second from a's claim, plus the time a's claim took (well under half a second).
		want(t, "b a second after", claim(t, b, now.Add(1500*time.Millisecond), 1000), reps/2*(perRep-1), repRange(reps/2, reps)...)
	})
}

// repN is the Slack id of the test rep r.
func repN(r int) string { return fmt.Sprintf("U%02d", r) }

// repRange is the ids of reps from to to-1.
func repRange(from, to int) []string {
	var out []string
	for r := from; r < to; r++ {
		out = append(out, repN(r))
	}
	return out
}
