package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// t0 is the tests' "now": 3 Mar 2026, 14:00 UTC.
var t0 = time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)

func mustOpen(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "followup.db"))
}

func mustOpenPath(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), dsn(tb, path))
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	db.Now = func() time.Time { return t0 }
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// enrollChange is the change that enrolls a contact in the demo cadence with owner, its first
// touch due at due.
func enrollChange(owner string, due time.Time) cadence.Change {
	return cadence.Change{
		Enrollment: cadence.Enrollment{Owner: owner, CadenceID: "demo", Trigger: cadence.TriggerDemo, TriggerAt: t0,
			Intent: cadence.IntentWarm, Status: cadence.StatusActive, Note: "cares about response time"},
		Next:  &cadence.Touchpoint{Step: 0, Due: due},
		Event: cadence.Event{Kind: "enrolled", Actor: owner, Step: -1},
	}
}

func mustEnroll(tb testing.TB, db *DB, c cadence.Contact, owner string, due time.Time) cadence.EnrollmentView {
	tb.Helper()
	v, err := db.Enroll(context.Background(), c, enrollChange(owner, due), t0)
	if err != nil {
		tb.Fatalf("Enroll(%+v): %v", c, err)
	}
	return v
}

func dana() cadence.Contact {
	return cadence.Contact{Name: "Dana Lee", Email: "dana@example.com", Company: "Acme"}
}

// count runs a COUNT query.
func count(tb testing.TB, db *DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.r.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantCode fails unless err carries the coded error code.
func wantCode(tb testing.TB, err error, code string) *cadence.Error {
	tb.Helper()
	var ce *cadence.Error
	if !errors.As(err, &ce) || ce.Code != code {
		tb.Fatalf("error = %v, want code %s", err, code)
	}
	return ce
}

func TestMigrateIdempotentAndRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "followup.db")
	db := mustOpenPath(t, path)
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM schema_migrations`); got != len(all) {
		t.Fatalf("schema_migrations has %d rows, want %d", got, len(all))
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM schema_migrations`); got != len(all) {
		t.Fatalf("after a second Migrate schema_migrations has %d rows, want %d", got, len(all))
	}
	if got := count(t, db, `SELECT COUNT(*) FROM schema_migrations WHERE applied_at = ?`, t0.UnixMilli()); got != 0 {
		t.Fatalf("the second Migrate re-recorded %d migrations", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2 := mustOpenPath(t, path)
	st, err := db2.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.SchemaVersion != all[len(all)-1].version {
		t.Fatalf("SchemaVersion = %d, want %d", st.SchemaVersion, all[len(all)-1].version)
	}
	// A database from a newer followup is refused.
	if _, err := db2.w.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db2.Migrate(ctx), cadence.ECONFLICT)
}

func TestOpenRefusesNonFiles(t *testing.T) {
	sqliteOnly(t)
	for _, p := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "a?b.db")} {
		_, err := Open(context.Background(), p)
		wantCode(t, err, cadence.EINVALID)
	}
}

