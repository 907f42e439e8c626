package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// TestMarkRemindedConcurrently records many DMs at once, as the dispatcher does (batched into
// shared transactions on SQLite): each call gets its own outcome (stale tokens, a stopped
// follow-up, an opted-out contact and a touch recorded twice fail alone), and exactly the calls
// that succeeded are recorded, each with one event.
func TestMarkRemindedConcurrently(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	const n = 150
	for i := range n {
		mustEnroll(t, db, contactN(i), fmt.Sprintf("U%d", i%7), t0)
	}
	cs, err := db.Claim(ctx, t0.Add(time.Hour), n, time.Hour)
	if err != nil || len(cs) != n {
		t.Fatalf("claim: %d, %v", len(cs), err)
	}
	want := map[int64]string{} // touchpoint → the error it must get ("" none)
	for i, c := range cs {
		switch i % 10 {
		case 1:
			want[c.Touch.ID] = "lease" // a stale token
		case 2:
			finish(t, db, c.Enrollment.ID)
			want[c.Touch.ID] = "conflict"
		case 3:
			if _, err := db.OptOut(ctx, c.Contact.ID, "asked", "U1", t0); err != nil {
				t.Fatal(err)
			}
			want[c.Touch.ID] = "optout"
		default:
			want[c.Touch.ID] = ""
		}
	}
	var wg sync.WaitGroup
	got := make([]error, len(cs))
	twice := make([]error, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := c.Attempts
			if want[c.Touch.ID] == "lease" {
				token++
			}
			got[i] = db.MarkReminded(ctx, c.Touch.ID, token, "D1", fmt.Sprintf("1.%d", i), t0.Add(time.Hour),
				cadence.Draft{Text: fmt.Sprintf("draft %d", i), Source: "offline"})
			if i%10 == 5 { // recorded again at once: the second call must fail alone
				twice[i] = db.MarkReminded(ctx, c.Touch.ID, c.Attempts, "D1", "2.0", t0.Add(time.Hour))
			}
		}()
	}
	wg.Wait()
	for i, c := range cs {
		err := got[i]
		switch want[c.Touch.ID] {
		case "":
			if err != nil {
				t.Errorf("touch %d: %v, want recorded", c.Touch.ID, err)
			}
		case "lease":
			if !errors.Is(err, cadence.ErrLeaseLost) {
				t.Errorf("touch %d: %v, want ErrLeaseLost", c.Touch.ID, err)
			}
		case "conflict":
			if cadence.ErrorCode(err) != cadence.ECONFLICT {
				t.Errorf("touch %d: %v, want ECONFLICT", c.Touch.ID, err)
			}
		case "optout": // the opt-out stopped the follow-up too
			if code := cadence.ErrorCode(err); code != cadence.EOPTEDOUT && code != cadence.ECONFLICT {
				t.Errorf("touch %d: %v, want EOPTEDOUT or ECONFLICT", c.Touch.ID, err)
			}
		}
		if i%10 == 5 && cadence.ErrorCode(twice[i]) != cadence.ECONFLICT {
			t.Errorf("touch %d recorded twice: %v, want ECONFLICT", c.Touch.ID, twice[i])
		}
		tv, err := db.Touchpoint(ctx, c.Touch.ID)
		if err != nil {
			t.Fatal(err)
		}
		recorded := tv.Touch.State == cadence.TouchReminded
		if recorded != (want[c.Touch.ID] == "") {
			t.Errorf("touch %d: state %s, want recorded %v", c.Touch.ID, tv.Touch.State, want[c.Touch.ID] == "")
		}
		if recorded && (tv.Touch.DMTS != fmt.Sprintf("1.%d", i) || tv.Touch.Draft != fmt.Sprintf("draft %d", i)) {
			t.Errorf("touch %d recorded as %q with draft %q", c.Touch.ID, tv.Touch.DMTS, tv.Touch.Draft)
		}
		evs := count(t, db, fmt.Sprintf(`SELECT COUNT(*) FROM events WHERE enrollment_id = '%s' AND kind = '%s'`,
			c.Enrollment.ID, cadence.EventReminded))
		if wantEv := map[bool]int{true: 1, false: 0}[recorded]; evs != wantEv {
			t.Errorf("touch %d: %d reminded events, want %d", c.Touch.ID, evs, wantEv)
		}
	}
}

