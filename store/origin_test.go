package store

import (
	"context"
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
	if err != nil || len(news) != 1 || news[0] != n {
		t.Errorf("CompanyNews = %+v, %v; want [%+v]", news, err, n)
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
	rows, err := db.r.Query(`EXPLAIN QUERY PLAN SELECT c.id FROM contacts c WHERE `+domainExpr+` = ? AND c.email <> ''`, "acme.com")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "contacts_email_domain") {
		t.Errorf("plan %q does not use contacts_email_domain", p)
	}
}
