package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// TestFencedWritesAfterTakeover: a dispatcher whose lease ended and whose touch was claimed by
// another can no longer save a draft, record a DM, release or reschedule it.
func TestFencedWritesAfterTakeover(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "followup.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	mustEnroll(t, a, contactN(1), "U1", t0)
	// Times stay within staleAfter of each other: each holder counts as alive, and only the lease decides.
	old, err := a.Claim(ctx, t0, 1, 10*time.Second)
	if err != nil || len(old) != 1 {
		t.Fatalf("claim: %v, %v", old, err)
	}
	id := old[0].Touch.ID
	cur, err := b.Claim(ctx, t0.Add(10*time.Second), 1, time.Hour)
	if err != nil || len(cur) != 1 || cur[0].Attempts != 2 {
		t.Fatalf("second claim: %v, %v", cur, err)
	}
	lost := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, cadence.ErrLeaseLost) || cadence.ErrorCode(err) != cadence.ECONFLICT {
			t.Errorf("%s with the old token: %v, want ErrLeaseLost (ECONFLICT)", what, err)
		}
	}
	lost("SaveDraft", a.SaveDraft(ctx, id, old[0].Attempts, "Hi", "offline", "", 0, 0))
	lost("MarkReminded", a.MarkReminded(ctx, id, old[0].Attempts, "D1", "1.1", t0))
	lost("Reschedule", a.Reschedule(ctx, id, old[0].Attempts, t0.Add(time.Hour)))
	if _, _, err := a.Recheck(ctx, id, old[0].Attempts, t0, time.Minute); !errors.Is(err, cadence.ErrLeaseLost) {
		t.Errorf("Recheck with the old token: %v, want ErrLeaseLost", err)
	}
	if _, err := a.RecheckState(ctx, id, old[0].Attempts, t0, time.Minute); !errors.Is(err, cadence.ErrLeaseLost) {
		t.Errorf("RecheckState with the old token: %v, want ErrLeaseLost", err)
	}
	if err := a.Release(ctx, id, old[0].Attempts, t0); err != nil {
		t.Errorf("Release with the old token: %v", err)
	}
	// The old holder's release changed nothing: the new lease holds.
	if cs, _ := a.Claim(ctx, t0.Add(20*time.Second), 1, time.Minute); len(cs) != 0 {
		t.Fatalf("claimed again after a stale release: %v", claimIDs(cs))
	}
	if err := b.MarkReminded(ctx, id, cur[0].Attempts, "D1", "1.2", t0.Add(time.Minute)); err != nil {
		t.Fatalf("MarkReminded by the holder: %v", err)
	}
}

// TestRecheckRenewsLease: a claim re-checked with less than half of its lease left is renewed,
// so a slow draft does not let another dispatcher take it.
func TestRecheckRenewsLease(t *testing.T) {
	for _, recheck := range []string{"Recheck", "RecheckState"} {
		t.Run(recheck, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "followup.db")
			a, b := mustOpenPath(t, path), mustOpenPath(t, path)
			mustEnroll(t, a, contactN(1), "U1", t0)
			const lease = 20 * time.Second
			cs, _ := a.Claim(ctx, t0, 1, lease)
			if len(cs) != 1 {
				t.Fatal("nothing claimed")
			}
			var st cadence.ClaimState
			var err error
			if recheck == "Recheck" {
				var tv cadence.TouchView
				tv, _, err = a.Recheck(ctx, cs[0].Touch.ID, cs[0].Attempts, t0.Add(12*time.Second), lease)
				st = tv.ClaimState()
			} else {
				st, err = a.RecheckState(ctx, cs[0].Touch.ID, cs[0].Attempts, t0.Add(12*time.Second), lease)
			}
			if err != nil || st.State != cadence.TouchPending {
				t.Fatalf("%s: %+v, %v", recheck, st, err)
			}
			if got, _ := b.Claim(ctx, t0.Add(21*time.Second), 1, time.Minute); len(got) != 0 {
				t.Fatal("a renewed claim was taken when its first lease would have ended")
			}
			if got, _ := b.Claim(ctx, t0.Add(32*time.Second), 1, time.Minute); len(got) != 1 {
				t.Fatal("the renewed lease did not end")
			}
		})
	}
}