func TestSettingsAndReps(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	_, err := db.Setting(ctx, "report_channel")
	wantCode(t, err, cadence.ENOTFOUND)
	for _, v := range []string{"C1", "C2"} {
		if err := db.PutSetting(ctx, "report_channel", v); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Setting(ctx, "report_channel"); err != nil || got != v {
			t.Fatalf("Setting = %q, %v; want %q", got, err, v)
		}
	}

	_, err = db.GetRep(ctx, "U1")
	wantCode(t, err, cadence.ENOTFOUND)
	rep := cadence.Rep{UserID: "U1", Name: "Sam", TimeZone: "Europe/Berlin", TZManual: true, TZCheckedAt: t0,
		Hours: "08:00-16:00", Days: "Mon-Thu", AwayFrom: "2026-03-10", AwayUntil: "2026-03-12"}
	if err := db.PutRep(ctx, rep); err != nil {
		t.Fatal(err)
	}
	rep.Hours = "09:00-17:00"
	if err := db.PutRep(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetRep(ctx, "U1"); err != nil || got != rep {
		t.Fatalf("GetRep = %+v, %v; want %+v", got, err, rep)
	}
	wantCode(t, db.PutRep(ctx, cadence.Rep{}), cadence.EINVALID)
}

func TestMarkRepGone(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	a := mustEnroll(t, db, dana(), "U1", t0)
	mustEnroll(t, db, cadence.Contact{Name: "Kim", Email: "kim@example.com"}, "U2", t0)
	paused, err := db.MarkRepGone(ctx, "U1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(paused) != 1 || paused[0].ID != a.Enrollment.ID || paused[0].Status != cadence.StatusPaused {
		t.Fatalf("MarkRepGone paused %+v, want only %s", paused, a.Enrollment.ID)
	}
	rep, err := db.GetRep(ctx, "U1")
	if err != nil || !rep.Gone {
		t.Fatalf("GetRep = %+v, %v; want gone", rep, err)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM enrollments WHERE status = 'active'`); got != 1 {
		t.Fatalf("%d active follow-ups, want 1 (the other rep's)", got)
	}
	claims, err := db.Claim(ctx, t0, 10, time.Minute)
	if err != nil || len(claims) != 1 || claims[0].Enrollment.Owner != "U2" {
		t.Fatalf("Claim after MarkRepGone = %+v, %v; want only U2's touch", claims, err)
	}
}

func TestFirstSeen(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	for i, tc := range []struct {
		id   string
		at   time.Time
		want bool
	}{
		{"Ev1", t0, true},
		{"Ev1", t0.Add(time.Minute), false},
		{"Ev2", t0.Add(time.Minute), true},
		{"Ev1", t0.Add(6 * 24 * time.Hour), false},
		{"Ev1", t0.Add(8 * 24 * time.Hour), true}, // forgotten after 7 days
	} {
		got, err := db.FirstSeen(ctx, tc.id, tc.at)
		if err != nil || got != tc.want {
			t.Fatalf("%d: FirstSeen(%s) = %v, %v; want %v", i, tc.id, got, err, tc.want)
		}
	}
}

func TestBackupWhileWriting(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t)
	mustEnroll(t, db, dana(), "U1", t0)

	stop, done := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		defer func() { done <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c := cadence.Contact{Name: "Writer", Email: "w" + strings.Repeat("x", n%7) + time.Duration(n).String() + "@example.com"}
			if _, err := db.Enroll(ctx, c, enrollChange("U1", t0), t0); err != nil {
				t.Errorf("Enroll while backing up: %v", err)
				return
			}
			n++
		}
	}()
	path := filepath.Join(dir, "backup.db")
	err := db.Backup(ctx, path)
	close(stop)
	written := <-done
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	t.Logf("%d follow-ups written during the backup", written)

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("backup left files behind: %v", entries)
	}
	b := mustOpenPath(t, path)
	if _, err := b.ContactByEmail(ctx, "dana@example.com"); err != nil {
		t.Fatalf("the backup lacks Dana: %v", err)
	}
	enrolled := count(t, b, `SELECT COUNT(*) FROM enrollments`)
	if enrolled < 1 || enrolled != count(t, b, `SELECT COUNT(*) FROM touchpoints`) {
		t.Fatalf("backup has %d follow-ups and %d touchpoints; want matching counts", enrolled,
			count(t, b, `SELECT COUNT(*) FROM touchpoints`))
	}
	wantCode(t, db.Backup(ctx, path), cadence.EINVALID)
}

// TestUpdateRepLosesNoChange: UpdateRep reads, changes and stores a rep in one transaction that
// holds the rep, so concurrent changes of one rep from two handles (two replicas: a command on
// one, a time-zone refresh on the other, by UpdateRep and RefreshRep) each see the one before and
// none is lost; a rep never stored starts from empty settings with its id; a change that fails or
// declines stores nothing.
func TestUpdateRepLosesNoChange(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "followup.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		db := a
		if i%2 == 1 {
			db = b
		}
		update := db.UpdateRep
		if i%4 >= 2 {
			update = db.RefreshRep // a refresh from Slack takes turns with a person's change alike
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := update(ctx, "U1", func(r *cadence.Rep) (bool, error) {
				r.Signature += "x"
				return true, nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.GetRep(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "U1" || len(got.Signature) != n {
		t.Fatalf("after %d concurrent changes the rep is %+v, want user U1 with a signature of %d x's", n, got, n)
	}

	boom := errors.New("boom")
	if _, err := b.UpdateRep(ctx, "U1", func(r *cadence.Rep) (bool, error) {
		r.Signature = "lost"
		return false, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a failing change returned %v, want it", err)
	}
	if r, err := b.UpdateRep(ctx, "U1", func(r *cadence.Rep) (bool, error) {
		r.Signature = "not saved"
		return false, nil
	}); err != nil || len(r.Signature) != n {
		t.Fatalf("a declined change returned %+v, %v; want the stored rep", r, err)
	}
	if got, _ := a.GetRep(ctx, "U1"); len(got.Signature) != n {
		t.Fatalf("a failed or declined change was stored: %+v", got)
	}
	if _, err := a.UpdateRep(ctx, "", func(*cadence.Rep) (bool, error) { return true, nil }); cadence.ErrorCode(err) != cadence.EINVALID {
		t.Fatalf("UpdateRep without a user id returned %v, want EINVALID", err)
	}
}
