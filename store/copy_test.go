package store

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
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
		// Analyzed: a table never analyzed counts -1 tuples (PostgreSQL 14 and newer) or 0 pages.
		if dst.pg && count(t, dst, `SELECT CASE WHEN reltuples >= 0 AND relpages > 0 THEN 1 ELSE 0 END FROM pg_class WHERE oid = to_regclass('`+c.Table+`')`) != 1 && c.Rows > 0 {
			t.Errorf("%s: no planner statistics after the copy", c.Table)
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

// TestCopyToPostgresNewTables: migrate-db copies what migrations 0005 to 0009 added (a contact's
// consent and time zone, a rep's booking link and sign-off, mailboxes and the mail seen, where a
// follow-up came from, company news and notices), and a mail seen on the target after the copy
// gets an id past the copied ones.
func TestCopyToPostgresNewTables(t *testing.T) {
	if testBackend != "postgres" {
		t.Skip("copies SQLite into PostgreSQL; runs in the postgres pass")
	}
	ctx := context.Background()
	testBackend = "sqlite"
	src := mustOpenPath(t, filepath.Join(t.TempDir(), "src.db"))
	testBackend = "postgres"

	ch := enrollChange("U1", t0.Add(time.Hour))
	ch.Enrollment.Link = "https://fakeco.slack.com/archives/C1/p1"
	ch.Enrollment.SourceKey = "function_execution:Fx1"
	a, err := src.Enroll(ctx, cadence.Contact{Name: "Dana", Email: "dana@acme.com", SMSConsent: true, TimeZone: "Europe/Berlin"}, ch, t0)
	if err != nil {
		t.Fatal(err)
	}
	b := mustEnroll(t, src, cadence.Contact{Name: "Lee", Email: "lee@acme.com"}, "U2", t0)
	if err := src.PutRep(ctx, cadence.Rep{UserID: "U1", Name: "Ana", Booking: "https://cal.example.com/ana", Signature: "Ana, Ourco"}); err != nil {
		t.Fatal(err)
	}
	if err := src.AddCompanyNews(ctx, []cadence.CompanyNews{{EnrollmentID: b.Enrollment.ID, SourceID: a.Enrollment.ID,
		Who: "Dana", Company: "Acme", Outcome: cadence.OutcomeReplied, At: t0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.NoticeOnce(ctx, a.Enrollment.ID, cadence.OutcomeReplied, "U2", t0); err != nil {
		t.Fatal(err)
	}
	if err := src.SetMailbox(ctx, "U1", "ana@ourco.com"); err != nil {
		t.Fatal(err)
	}
	if err := src.SaveMailCursor(ctx, "U1", "gmail", "ana@ourco.com", "1234", t0); err != nil {
		t.Fatal(err)
	}
	m, _, err := src.RecordMail(ctx, cadence.MailSeen{Rep: "U1", Provider: "gmail", MessageID: "m1",
		EnrollmentID: a.Enrollment.ID, ContactID: a.Contact.ID, Sender: "dana@acme.com", Kind: "reply",
		Snippet: "Sounds good", ReceivedAt: t0, SeenAt: t0})
	if err != nil {
		t.Fatal(err)
	}

	dst := mustOpenPath(t, filepath.Join(t.TempDir(), "dst"))
	counts, err := src.CopyTo(ctx, dst)
	if err != nil {
		t.Fatalf("CopyTo: %v", err)
	}
	want := map[string]int{"enrollment_origins": 1, "company_news": 1, "company_notices": 1, "mailboxes": 1, "mail_seen": 1}
	for _, c := range counts {
		if w, ok := want[c.Table]; ok {
			if c.Rows != w {
				t.Errorf("%s: copied %d rows, want %d", c.Table, c.Rows, w)
			}
			delete(want, c.Table)
		}
	}
	if len(want) > 0 {
		t.Errorf("not copied: %v", want)
	}

	if got, err := dst.Link(ctx, a.Enrollment.ID); err != nil || got != ch.Enrollment.Link {
		t.Errorf("Link on the target = %q, %v", got, err)
	}
	if got, err := dst.EnrollmentBySource(ctx, ch.Enrollment.SourceKey); err != nil || got.Enrollment.ID != a.Enrollment.ID {
		t.Errorf("EnrollmentBySource on the target = %+v, %v", got, err)
	}
	if v, err := dst.Enrollment(ctx, a.Enrollment.ID); err != nil || !v.Contact.SMSConsent || v.Contact.TimeZone != "Europe/Berlin" {
		t.Errorf("contact on the target = %+v, %v", v.Contact, err)
	}
	if r, err := dst.GetRep(ctx, "U1"); err != nil || r.Booking != "https://cal.example.com/ana" || r.Signature != "Ana, Ourco" {
		t.Errorf("rep on the target = %+v, %v", r, err)
	}
	if news, err := dst.CompanyNews(ctx, b.Enrollment.ID); err != nil || len(news) != 1 || news[0].Who != "Dana" {
		t.Errorf("CompanyNews on the target = %+v, %v", news, err)
	}
	if first, err := dst.NoticeOnce(ctx, a.Enrollment.ID, cadence.OutcomeReplied, "U2", t0); err != nil || first {
		t.Errorf("NoticeOnce on the target = %v, %v; want told already", first, err)
	}
	if mb, err := dst.Mailbox(ctx, "U1"); err != nil || mb.Cursor != "1234" || !mb.SeenUntil.Equal(t0) {
		t.Errorf("Mailbox on the target = %+v, %v", mb, err)
	}
	if seen, err := dst.MailSeen(ctx, m.ID); err != nil || seen.Snippet != "Sounds good" || seen.MessageID != "m1" {
		t.Errorf("MailSeen on the target = %+v, %v", seen, err)
	}
	n, _, err := dst.RecordMail(ctx, cadence.MailSeen{Rep: "U1", Provider: "gmail", MessageID: "m2",
		EnrollmentID: a.Enrollment.ID, ContactID: a.Contact.ID, Sender: "dana@acme.com", Kind: "reply", ReceivedAt: t0, SeenAt: t0})
	if err != nil || n.ID <= m.ID {
		t.Errorf("a mail seen after the copy has id %d (%v), want more than %d", n.ID, err, m.ID)
	}
}

// TestCopyOrderKeepsForeignKeys: in CopyTo's order every table comes after the tables its foreign
// keys refer to, so that PostgreSQL accepts each row as it arrives.
func TestCopyOrderKeepsForeignKeys(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := mustOpen(t)
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tables, err := db.tables(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	for i, table := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT "table" FROM pragma_foreign_key_list(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var parent string
			if err := rows.Scan(&parent); err != nil {
				t.Fatal(err)
			}
			if j := slices.Index(tables, parent); j < 0 || j > i {
				t.Errorf("%s refers to %s, which is copied after it (order %v)", table, parent, tables)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
}