// TestRecheckStateAgreesWithRecheck: the light re-read before a post sees what the full one sees,
// as the follow-up is paused, its contact opts out, or it is reassigned; and the full one reads
// in one go what Touchpoint and Details read, open or closed, with or without extras.
func TestRecheckStateAgreesWithRecheck(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, contactN(1), "U1", t0)
	cs, err := db.Claim(ctx, t0.Add(time.Hour), 1, time.Hour)
	if err != nil || len(cs) != 1 {
		t.Fatalf("claim: %v, %v", cs, err)
	}
	c := cs[0]
	check := func(when string, want func(cadence.ClaimState) bool) {
		t.Helper()
		now := t0.Add(time.Hour)
		tv, d, err := db.Recheck(ctx, c.Touch.ID, c.Attempts, now, time.Hour)
		if err != nil {
			t.Fatalf("%s: Recheck: %v", when, err)
		}
		// Its one statement reads what Touchpoint and Details read.
		wantTV, err := db.Touchpoint(ctx, c.Touch.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantD, err := db.Details(ctx, v.Enrollment.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tv, wantTV) || !reflect.DeepEqual(d, wantD) {
			t.Errorf("%s: Recheck read\n%+v\n%+v\nwant what Touchpoint and Details read:\n%+v\n%+v", when, tv, d, wantTV, wantD)
		}
		st, err := db.RecheckState(ctx, c.Touch.ID, c.Attempts, now, time.Hour)
		if err != nil {
			t.Fatalf("%s: RecheckState: %v", when, err)
		}
		if st != tv.ClaimState() || !want(st) {
			t.Errorf("%s: RecheckState = %+v, Recheck's = %+v", when, st, tv.ClaimState())
		}
	}
	check("claimed", func(s cadence.ClaimState) bool {
		return s.StillDue(t0.Add(time.Hour)) && s.Owner == "U1" && s.Attempts == c.Attempts && s.Due.Equal(c.Touch.Due)
	})
	if err := db.AddSignal(ctx, cadence.Signal{EnrollmentID: v.Enrollment.ID, Text: "asked for pricing", At: t0, By: "U1"}); err != nil {
		t.Fatal(err)
	}
	check("with a signal", func(s cadence.ClaimState) bool { return s.StillDue(t0.Add(time.Hour)) })
	mustUpdate(t, db, v.Enrollment.ID, func(e *cadence.Enrollment) { e.Owner = "U2" })
	check("reassigned", func(s cadence.ClaimState) bool { return s.Owner == "U2" })
	mustUpdate(t, db, v.Enrollment.ID, func(e *cadence.Enrollment) { e.Status = cadence.StatusPaused })
	check("paused", func(s cadence.ClaimState) bool {
		return s.Status == cadence.StatusPaused && !s.StillDue(t0.Add(time.Hour))
	})
	if _, err := db.OptOut(ctx, v.Contact.ID, "asked", "U1", t0); err != nil {
		t.Fatal(err)
	}
	check("opted out", func(s cadence.ClaimState) bool { return s.DoNotContact && !s.StillDue(t0.Add(time.Hour)) })
	if _, err := db.RecheckState(ctx, 1<<40, 0, t0, time.Hour); cadence.ErrorCode(err) != cadence.ENOTFOUND {
		t.Errorf("RecheckState of no touchpoint: %v, want ENOTFOUND", err)
	}
	if _, _, err := db.Recheck(ctx, 1<<40, 0, t0, time.Hour); cadence.ErrorCode(err) != cadence.ENOTFOUND {
		t.Errorf("Recheck of no touchpoint: %v, want ENOTFOUND", err)
	}
}

// TestClaimTakesOverGoneOwner: the claims of a dispatcher whose process no longer runs are taken
// over at once, whatever their lease; those of a live one only when it stopped beating.
func TestClaimTakesOverGoneOwner(t *testing.T) {
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("no process to reap: %v", err)
	}
	for _, tc := range []struct {
		name  string
		pid   int
		after time.Duration
		taken bool
	}{
		{"process gone", dead.Process.Pid, 0, true},
		{"process alive, beating", os.Getppid(), staleAfter / 2, false},
		{"process alive, silent", os.Getppid(), staleAfter + time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "followup.db")
			a, b := mustOpenPath(t, path), mustOpenPath(t, path)
			mustEnroll(t, a, contactN(1), "U1", t0)
			cs, err := a.Claim(ctx, t0, 1, time.Hour)
			if err != nil || len(cs) != 1 {
				t.Fatalf("claim: %v", err)
			}
			// a's row as if it were another process on this host.
			if _, err := a.w.ExecContext(ctx, `UPDATE dispatchers SET pid = ? WHERE owner = ?`, tc.pid, a.Owner()); err != nil {
				t.Fatal(err)
			}
			got, err := b.Claim(ctx, t0.Add(tc.after), 1, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 { // the claim was freed; its rep is a's for takeoverGap more
				if got, err = b.Claim(ctx, t0.Add(tc.after+takeoverGap), 1, time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if taken := len(got) == 1; taken != tc.taken {
				t.Fatalf("taken over: %v, want %v", taken, tc.taken)
			}
			if tc.taken && got[0].Attempts != 2 {
				t.Errorf("attempts %d, want 2 (so the DM is looked up first)", got[0].Attempts)
			}
		})
	}
}

