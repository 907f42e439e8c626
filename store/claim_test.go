package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// contactN is a distinct contact for fixtures.
func contactN(i int) cadence.Contact {
	return cadence.Contact{Name: fmt.Sprintf("Contact %d", i), Email: fmt.Sprintf("c%d@example.com", i)}
}

func claimIDs(cs []cadence.Claim) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.Enrollment.ID)
	}
	return ids
}

func TestClaimTakesDueOldestFirst(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	second := mustEnroll(t, db, contactN(1), "U1", t0.Add(-time.Hour))
	first := mustEnroll(t, db, contactN(2), "U1", t0.Add(-2*time.Hour))
	third := mustEnroll(t, db, contactN(3), "U2", t0)
	mustEnroll(t, db, contactN(4), "U1", t0.Add(time.Hour)) // not due yet

	claims, err := db.Claim(ctx, t0, 2, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(claims); len(ids) != 2 || ids[0] != first.Enrollment.ID || ids[1] != second.Enrollment.ID {
		t.Fatalf("first Claim = %v, want [%s %s]", ids, first.Enrollment.ID, second.Enrollment.ID)
	}
	c := claims[0]
	if c.Attempts != 1 || c.Touch.Attempts != 1 || !c.Touch.LeaseUntil.Equal(t0.Add(10*time.Minute)) ||
		c.Open == nil || c.Open.ID != c.Touch.ID || c.Contact.Name != "Contact 2" {
		t.Errorf("claim = %+v", c)
	}
	claims, _ = db.Claim(ctx, t0, 10, 10*time.Minute)
	if ids := claimIDs(claims); len(ids) != 1 || ids[0] != third.Enrollment.ID {
		t.Fatalf("second Claim = %v, want only %s (the others are leased)", ids, third.Enrollment.ID)
	}
	if claims, _ = db.Claim(ctx, t0.Add(9*time.Minute), 10, 10*time.Minute); len(claims) != 0 {
		t.Fatalf("Claim while leased = %v", claimIDs(claims))
	}
	// The leases end: the three are taken again, oldest first, on their second attempt.
	claims, _ = db.Claim(ctx, t0.Add(10*time.Minute), 10, 10*time.Minute)
	if ids := claimIDs(claims); len(ids) != 3 || ids[0] != first.Enrollment.ID || claims[0].Attempts != 2 || claims[2].Attempts != 2 {
		t.Fatalf("Claim after the leases = %v", ids)
	}
	if claims, _ := db.Claim(ctx, t0, 0, time.Minute); len(claims) != 0 {
		t.Errorf("Claim with limit 0 took %d", len(claims))
	}
}

// TestClaimReadsWhatAViewReads checks a claim's view field by field against the follow-up read
// again after the claim: on PostgreSQL the claim's one statement reads the follow-up and contact
// in its walk and the touchpoint from the lease's RETURNING, under names of its own.
func TestClaimReadsWhatAViewReads(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	ch := enrollChange("U1", t0.Add(-time.Hour))
	ch.Enrollment.DecisionDate = t0.Add(72 * time.Hour)
	c := cadence.Contact{Name: "Dana Ruiz", Email: "dana@example.com", Phone: "+15551234567",
		LinkedIn: "https://www.linkedin.com/in/dana", Company: "Acme", Role: "VP Ops", SMSConsent: true,
		TimeZone: "Europe/Berlin"}
	enrolled, err := db.Enroll(ctx, c, ch, t0)
	if err != nil {
		t.Fatal(err)
	}
	mustEnroll(t, db, contactN(2), "U2", t0.Add(-2*time.Hour))
	claims, err := db.Claim(ctx, t0, 10, 10*time.Minute)
	if err != nil || len(claims) != 2 {
		t.Fatalf("Claim = %d claims, %v; want 2", len(claims), err)
	}
	for _, cl := range claims {
		v, err := db.Enrollment(ctx, cl.Enrollment.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cl.Enrollment, v.Enrollment) {
			t.Errorf("claimed follow-up\n%+v\nread again\n%+v", cl.Enrollment, v.Enrollment)
		}
		if !reflect.DeepEqual(cl.Contact, v.Contact) {
			t.Errorf("claimed contact\n%+v\nread again\n%+v", cl.Contact, v.Contact)
		}
		if cl.Open == nil || v.Open == nil || !reflect.DeepEqual(*cl.Open, *v.Open) || !reflect.DeepEqual(cl.Touch, *v.Open) {
			t.Errorf("claimed touchpoint\n%+v\nread again\n%+v", cl.Touch, v.Open)
		}
		if cl.Touch.Attempts != 1 || !cl.Touch.LeaseUntil.Equal(t0.Add(10*time.Minute)) {
			t.Errorf("claimed touchpoint attempts %d, lease until %s; want 1 and the new lease", cl.Touch.Attempts, cl.Touch.LeaseUntil)
		}
	}
	if got := claims[1].Enrollment.ID; got != enrolled.Enrollment.ID || claims[1].Contact.Company != "Acme" ||
		!claims[1].Enrollment.DecisionDate.Equal(t0.Add(72*time.Hour)) {
		t.Errorf("second claim = %s %+v, want %s of Acme with its decision date", got, claims[1].Contact, enrolled.Enrollment.ID)
	}
}

func TestClaimSkipsPausedOptedOutAndClosed(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	paused := mustEnroll(t, db, contactN(1), "U1", t0)
	optedOut := mustEnroll(t, db, contactN(2), "U1", t0)
	reminded := mustEnroll(t, db, contactN(3), "U1", t0)
	ok := mustEnroll(t, db, contactN(4), "U1", t0)
	if _, err := db.Update(ctx, paused.Enrollment.ID, func(v cadence.EnrollmentView) (cadence.Change, error) {
		e := v.Enrollment
		e.Status, e.PausedAt = cadence.StatusPaused, t0
		return cadence.Change{Enrollment: e, Event: cadence.Event{Kind: "paused", Step: -1}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Marked do-not-contact directly, as if by an older path, to check Claim's own guard.
	if _, err := db.w.Exec(`UPDATE contacts SET dnc = 1 WHERE id = ?`, optedOut.Contact.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkReminded(ctx, reminded.Open.ID, 0, "D1", "1.1", t0); err != nil {
		t.Fatal(err)
	}
	claims, err := db.Claim(ctx, t0.Add(time.Hour), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(claims); len(ids) != 1 || ids[0] != ok.Enrollment.ID {
		t.Fatalf("Claim = %v, want only %s", ids, ok.Enrollment.ID)
	}
}

func TestClaimUsesPendingDueIndex(t *testing.T) {
	sqliteOnly(t)
	db := mustOpen(t)
	rows, err := db.r.Query(`EXPLAIN QUERY PLAN `+claimable, t0.UnixMilli(), t0.UnixMilli(), "me", t0.UnixMilli(), 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "touchpoints_pending_due") || strings.Contains(text, "TEMP B-TREE") {
		t.Errorf("Claim's plan does not walk touchpoints_pending_due in order:\n%s", text)
	}
}

// TestClaimConcurrent has two processes' worth of claimers (two DB handles on one file) take
// due touchpoints at once, round after round; no touchpoint may be taken twice.
func TestClaimConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "followup.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	const rounds, perRound = 10, 60
	n := 0
	for round := range rounds {
		now := t0.Add(time.Duration(round) * time.Hour)
		var want []int64
		for i := range perRound {
			// A rep of its own for each: on PostgreSQL the two share the reps, each claiming
			// its part (claim_pg.go), and a rep one of them holds is left to it.
			v := mustEnroll(t, a, contactN(n), fmt.Sprintf("U%d-%d", round, i), now)
			want = append(want, v.Open.ID)
			n++
		}
		var mu sync.Mutex
		taken := map[int64]string{}
		var wg sync.WaitGroup
		for name, db := range map[string]*DB{"a": a, "b": b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					// A lease of a day: nothing of this round is taken twice even when slow.
					claims, err := db.Claim(ctx, now, 7, 24*time.Hour)
					if err != nil {
						t.Errorf("%s: Claim: %v", name, err)
						return
					}
					if len(claims) == 0 {
						return
					}
					mu.Lock()
					for _, c := range claims {
						if other, dup := taken[c.Touch.ID]; dup {
							t.Errorf("round %d: touchpoint %d taken by %s and %s", round, c.Touch.ID, other, name)
						}
						taken[c.Touch.ID] = name
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(taken) != len(want) {
			t.Fatalf("round %d: %d touchpoints taken, want %d", round, len(taken), len(want))
		}
		// Hand them back as reminded so the next round only sees its own.
		for id := range taken {
			if err := b.MarkReminded(ctx, id, 0, "D", "1", now); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestMarkRemindedRefusedAfterStop(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, dana(), "U1", t0)
	claims, err := db.Claim(ctx, t0, 1, time.Minute)
	if err != nil || len(claims) != 1 {
		t.Fatalf("Claim = %v, %v", claims, err)
	}
	// The rep stops the follow-up while the reminder is being drafted.
	if _, err := db.Update(ctx, v.Enrollment.ID, func(v cadence.EnrollmentView) (cadence.Change, error) {
		e := v.Enrollment
		e.Status, e.StopReason, e.EndedAt = cadence.StatusStopped, cadence.StopManual, t0
		return cadence.Change{Enrollment: e, Close: cadence.TouchCancelled, Event: cadence.Event{Kind: "stopped", Actor: "U1"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	err = db.MarkReminded(ctx, claims[0].Touch.ID, 0, "D1", "1.1", t0)
	ce := wantCode(t, err, cadence.ECONFLICT)
	if want := fmt.Sprintf("Follow-up %s with Dana Lee was stopped before this reminder went out.", v.Enrollment.ID); ce.Message != want {
		t.Errorf("message = %q, want %q", ce.Message, want)
	}
	wantCode(t, db.SaveDraft(ctx, claims[0].Touch.ID, 0, "Hi", "offline", "", 0, 0), cadence.ECONFLICT)
	wantCode(t, db.Reschedule(ctx, claims[0].Touch.ID, 0, t0.Add(time.Hour)), cadence.ECONFLICT)
	if err := db.Release(ctx, claims[0].Touch.ID, 0, t0); err != nil {
		t.Errorf("Release of a cancelled touch: %v", err)
	}
	wantCode(t, db.MarkReminded(ctx, 999, 0, "D1", "1.1", t0), cadence.ENOTFOUND)
	wantCode(t, db.Release(ctx, 999, 0, t0), cadence.ENOTFOUND)
}

func TestDraftReleaseRescheduleRemind(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	v := mustEnroll(t, db, dana(), "U1", t0)
	id := v.Open.ID
	if claims, _ := db.Claim(ctx, t0, 1, time.Minute); len(claims) != 1 {
		t.Fatal("nothing claimed")
	}
	if err := db.SaveDraft(ctx, id, 0, "Hi Dana, ...", "llm", "gpt-x", 120, 80); err != nil {
		t.Fatal(err)
	}
	// Slack failed: retry in five minutes, not before.
	if err := db.Release(ctx, id, 0, t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if claims, _ := db.Claim(ctx, t0.Add(4*time.Minute), 1, time.Minute); len(claims) != 0 {
		t.Fatal("claimed before retryAt")
	}
	claims, _ := db.Claim(ctx, t0.Add(5*time.Minute), 1, time.Minute)
	if len(claims) != 1 || claims[0].Attempts != 2 || claims[0].Touch.Draft != "Hi Dana, ..." || claims[0].Touch.DraftModel != "gpt-x" {
		t.Fatalf("claim after retryAt = %+v", claims)
	}
	// Outside working hours: move it to tomorrow morning.
	tomorrow := t0.Add(19 * time.Hour)
	if err := db.Reschedule(ctx, id, 0, tomorrow); err != nil {
		t.Fatal(err)
	}
	if claims, _ := db.Claim(ctx, tomorrow.Add(-time.Minute), 1, time.Minute); len(claims) != 0 {
		t.Fatal("claimed before the new due time")
	}
	if claims, _ := db.Claim(ctx, tomorrow, 1, time.Minute); len(claims) != 1 {
		t.Fatal("not claimed at the new due time")
	}
	if err := db.MarkReminded(ctx, id, 0, "D1", "42.1", tomorrow); err != nil {
		t.Fatal(err)
	}
	tv, err := db.Touchpoint(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Touch.State != cadence.TouchReminded || tv.Touch.DMChannel != "D1" || tv.Touch.DMTS != "42.1" || !tv.Touch.LeaseUntil.IsZero() ||
		!tv.Touch.Due.Equal(tomorrow) || tv.Enrollment.ID != v.Enrollment.ID || tv.Contact.Email != "dana@example.com" {
		t.Errorf("touch view = %+v", tv)
	}
	var prompt, completion int
	if err := db.r.QueryRow(`SELECT draft_prompt_tokens, draft_completion_tokens FROM touchpoints WHERE id = ?`, id).Scan(&prompt, &completion); err != nil ||
		prompt != 120 || completion != 80 {
		t.Errorf("tokens = %d, %d, %v", prompt, completion, err)
	}
	wantCode(t, db.MarkReminded(ctx, id, 0, "D1", "42.2", tomorrow), cadence.ECONFLICT)
	if err := db.SaveDraft(ctx, id, 0, "Redrafted", "offline", "", 0, 0); err != nil {
		t.Errorf("SaveDraft of a reminded touch: %v", err)
	}
}

// BenchmarkClaim claims 100 due touchpoints among 10,000 and 1,000,000 stored. The fixture has
// exactly 100 due; every iteration's clock is one lease later, so the same 100 are due again and
// each iteration does the same work whatever b.N is.
func BenchmarkClaim(b *testing.B) {
	const due, lease = 100, time.Minute
	ctx := context.Background()
	for _, stored := range []int{10_000, 1_000_000} {
		if stored > 100_000 && testing.Short() {
			b.Run(fmt.Sprintf("stored=%d", stored), func(b *testing.B) { b.Skip("the 1M fixture is skipped with -short") })
			continue
		}
		// Built once per size: the sub-benchmark runs several times with growing b.N.
		db := mustOpen(b)
		fillTouchpoints(b, db, stored, due)
		b.Run(fmt.Sprintf("stored=%d", stored), func(b *testing.B) {
			if _, err := db.w.Exec(`UPDATE touchpoints SET lease_until = NULL, attempts = 0 WHERE state = 'pending' AND due <= ?`,
				t0.UnixMilli()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				claims, err := db.Claim(ctx, t0.Add(time.Duration(i)*lease), due, lease)
				if err != nil {
					b.Fatal(err)
				}
				if len(claims) != due {
					b.Fatalf("iteration %d claimed %d, want %d", i, len(claims), due)
				}
			}
		})
	}
}

// fillTouchpoints stores n pending touchpoints (one per follow-up and contact), due of them due
// before t0 and the rest a year later, in one transaction with prepared statements.
func fillTouchpoints(tb testing.TB, db *DB, n, due int) {
	tb.Helper()
	tx, err := db.w.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	cs, err1 := tx.Prepare(`INSERT INTO contacts (id, name, email, created_at) VALUES (?, ?, ?, 0)`)
	es, err2 := tx.Prepare(`INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at, status, created_at, updated_at)
		VALUES (?, ?, 'U1', 'demo', 'demo', 0, 'active', 0, 0)`)
	ts, err3 := tx.Prepare(`INSERT INTO touchpoints (enrollment_id, step, due, state) VALUES (?, 0, ?, 'pending')`)
	if err := errorsJoin(err1, err2, err3); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("b%07d", i)
		at := t0.Add(365*24*time.Hour + time.Duration(i)*time.Second)
		if i < due {
			at = t0.Add(-time.Duration(due-i) * time.Second)
		}
		if _, err := cs.Exec(i+1, "Bench", fmt.Sprintf("b%d@example.com", i)); err != nil {
			tb.Fatal(err)
		}
		if _, err := es.Exec(id, i+1); err != nil {
			tb.Fatal(err)
		}
		if _, err := ts.Exec(id, at.UnixMilli()); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestContactLookupsUseTheirIndex: finding a contact by email, phone or LinkedIn URL during
// Enroll is an index search, not a scan of every contact.
func TestContactLookupsUseTheirIndex(t *testing.T) {
	sqliteOnly(t)
	db := mustOpen(t)
	for _, col := range []string{"email", "phone", "linkedin"} {
		rows, err := db.w.QueryContext(context.Background(), `EXPLAIN QUERY PLAN SELECT `+contactCols+` FROM contacts c WHERE `+byKey(col), "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		rows.Close()
		if !strings.Contains(plan.String(), "USING INDEX contacts_"+col) {
			t.Errorf("lookup by %s does not use its index:\n%s", col, plan.String())
		}
	}
}

// TestClaimOwnersSkipsThroughTheIndex: the takeover's list of claim owners has each owner of a
// claim in hand once, whatever the number of claims each holds, and finds them by probing the
// touchpoints_claimed index from one owner to the next rather than reading every claim.
func TestClaimOwnersSkipsThroughTheIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared")
	a, b, c := mustOpenPath(t, path), mustOpenPath(t, path), mustOpenPath(t, path)
	for i := range 60 { // a rep each: every handle finds due touches in its part of the reps
		mustEnroll(t, a, contactN(i), fmt.Sprintf("U%d", i), t0)
	}
	q := `WITH RECURSIVE ` + claimOwnersCTE + ` SELECT id FROM claim_owners WHERE id IS NOT NULL`
	list := func() []string { return describe(t, a, q) } // sorted
	if got := list(); len(got) != 0 {
		t.Fatalf("owners with no claim: %v", got)
	}
	now := t0.Add(time.Hour)
	for _, db := range []*DB{a, b, c} {
		if cs, err := db.Claim(ctx, now, 2, time.Hour); err != nil || len(cs) == 0 {
			t.Fatalf("claim: %d, %v", len(cs), err)
		}
	}
	want := []string{a.Owner(), b.Owner(), c.Owner()}
	slices.Sort(want)
	if got := list(); !slices.Equal(got, want) {
		t.Errorf("claim owners = %v, want each of %v once", got, want)
	}
	// Each step after the first searches the index for the next owner (a range, not a scan).
	// PostgreSQL's EXPLAIN does not show the plan of the step's subquery; it shows that the first
	// owner comes from the index and that each step is that subquery, once per owner.
	steps := []string{"SEARCH t USING COVERING INDEX touchpoints_claimed (claim_owner>?)"}
	plan := ""
	if testBackend == "postgres" {
		plan = pgPlan(t, a, `(VERBOSE) `+q) // VERBOSE: the step's Output names its subquery
		steps = []string{"Index Only Scan using touchpoints_claimed", "WorkTable Scan on claim_owners", "Output: (SubPlan 2)"}
	} else {
		plan = queryPlan(t, a, q)
	}
	for _, step := range steps {
		if !strings.Contains(plan, step) {
			t.Errorf("the claim owners are not found by skipping through touchpoints_claimed (%q): %s", step, plan)
		}
	}
}
