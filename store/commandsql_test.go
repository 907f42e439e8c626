package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// queryPlan returns the lines of EXPLAIN QUERY PLAN for query.
func queryPlan(tb testing.TB, db *DB, query string, args ...any) string {
	tb.Helper()
	rows, err := db.r.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		tb.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// TestCommandQueriesUseTheirIndexes: every query a rep's command runs searches an index for its
// rows (a rep's follow-ups, one follow-up's touches, a contact's running follow-up) instead of
// scanning a table, and none copies its rows into a temporary b-tree to sort them, so their cost
// grows with the answer, not with the company's follow-ups.
func TestCommandQueriesUseTheirIndexes(t *testing.T) {
	sqliteOnly(t)
	db := mustOpen(t)
	for i := range 30 { // some rows, so the planner has tables to choose between
		mustEnroll(t, db, cadence.Contact{Name: fmt.Sprintf("C%d", i), Email: fmt.Sprintf("c%d@example.com", i)},
			fmt.Sprintf("U%d", i%3), t0.Add(time.Duration(i)*time.Hour))
	}
	list, listArgs := listSQL("U1", []cadence.Status{cadence.StatusActive, cadence.StatusPaused})
	due, dueArgs := dueSQL("U1", t0.Add(48*time.Hour))
	for _, c := range []struct {
		name, query string
		args        []any
		want        []string // indexes the plan must name
	}{
		{"list", queueRunningSQL, []any{"U1"}, []string{"COVERING INDEX enrollments_owner_queue", "COVERING INDEX touchpoints_open_queue"}},
		{"due", queueDueSQL, []any{"U1", t0.UnixMilli()}, []string{"COVERING INDEX enrollments_owner_queue", "COVERING INDEX touchpoints_open_queue"}},
		{"list order", orderRunningSQL, []any{"U1"}, []string{"COVERING INDEX enrollments_owner_queue", "COVERING INDEX touchpoints_open_queue"}},
		{"due order", orderDueSQL, []any{"U1", t0.UnixMilli()}, []string{"COVERING INDEX enrollments_owner_queue", "COVERING INDEX touchpoints_open_queue"}},
		{"list contacts", contactsSQL + "?, ?)", []any{1, 2}, []string{"INTEGER PRIMARY KEY"}},
		{"ListEnrollments", list, listArgs, []string{"enrollments_owner_", "touchpoints_one_open"}},
		{"Due", due, dueArgs, []string{"enrollments_owner_", "touchpoints_"}},
		{"show: the follow-up", viewSelect + ` WHERE e.id = ?`, []any{"x"}, []string{"sqlite_autoindex_enrollments_1", "touchpoints_one_open"}},
		{"show: its touches", touchpointsSQL, []any{"x"}, []string{"touchpoints_enrollment"}},
		{"show: its signals", signalsSQL, []any{"x"}, []string{"signals_enrollment"}},
		{"events", eventsSQL, []any{"x"}, []string{"events_enrollment"}},
		{"add: already enrolled", runningOfContactSQL, []any{1}, []string{"enrollments_one_open", "touchpoints_one_open"}},
		{"exists", existsSQL, []any{"x"}, []string{"sqlite_autoindex_enrollments_1"}},
		{"rep", repSQL, []any{"U1"}, []string{"sqlite_autoindex_reps_1"}},
	} {
		plan := queryPlan(t, db, c.query, c.args...)
		for _, line := range strings.Split(plan, "\n") {
			if strings.HasPrefix(line, "SCAN ") || strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("%s: %q in the plan:\n%s", c.name, line, plan)
			}
		}
		for _, idx := range c.want {
			if !strings.Contains(plan, idx) {
				t.Errorf("%s: the plan does not use %s:\n%s", c.name, idx, plan)
			}
		}
	}
}