// TestMarkBatchIsolatesAFailure: when one write of a batch fails in the database, the batch is
// rolled back and each call is tried alone, so only that call fails.
func TestMarkBatchIsolatesAFailure(t *testing.T) {
	ctx := context.Background()
	db, cs := batchSetup(t, 3)
	// A trigger on the writer's one connection makes the update with ts "boom" fail.
	if _, err := db.w.ExecContext(ctx, `CREATE TEMP TRIGGER boom BEFORE UPDATE OF dm_ts ON touchpoints
		WHEN NEW.dm_ts = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	var batch []*markReq
	for i, c := range cs {
		ts := fmt.Sprintf("1.%d", i)
		if i == 1 {
			ts = "boom"
		}
		batch = append(batch, &markReq{touchID: c.Touch.ID, token: c.Attempts, channel: "D1", ts: ts, now: t0, done: make(chan error, 1)})
	}
	db.markBatch(ctx, batch)
	for i, m := range batch {
		err := <-m.done
		if (err != nil) != (i == 1) {
			t.Errorf("call %d: %v", i, err)
		}
		tv, _ := db.Touchpoint(ctx, m.touchID)
		if (tv.Touch.State == cadence.TouchReminded) != (i != 1) {
			t.Errorf("call %d: state %s", i, tv.Touch.State)
		}
	}
}

// TestMarkBatchPanicLeavesStoreUsable: a panic inside a batch answers every call of it with an
// error, rolls its transaction back, and leaves the store writable and the queue working.
func TestMarkBatchPanicLeavesStoreUsable(t *testing.T) {
	ctx := context.Background()
	db, cs := batchSetup(t, 4)
	bad := cs[1].Touch.ID
	markTestHook = func(id int64) {
		if id == bad {
			panic("boom")
		}
	}
	defer func() { markTestHook = nil }()
	var batch []*markReq
	for _, c := range cs[:3] {
		batch = append(batch, &markReq{touchID: c.Touch.ID, token: c.Attempts, channel: "D1", ts: "1.1", now: t0, done: make(chan error, 1)})
	}
	db.marks.mu.Lock()
	db.marks.waiting, db.marks.running = batch, true
	db.marks.mu.Unlock()
	db.marks.run(ctx, db, nil)
	for i, m := range batch {
		if err := <-m.done; err == nil {
			t.Errorf("call %d of the panicking batch: no error", i)
		}
	}
	markTestHook = nil
	// Nothing of the batch was written, and the writer is free: these must not hang.
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if n := count(t, db, `SELECT COUNT(*) FROM touchpoints WHERE state = 'reminded'`); n != 0 {
		t.Errorf("%d touchpoints recorded by a rolled-back batch", n)
	}
	if err := db.Release(wctx, cs[0].Touch.ID, cs[0].Attempts, t0); err != nil {
		t.Fatalf("Release after the panic: %v", err) // the writer is held: MarkReminded would wait forever
	}
	if err := db.MarkReminded(wctx, cs[3].Touch.ID, cs[3].Attempts, "D1", "1.4", t0); err != nil {
		t.Errorf("MarkReminded after the panic: %v", err)
	}
}

// batchSetup opens an SQLite store (group commit is SQLite's; the test is skipped on PostgreSQL)
// with n follow-ups of one rep and claims their touchpoints.
func batchSetup(t *testing.T, n int) (*DB, []cadence.Claim) {
	t.Helper()
	if testBackend != "sqlite" {
		t.Skip("group commit is SQLite's")
	}
	db := mustOpen(t)
	for i := range n {
		mustEnroll(t, db, contactN(i), "U1", t0)
	}
	cs, err := db.Claim(context.Background(), t0.Add(time.Hour), n, time.Hour)
	if err != nil || len(cs) != n {
		t.Fatalf("claim: %v, %v", cs, err)
	}
	return db, cs
}