// TestUndoOptOutKeepsBothInTheLog: the undo lifts the mark and the event log keeps the opt-out
// and the undo with its reason.
func TestUndoOptOutKeepsBothInTheLog(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	if _, err := db.OptOutEmail(ctx, "dana@acme.com", "asked to stop", "U1", t0); err != nil {
		t.Fatal(err)
	}
	c, err := db.UndoOptOut(ctx, "Dana@Acme.com", "wrong Dana", "UADMIN", t0.Add(time.Hour))
	if err != nil || c.DoNotContact {
		t.Fatalf("undo: %+v, %v", c, err)
	}
	var kinds, details []string
	rows, err := db.r.QueryContext(ctx, `SELECT kind, detail FROM events WHERE contact_id = ? ORDER BY id`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, d string
		if err := rows.Scan(&k, &d); err != nil {
			t.Fatal(err)
		}
		kinds, details = append(kinds, k), append(details, d)
	}
	if len(kinds) != 2 || kinds[0] != string(cadence.OutcomeOptedOut) || kinds[1] != cadence.EventOptOutUndone ||
		details[1] != "wrong Dana (opted out "+t0.Format(time.DateOnly)+" by U1: asked to stop)" {
		t.Fatalf("events %v %q", kinds, details)
	}
	wantCode(t, func() error { _, err := db.UndoOptOut(ctx, "dana@acme.com", "again", "UADMIN", t0); return err }(), cadence.ECONFLICT)
}

// TestClaimLeavesHeldRepsToTheirHolder: while one dispatcher holds a rep (it claimed one of the
// rep's touchpoints), another claims none of that rep's touchpoints, so one process paces each
// rep's DMs; the holder's pass ending frees the rep a second later, and a holder that is gone
// loses it a second after the takeover (its last DM may have just gone out), even when it holds
// no claim any more.
func TestClaimLeavesHeldRepsToTheirHolder(t *testing.T) {
	postgresOnly(t) // replicas share reps on PostgreSQL; on SQLite one process dispatches
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("no process to reap: %v", err)
	}
	setup := func(t *testing.T) (a, b *DB, u1 []int64, u2 int64) {
		path := filepath.Join(t.TempDir(), "followup.db")
		a, b = mustOpenPath(t, path), mustOpenPath(t, path)
		reps := repsByPart(t, 2, a, b) // "U1" in a's part of the reps, "U2" in b's, when they share them
		for i := range 3 {
			u1 = append(u1, mustEnroll(t, a, contactN(i+1), reps[0], t0.Add(time.Duration(i)*time.Millisecond)).Open.ID)
		}
		u2 = mustEnroll(t, a, contactN(9), reps[1], t0.Add(time.Second)).Open.ID
		return a, b, u1, u2
	}
	claim := func(t *testing.T, db *DB, now time.Time, limit int) []int64 {
		t.Helper()
		cs, err := db.Claim(ctx, now, limit, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range cs {
			ids = append(ids, c.Touch.ID)
		}
		return ids
	}
	same := func(t *testing.T, what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s claimed %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s claimed %v, want %v", what, got, want)
			}
		}
	}

	t.Run("held until the pass ends, then a second more", func(t *testing.T) {
		a, b, u1, u2 := setup(t)
		same(t, "a", claim(t, a, t0.Add(2*time.Second), 1), u1[0])
		same(t, "b beside a", claim(t, b, t0.Add(2*time.Second), 10), u2)
		same(t, "a again", claim(t, a, t0.Add(2*time.Second), 1), u1[1])
		if err := a.MarkReminded(ctx, u1[0], 1, "D1", "1.1", t0.Add(3*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := a.Release(ctx, u1[1], 1, t0); err != nil {
			t.Fatal(err)
		}
		if err := a.EndDispatch(ctx, t0.Add(3*time.Second), time.Second); err != nil {
			t.Fatal(err)
		}
		same(t, "b within a second of a's pass end", claim(t, b, t0.Add(3500*time.Millisecond), 10))
		same(t, "b a second after a's pass end", claim(t, b, t0.Add(4*time.Second), 10), u1[1], u1[2])
		same(t, "a while b holds U1", claim(t, a, t0.Add(4*time.Second), 10))
	})

	t.Run("a holder that is gone loses its reps a second later", func(t *testing.T) {
		a, b, u1, u2 := setup(t)
		same(t, "a", claim(t, a, t0.Add(2*time.Second), 1), u1[0])
		if err := a.MarkReminded(ctx, u1[0], 1, "D1", "1.1", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		// a holds U1 and no claim; its process is gone.
		if _, err := a.w.ExecContext(ctx, `UPDATE dispatchers SET pid = ? WHERE owner = ?`, dead.Process.Pid, a.Owner()); err != nil {
			t.Fatal(err)
		}
		same(t, "b just after a died", claim(t, b, t0.Add(2*time.Second), 10), u2)
		same(t, "b a second after a died", claim(t, b, t0.Add(3*time.Second), 1), u1[1])
	})
}

// mustUpdate changes a follow-up's enrollment in place, with an event and nothing else.
func mustUpdate(tb testing.TB, db *DB, id string, edit func(*cadence.Enrollment)) {
	tb.Helper()
	_, err := db.Update(context.Background(), id, func(v cadence.EnrollmentView) (cadence.Change, error) {
		e := v.Enrollment
		edit(&e)
		return cadence.Change{Enrollment: e, Event: cadence.Event{Kind: "edited", Actor: "U1"}}, nil
	})
	if err != nil {
		tb.Fatalf("update %s: %v", id, err)
	}
}
