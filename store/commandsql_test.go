package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"regexp"
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
		// sorts allows a temporary b-tree and a scan of its output, for a query whose cost grows
		// with the rep's list, not with the table. The list pages need none: they read their page
		// in order from enrollments_running_next.
		sorts bool
	}{
		{"list", queueRunningSQL, []any{"U1"}, []string{"COVERING INDEX enrollments_owner_queue", "COVERING INDEX touchpoints_open_queue"}, false},
		{"due", queueDueSQL, []any{"U1", t0.UnixMilli()}, []string{"COVERING INDEX enrollments_owner_queue", "COVERING INDEX touchpoints_open_queue"}, false},
		{"list page", pageRunningSQL + " LIMIT 40 OFFSET 0", []any{"U1", "U1"}, []string{"COVERING INDEX enrollments_running_next (owner=?)", "COVERING INDEX touchpoints_open_queue", "INTEGER PRIMARY KEY"}, false},
		{"due page", pageDueSQL + " LIMIT 40 OFFSET 0", []any{"U1", t0.UnixMilli(), "U1", t0.UnixMilli()}, []string{"COVERING INDEX enrollments_running_next (owner=? AND next_due<?)", "COVERING INDEX touchpoints_open_queue", "INTEGER PRIMARY KEY"}, false},
		{"ListEnrollments", list, listArgs, []string{"enrollments_owner_", "touchpoints_one_open"}, false},
		{"Due", due, dueArgs, []string{"enrollments_owner_", "touchpoints_"}, false},
		{"show: the follow-up", viewByIDSQL, []any{"x"}, []string{"sqlite_autoindex_enrollments_1", "touchpoints_one_open"}, false},
		{"show: its touches", touchpointsSQL, []any{"x"}, []string{"touchpoints_enrollment"}, false},
		{"a DM's details: touches and which extras exist", touchesExtrasSQL, []any{"x"},
			[]string{"touchpoints_enrollment", "signals_enrollment", "sqlite_autoindex_enrollment_origins_1", "sqlite_autoindex_company_news_1"}, false},
		{"show: its signals", signalsSQL, []any{"x"}, []string{"signals_enrollment"}, false},
		{"events", eventsSQL, []any{"x"}, []string{"events_enrollment"}, false},
		{"add: already enrolled", runningOfContactSQL, []any{1}, []string{"enrollments_one_open", "touchpoints_one_open"}, false},
		{"exists", existsSQL, []any{"x"}, []string{"sqlite_autoindex_enrollments_1"}, false},
		{"rep", repSQL, []any{"U1"}, []string{"sqlite_autoindex_reps_1"}, false},
	} {
		plan := queryPlan(t, db, c.query, c.args...)
		for _, line := range strings.Split(plan, "\n") {
			if c.sorts && (line == "SCAN q" || strings.HasPrefix(line, "SCAN (subquery-") || line == "USE TEMP B-TREE FOR ORDER BY") {
				continue
			}
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
	// QueuePage and DueQueuePage: the same follow-ups, in the same order, filled the same, a page
	// at a time, with the number in the whole list.
	for _, c := range []struct {
		name string
		full []cadence.EnrollmentView
		page func(offset, limit int) ([]cadence.EnrollmentView, int, error)
	}{
		{"QueuePage", q, func(o, l int) ([]cadence.EnrollmentView, int, error) { return db.QueuePage(ctx, "U1", o, l) }},
		{"DueQueuePage", dq, func(o, l int) ([]cadence.EnrollmentView, int, error) {
			return db.DueQueuePage(ctx, "U1", t0.Add(time.Hour), o, l)
		}},
	} {
		for _, size := range []int{1, 2, 3, len(c.full) + 1} {
			var all []cadence.EnrollmentView
			for off := 0; off < len(c.full)+size; off += size {
				vs, total, err := c.page(off, size)
				if err != nil {
					t.Fatal(err)
				}
				if want := min(size, max(len(c.full)-off, 0)); len(vs) != want {
					t.Fatalf("%s(%d, %d) gave %d, want %d", c.name, off, size, len(vs), want)
				}
				if len(vs) > 0 && total != len(c.full) {
					t.Errorf("%s(%d, %d): total %d, want %d", c.name, off, size, total, len(c.full))
				}
				all = append(all, vs...)
			}
			if !reflect.DeepEqual(all, c.full) && !(len(all) == 0 && len(c.full) == 0) {
				t.Errorf("%s by %d =\n%+v\nwant (as %s)\n%+v", c.name, size, all, strings.TrimSuffix(c.name, "Page"), c.full)
			}
		}
	}
	if vs, total, err := db.QueuePage(ctx, "nobody", 0, 10); err != nil || len(vs) != 0 || total != 0 {
		t.Errorf("QueuePage of a rep with none = %v, %d, %v", vs, total, err)
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
	for _, c := range []struct{ query, hint string }{
		{queueRunningSQL, "INDEXED BY touchpoints_open_queue"}, {queueDueSQL, "INDEXED BY touchpoints_open_queue"},
		{pageRunningSQL, "FROM enrollments e INDEXED BY enrollments_running_next"}, {pageDueSQL, "FROM enrollments e INDEXED BY enrollments_running_next"},
	} {
		if got := (&DB{pg: true}).unhinted(c.query); strings.Contains(got, "INDEXED BY") || !strings.Contains(got, "LEFT JOIN touchpoints t ON") {
			t.Errorf("on PostgreSQL:\n%s", got)
		}
		if got := (&DB{}).unhinted(c.query); !strings.Contains(got, c.hint) {
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

// TestJoinQueriesCastTheirParameters: the commands' queries that join tables compare no column
// with a bare parameter by equality (col = ?), which would make SQLite compile them again at every
// run (textArg); nor do they bind a LIMIT or OFFSET, which would do the same.
func TestJoinQueriesCastTheirParameters(t *testing.T) {
	list, _ := listSQL("U1", []cadence.Status{cadence.StatusActive})
	due, _ := dueSQL("U1", t0)
	bare := regexp.MustCompile(`(?i)((^|[^<>!])=\s*\?|LIMIT\s+\?|OFFSET\s+\?)`)
	for name, q := range map[string]string{"view": viewByIDSQL, "already enrolled": runningOfContactSQL, "ListEnrollments": list,
		"Due": due, "Queue": queueRunningSQL, "DueQueue": queueDueSQL, "QueuePage": pageRunningSQL, "DueQueuePage": pageDueSQL} {
		if m := bare.FindString(q); m != "" {
			t.Errorf("%s has %q:\n%s", name, m, q)
		}
	}
}

// TestDispatchQueriesCastTheirParameters: the statements a dispatched reminder runs compare no
// column with a bare parameter (see textArg), so none is compiled again at every run.
func TestDispatchQueriesCastTheirParameters(t *testing.T) {
	bare := regexp.MustCompile(`(?i)((^|[^<>!])=\s*\?)`)
	for name, q := range map[string]string{"touchView": touchViewSelect, "RecheckState": claimStateSQL,
		"MarkReminded": touchHeadSQL, "touchpoints": touchpointsSQL, "details": touchesExtrasSQL, "signals": signalsSQL, "events": eventsSQL,
		"exists": existsSQL, "rep": repSQL, "fence": fenced} {
		if m := bare.FindString(q); m != "" {
			t.Errorf("%s has %q:\n%s", name, m, q)
		}
	}
}
