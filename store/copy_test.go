package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// TestCopyToPostgres copies an SQLite database into an empty PostgreSQL one: every row arrives,
// ids go on from the largest copied, and a second copy into the now non-empty target is refused
// without writing anything.
func TestCopyToPostgres(t *testing.T) {
	if testBackend != "postgres" {
		t.Skip("copies SQLite into PostgreSQL; runs in the postgres pass")
	}
	ctx := context.Background()
	testBackend = "sqlite"
	src := mustOpenPath(t, filepath.Join(t.TempDir(), "src.db"))
	testBackend = "postgres"
	for i := range 25 {
		mustEnroll(t, src, contactN(i), "U0ALICE001", t0.Add(time.Duration(i)*time.Minute))
	}
	if err := src.PutSetting(ctx, "report_channel", "C0REPORT01"); err != nil {
		t.Fatal(err)
	}
	if _, err := src.FirstSeen(ctx, "Ev01", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Claim(ctx, t0.Add(time.Hour), 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	dst := mustOpenPath(t, filepath.Join(t.TempDir(), "dst"))

	counts, err := src.CopyTo(ctx, dst)
	if err != nil {
		t.Fatalf("CopyTo: %v", err)
	}
	want := map[string]int{"contacts": 25, "enrollments": 25, "touchpoints": 25, "events": 25, "settings": 1, "slack_events": 1}
	for _, c := range counts {
		if w, ok := want[c.Table]; ok && c.Rows != w {
			t.Errorf("%s: copied %d rows, want %d", c.Table, c.Rows, w)
		}
		if got := count(t, dst, `SELECT COUNT(*) FROM `+c.Table); got != c.Rows {
			t.Errorf("%s: target holds %d rows, CopyTo said %d", c.Table, got, c.Rows)
		}
	}
	a, err := src.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Stats differ: sqlite %+v, postgres %+v", a, b)
	}
	// The claims of the SQLite bot's dispatcher are taken over on the target.
	cs, err := dst.Claim(ctx, t0.Add(time.Hour), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 25 {
		t.Errorf("the target claims %d touchpoints, want 25", len(cs))
	}
	// New rows get new ids.
	v := mustEnroll(t, dst, cadence.Contact{Name: "New One", Email: "new@example.com"}, "U0ALICE001", t0)
	if v.Contact.ID != 26 {
		t.Errorf("the next contact id is %d, want 26", v.Contact.ID)
	}

	before := count(t, dst, `SELECT COUNT(*) FROM events`)
	_, err = src.CopyTo(ctx, dst)
	wantCode(t, err, cadence.EINVALID)
	if after := count(t, dst, `SELECT COUNT(*) FROM events`); after != before {
		t.Errorf("a refused copy changed the target: %d events, was %d", after, before)
	}
}
