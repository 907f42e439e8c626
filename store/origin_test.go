package store

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func TestOriginLinkAndSourceKey(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	ch := enrollChange("U1", t0.Add(time.Hour))
	ch.Enrollment.Link = "https://fakeco.slack.com/archives/C1/p1"
	ch.Enrollment.SourceKey = "function_execution:Fx1"
	v, err := db.Enroll(ctx, dana(), ch, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Link(ctx, v.Enrollment.ID); err != nil || got != ch.Enrollment.Link {
		t.Errorf("Link = %q, %v", got, err)
	}
	if got, err := db.EnrollmentBySource(ctx, "function_execution:Fx1"); err != nil || got.Enrollment.ID != v.Enrollment.ID {
		t.Errorf("EnrollmentBySource = %+v, %v", got, err)
	}
	wantCode(t, errOnly(db.EnrollmentBySource(ctx, "function_execution:Fx2")), cadence.ENOTFOUND)
	wantCode(t, errOnly(db.EnrollmentBySource(ctx, "")), cadence.ENOTFOUND)

	// The same source key again enrolls nothing, even for another contact.
	ch.Enrollment.Link = ""
	_, err = db.Enroll(ctx, cadence.Contact{Name: "Lee", Email: "lee@acme.com"}, ch, t0)
	wantCode(t, err, cadence.ECONFLICT)
	if n := count(t, db, `SELECT COUNT(*) FROM contacts WHERE email = 'lee@acme.com'`); n != 0 {
		t.Errorf("a refused enrollment left %d contacts", n)
	}
	// Without a link or key nothing is stored, and Link says "".
	plain := mustEnroll(t, db, cadence.Contact{Name: "Ann", Email: "ann@example.org"}, "U1", t0)
	if got, err := db.Link(ctx, plain.Enrollment.ID); err != nil || got != "" {
		t.Errorf("Link of a plain follow-up = %q, %v", got, err)
	}
}

func TestCompanyNewsAndNotices(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	a := mustEnroll(t, db, cadence.Contact{Name: "Dana", Email: "dana@acme.com"}, "U1", t0)
	b := mustEnroll(t, db, cadence.Contact{Name: "Lee", Email: "lee@ACME.com"}, "U2", t0)
	c := mustEnroll(t, db, cadence.Contact{Name: "Kim", Email: "kim@acme.com"}, "U3", t0)
	mustEnroll(t, db, cadence.Contact{Name: "Other", Email: "o@acme.co"}, "U3", t0)
	finish(t, db, c.Enrollment.ID)

	got, err := db.RunningAtDomain(ctx, "Acme.com", a.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Enrollment.ID != b.Enrollment.ID {
		t.Fatalf("RunningAtDomain = %+v, want only %s", got, b.Enrollment.ID)
	}
	if none, err := db.RunningAtDomain(ctx, "", ""); err != nil || len(none) != 0 {
		t.Errorf("empty domain: %v, %v", none, err)
	}

	n := cadence.CompanyNews{EnrollmentID: b.Enrollment.ID, SourceID: a.Enrollment.ID, Who: "Dana", Company: "Acme",
		Outcome: cadence.OutcomeReplied, At: t0}
	for range 2 {
		if err := db.AddCompanyNews(ctx, []cadence.CompanyNews{n}); err != nil {
			t.Fatal(err)
		}
	}
	news, err := db.CompanyNews(ctx, b.Enrollment.ID)
	var fromA []cadence.CompanyNews
	for _, x := range news {
		if x.SourceID == a.Enrollment.ID {
			fromA = append(fromA, x)
		}
	}
	if err != nil || len(fromA) != 1 || fromA[0] != n {
		t.Errorf("CompanyNews = %+v, %v; want once %+v", news, err, n)
	}
	for i, want := range []bool{true, false} {
		first, err := db.NoticeOnce(ctx, a.Enrollment.ID, cadence.OutcomeReplied, "U2", t0)
		if err != nil || first != want {
			t.Errorf("NoticeOnce #%d = %v, %v; want %v", i, first, err, want)
		}
	}
	if first, _ := db.NoticeOnce(ctx, a.Enrollment.ID, cadence.OutcomeMeetingBooked, "U2", t0); !first {
		t.Error("a meeting after a reply is news again")
	}
}

func TestRunningAtDomainUsesIndex(t *testing.T) {
	db := mustOpen(t)
	q := `SELECT c.id FROM contacts c WHERE ` + domainExpr(db.pg) + ` = ? AND c.email <> ''`
	var p string
	if db.pg {
		p = pgPlan(t, db, q, "acme.com")
	} else {
		p = queryPlan(t, db, q, "acme.com")
	}
	if !strings.Contains(p, "contacts_email_domain") {
		t.Errorf("plan %q does not use contacts_email_domain", p)
	}
}

// pgPlan returns PostgreSQL's EXPLAIN of query with sequential scans discouraged, so that the
// plan of an empty table shows whether an index can serve the query at all.
func pgPlan(tb testing.TB, db *DB, query string, args ...any) string {
	tb.Helper()
	tx, err := db.r.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SET LOCAL enable_seqscan = off`); err != nil {
		tb.Fatal(err)
	}
	rows, err := tx.Query(`EXPLAIN `+query, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestUpdateFlagsColleagues: the Update that logs a reply or a booked meeting flags, in its own
// transaction, the other running follow-ups at the contact's company, and only those: not at a free
// mail domain, not for another outcome, not when the Update fails.
func TestUpdateFlagsColleagues(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	dana := mustEnroll(t, db, cadence.Contact{Name: "Dana", Email: "dana@acme.com", Company: "Acme"}, "U1", t0)
	lee := mustEnroll(t, db, cadence.Contact{Name: "Lee", Email: "lee@acme.com"}, "U2", t0)
	gmail := mustEnroll(t, db, cadence.Contact{Name: "Gus", Email: "gus@gmail.com"}, "U1", t0)
	gmail2 := mustEnroll(t, db, cadence.Contact{Name: "Gia", Email: "gia@gmail.com"}, "U2", t0)
	newsOf := func(id string) []cadence.CompanyNews {
		t.Helper()
		n, err := db.CompanyNews(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A failed Update (the outcome refused in its transaction) flags nobody.
	if _, err := db.Update(ctx, dana.Enrollment.ID, func(v cadence.EnrollmentView) (cadence.Change, error) {
		return cadence.Change{}, cadence.Errorf(cadence.ECONFLICT, "no")
	}); err == nil {
		t.Fatal("want the refusal")
	}
	if n := newsOf(lee.Enrollment.ID); len(n) != 0 {
		t.Fatalf("news after a failed update: %+v", n)
	}

	finish(t, db, dana.Enrollment.ID) // replied
	n := newsOf(lee.Enrollment.ID)
	if len(n) != 1 || n[0].SourceID != dana.Enrollment.ID || n[0].Who != "Dana" || n[0].Company != "Acme" || n[0].Outcome != cadence.OutcomeReplied {
		t.Errorf("news of Lee = %+v, want Dana at Acme replied", n)
	}
	flagged, err := db.FlaggedBy(ctx, dana.Enrollment.ID, cadence.OutcomeReplied)
	if err != nil || len(flagged) != 1 || flagged[0].Enrollment.ID != lee.Enrollment.ID {
		t.Errorf("FlaggedBy = %+v, %v; want Lee's follow-up", flagged, err)
	}
	if f, _ := db.FlaggedBy(ctx, dana.Enrollment.ID, cadence.OutcomeMeetingBooked); len(f) != 0 {
		t.Errorf("FlaggedBy a meeting nobody booked = %+v", f)
	}

	finish(t, db, gmail.Enrollment.ID) // a reply at gmail.com is nobody's company news
	if n := newsOf(gmail2.Enrollment.ID); len(n) != 0 {
		t.Errorf("a gmail.com reply flagged another gmail.com follow-up: %+v", n)
	}
}

// TestDetailsIsTheFourReadsInOne checks Details against the reads it stands for.
func TestDetailsIsTheFourReadsInOne(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	ch := enrollChange("U1", t0.Add(time.Hour))
	ch.Enrollment.Link = "https://fakeco.slack.com/archives/C1/p9"
	v, err := db.Enroll(ctx, dana(), ch, t0)
	if err != nil {
		t.Fatal(err)
	}
	other := mustEnroll(t, db, cadence.Contact{Name: "Lee", Email: "lee@acme.com"}, "U2", t0)
	if err := db.AddSignal(ctx, cadence.Signal{EnrollmentID: v.Enrollment.ID, Text: "asked for pricing", At: t0, By: "U1"}); err != nil {
		t.Fatal(err)
	}
	n := cadence.CompanyNews{EnrollmentID: v.Enrollment.ID, SourceID: other.Enrollment.ID, Who: "Lee", Company: "Acme",
		Outcome: cadence.OutcomeReplied, At: t0}
	if err := db.AddCompanyNews(ctx, []cadence.CompanyNews{n}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Details(ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := db.Touchpoints(ctx, v.Enrollment.ID)
	ss, _ := db.Signals(ctx, v.Enrollment.ID)
	if len(d.Touches) == 0 || !reflect.DeepEqual(d.Touches, ts) {
		t.Errorf("Details.Touches = %+v, want %+v", d.Touches, ts)
	}
	if len(d.Signals) != 1 || !reflect.DeepEqual(d.Signals, ss) {
		t.Errorf("Details.Signals = %+v, want %+v", d.Signals, ss)
	}
	if d.Link != ch.Enrollment.Link || len(d.News) != 1 || d.News[0] != n {
		t.Errorf("Details link %q, news %+v; want %q and %+v", d.Link, d.News, ch.Enrollment.Link, n)
	}
	// A follow-up without any of them has none; an unknown id is not found.
	d, err = db.Details(ctx, other.Enrollment.ID)
	if err != nil || len(d.Signals)+len(d.News) != 0 || d.Link != "" || len(d.Touches) == 0 {
		t.Errorf("Details of a plain follow-up = %+v, %v", d, err)
	}
	wantCode(t, errOnly(db.Details(ctx, "nope")), cadence.ENOTFOUND)

	// Each of them alone is read (the touchpoints say which exist, and only those are read).
	sig := mustEnroll(t, db, cadence.Contact{Name: "Sig", Email: "sig@acme.com"}, "U3", t0)
	if err := db.AddSignal(ctx, cadence.Signal{EnrollmentID: sig.Enrollment.ID, Text: "opened the deck", At: t0, By: "U3"}); err != nil {
		t.Fatal(err)
	}
	ch = enrollChange("U3", t0.Add(time.Hour))
	ch.Enrollment.Link = "https://fakeco.slack.com/archives/C1/p10"
	lnk, err := db.Enroll(ctx, cadence.Contact{Name: "Lin", Email: "lin@acme.com"}, ch, t0)
	if err != nil {
		t.Fatal(err)
	}
	nws := mustEnroll(t, db, cadence.Contact{Name: "New", Email: "new@acme.com"}, "U3", t0)
	n2 := cadence.CompanyNews{EnrollmentID: nws.Enrollment.ID, SourceID: other.Enrollment.ID, Who: "Lee", Company: "Acme",
		Outcome: cadence.OutcomeReplied, At: t0}
	if err := db.AddCompanyNews(ctx, []cadence.CompanyNews{n2}); err != nil {
		t.Fatal(err)
	}
	if d, err := db.Details(ctx, sig.Enrollment.ID); err != nil || len(d.Signals) != 1 || d.Link != "" || len(d.News) != 0 {
		t.Errorf("Details with a signal only = %+v, %v", d, err)
	}
	if d, err := db.Details(ctx, lnk.Enrollment.ID); err != nil || len(d.Signals) != 0 || d.Link != ch.Enrollment.Link || len(d.News) != 0 {
		t.Errorf("Details with a link only = %+v, %v", d, err)
	}
	if d, err := db.Details(ctx, nws.Enrollment.ID); err != nil || len(d.Signals) != 0 || d.Link != "" || len(d.News) != 1 {
		t.Errorf("Details with news only = %+v, %v", d, err)
	}
}