// TestListOrder: a rep's follow-ups come soonest due first, ties by creation then id, and those
// with no open touch last; Due lists only the due ones, in the same order. Queue and DueQueue
// give the same follow-ups in the same order, with the same values in the fields they fill.
func TestListOrder(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	late := mustEnroll(t, db, cadence.Contact{Name: "Late", Email: "late@example.com"}, "U1", t0.Add(3*time.Hour))
	tieA := mustEnroll(t, db, cadence.Contact{Name: "Tie A", Email: "a@example.com"}, "U1", t0.Add(time.Hour))
	tieB := mustEnroll(t, db, cadence.Contact{Name: "Tie B", Email: "b@example.com"}, "U1", t0.Add(time.Hour))
	early := mustEnroll(t, db, cadence.Contact{Name: "Early", Email: "early@example.com"}, "U1", t0)
	mustEnroll(t, db, cadence.Contact{Name: "Other rep", Email: "o@example.com"}, "U2", t0)
	// A follow-up with no open touch: paused with its touch cancelled.
	none := mustEnroll(t, db, cadence.Contact{Name: "None", Email: "none@example.com"}, "U1", t0)
	if _, err := db.w.Exec(`UPDATE touchpoints SET state = 'cancelled' WHERE enrollment_id = ?`, none.Enrollment.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec(`UPDATE enrollments SET status = 'paused' WHERE id = ?`, none.Enrollment.ID); err != nil {
		t.Fatal(err)
	}
	first, second := tieA.Enrollment.ID, tieB.Enrollment.ID // same due and created_at: by id
	if second < first {
		first, second = second, first
	}
	ids := func(vs []cadence.EnrollmentView) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Enrollment.ID)
		}
		return strings.Join(out, " ")
	}
	got, err := db.ListEnrollments(ctx, "U1", cadence.StatusActive, cadence.StatusPaused)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{early.Enrollment.ID, first, second, late.Enrollment.ID, none.Enrollment.ID}, " ")
	if ids(got) != want {
		t.Errorf("ListEnrollments order = %s, want %s", ids(got), want)
	}
	dueNow, err := db.Due(ctx, "U1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join([]string{early.Enrollment.ID, first, second}, " "); ids(dueNow) != want {
		t.Errorf("Due order = %s, want %s", ids(dueNow), want)
	}

	q, err := db.Queue(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	dq, err := db.DueQueue(ctx, "U1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// QueueOrder and DueQueueOrder: the same, with only the contact's ID until FillContacts.
	qo, err := db.QueueOrder(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	dqo, err := db.DueQueueOrder(ctx, "U1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		full, order []cadence.EnrollmentView
	}{{"QueueOrder", q, qo}, {"DueQueueOrder", dq, dqo}} {
		for i, f := range c.full {
			if i < len(c.order) && !reflect.DeepEqual(c.order[i].Contact, cadence.Contact{ID: f.Contact.ID}) {
				t.Errorf("%s[%d].Contact = %+v before FillContacts, want only ID %d", c.name, i, c.order[i].Contact, f.Contact.ID)
			}
		}
		if err := db.FillContacts(ctx, c.order); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.order, c.full) {
			t.Errorf("%s with FillContacts =\n%+v\nwant (as %s)\n%+v", c.name, c.order, strings.TrimSuffix(c.name, "Order"), c.full)
		}
	}

	for _, c := range []struct {
		name       string
		full, slim []cadence.EnrollmentView
	}{{"Queue", got, q}, {"DueQueue", dueNow, dq}} {
		if len(c.slim) != len(c.full) {
			t.Fatalf("%s gave %d follow-ups, want %d", c.name, len(c.slim), len(c.full))
		}
		for i, f := range c.full {
			want := cadence.EnrollmentView{
				Enrollment: cadence.Enrollment{ID: f.Enrollment.ID, ContactID: f.Enrollment.ContactID, Owner: f.Enrollment.Owner,
					CadenceID: f.Enrollment.CadenceID, Status: f.Enrollment.Status, Step: f.Enrollment.Step,
					PausedUntil: f.Enrollment.PausedUntil, CreatedAt: f.Enrollment.CreatedAt},
				Contact: cadence.Contact{ID: f.Contact.ID, Name: f.Contact.Name, Email: f.Contact.Email, Phone: f.Contact.Phone,
					LinkedIn: f.Contact.LinkedIn, Company: f.Contact.Company},
			}
			if f.Open != nil {
				want.Open = &cadence.Touchpoint{ID: f.Open.ID, EnrollmentID: f.Open.EnrollmentID, Step: f.Open.Step,
					Due: f.Open.Due, State: f.Open.State}
			}
			if !reflect.DeepEqual(c.slim[i], want) {
				t.Errorf("%s[%d] = %+v\nwant %+v", c.name, i, c.slim[i], want)
			}
		}
	}
}

// TestFillContactsInParts: FillContacts fills more contacts than one query reads (maxFill), and
// the same contact twice, and leaves a contact that is not there as it was.
func TestFillContactsInParts(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	var vs []cadence.EnrollmentView
	for i := range maxFill + 3 {
		v := mustEnroll(t, db, cadence.Contact{Name: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@example.com", i)}, "U1", t0)
		vs = append(vs, cadence.EnrollmentView{Contact: cadence.Contact{ID: v.Contact.ID}})
	}
	vs = append(vs, cadence.EnrollmentView{Contact: cadence.Contact{ID: vs[0].Contact.ID}}, cadence.EnrollmentView{Contact: cadence.Contact{ID: 1 << 40}})
	if err := db.FillContacts(ctx, vs); err != nil {
		t.Fatal(err)
	}
	for i := range maxFill + 3 {
		if want := fmt.Sprintf("p%d@example.com", i); vs[i].Contact.Email != want || vs[i].Contact.Name != fmt.Sprintf("P%d", i) {
			t.Errorf("contact %d = %+v, want P%d %s", i, vs[i].Contact, i, want)
		}
	}
	if got := vs[maxFill+3].Contact.Name; got != "P0" {
		t.Errorf("the same contact again: name %q, want P0", got)
	}
	if got := vs[maxFill+4].Contact; got != (cadence.Contact{ID: 1 << 40}) {
		t.Errorf("a contact not there = %+v, want it left as it was", got)
	}
}

// TestSynchronousNormal: both pools run synchronous=NORMAL in WAL mode, said explicitly so a
// driver upgrade cannot change it unseen.
func TestSynchronousNormal(t *testing.T) {
	sqliteOnly(t)
	db := mustOpen(t)
	for name, pool := range map[string]*sql.DB{"writer": db.w, "reader": db.r} {
		var sync int
		if err := pool.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 1 {
			t.Errorf("%s: synchronous = %d (%v), want 1 (NORMAL)", name, sync, err)
		}
	}
}

// TestListQueriesUnhintedOnPostgres: the lists' SQLite index hint, which PostgreSQL would refuse
// as a syntax error, is left out there and kept on SQLite.
func TestListQueriesUnhintedOnPostgres(t *testing.T) {
	for _, q := range []string{queueRunningSQL, queueDueSQL, orderRunningSQL, orderDueSQL} {
		if got := (&DB{pg: true}).unhinted(q); strings.Contains(got, "INDEXED BY") || !strings.Contains(got, "LEFT JOIN touchpoints t ON") {
			t.Errorf("on PostgreSQL:\n%s", got)
		}
		if got := (&DB{}).unhinted(q); !strings.Contains(got, "INDEXED BY touchpoints_open_queue") {
			t.Errorf("on SQLite the hint is gone:\n%s", got)
		}
	}
}

// TestWriterPageCache: the writer's connection, through which the lists read (readHot), keeps a
// page cache of writerCacheKiB; the readers keep SQLite's default.
func TestWriterPageCache(t *testing.T) {
	sqliteOnly(t)
	db := mustOpen(t)
	for name, c := range map[string]struct {
		pool *sql.DB
		want int
	}{"writer": {db.w, -writerCacheKiB}, "reader": {db.r, -2000}} {
		var size int
		if err := c.pool.QueryRow(`PRAGMA cache_size`).Scan(&size); err != nil || size != c.want {
			t.Errorf("%s: cache_size = %d (%v), want %d", name, size, err, c.want)
		}
	}
}
