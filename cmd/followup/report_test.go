package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

// seedReport enrolls two contacts in the demo cadence on Monday 2 March 2026 (UTC), logs step 1
// as sent for both on Tuesday and a reply from one on Wednesday, through the store and the state
// machine the bot uses.
func seedReport(tb testing.TB, path string) {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	cd, err := cadence.Builtin().Get("demo")
	if err != nil {
		tb.Fatal(err)
	}
	w := cadence.DefaultWindow()
	w.Location = time.UTC
	mon := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i, name := range []string{"Dana Lee", "Sam Roe"} {
		e := cadence.Enrollment{Owner: "U0ALICE001", CadenceID: cd.ID, Trigger: cd.Trigger, TriggerAt: mon}
		ch, err := cadence.Start(cd, e, w, mon)
		if err != nil {
			tb.Fatal(err)
		}
		v, err := db.Enroll(ctx, cadence.Contact{Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "@acme.com"}, ch, mon)
		if err != nil {
			tb.Fatal(err)
		}
		outcome := func(o cadence.Outcome, at time.Time) {
			tb.Helper()
			if _, err := db.Update(ctx, v.Enrollment.ID, func(cur cadence.EnrollmentView) (cadence.Change, error) {
				return cadence.Apply(cd, cur.Enrollment, *cur.Open, o, cadence.Gap{}, w, at)
			}); err != nil {
				tb.Fatalf("%s: %v", o, err)
			}
		}
		outcome(cadence.OutcomeSent, mon.AddDate(0, 0, 1))
		if i == 0 {
			outcome(cadence.OutcomeReplied, mon.AddDate(0, 0, 2))
		}
	}
}

func TestReportCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	seedReport(t, path)
	env := map[string]string{"FOLLOWUP_DB": path, "FOLLOWUP_TIMEZONE": "UTC"}
	out, stderr, err := runCmd(t, env, "report", "--from", "2026-03-02", "--to", "2026-03-08")
	if err != nil {
		t.Fatalf("report: %v %s", err, stderr)
	}
	for _, want := range []string{
		"Follow-up report, Mon 2 Mar – Sun 8 Mar 2026 (UTC)",
		"Team: Enrolled 2 · Touches 2 · Replies 1/2 (50%) · Meetings 0",
		"1. 1/2 (50%) this week, 1/2 (50%) since the start",
		"Ended this week: Replied 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report output lacks %q:\n%s", want, out)
		}
	}
	// A range that ends before the reply: --to is the last day included.
	out, _, err = runCmd(t, env, "report", "--from", "2026-03-02", "--to", "2026-03-03")
	if err != nil || !strings.Contains(out, "Team: Enrolled 2 · Touches 2 · Replies 0/2 (0%)") || !strings.Contains(out, "these 2 days") {
		t.Errorf("report for two days: %v\n%s", err, out)
	}

	out, _, err = runCmd(t, env, "report", "--from", "2026-03-02", "--to", "2026-03-08", "--csv")
	if err != nil {
		t.Fatal(err)
	}
	want := "from,to,cadence_id,cadence,step,purpose,touches,replies,reply_rate,touches_all_time,replies_all_time,reply_rate_all_time\n" +
		"2026-03-02,2026-03-08,demo,"
	if !strings.HasPrefix(out, want) || !strings.Contains(out, ",2,1,0.5000,2,1,0.5000\n") || strings.Count(out, "\n") != 2 {
		t.Errorf("report --csv:\n%s\nwant one row for step 1 beginning with\n%s", out, want)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "2026-03-09", "--to", "2026-03-08"}, "--from must not be after --to"},
		{[]string{"--from", "March"}, `"March" is not a date; use YYYY-MM-DD`},
		{[]string{"--to", "2026-02-30"}, `"2026-02-30" is not a date; use YYYY-MM-DD`},
		{[]string{"extra"}, "report takes no arguments"},
	} {
		if _, _, err := runCmd(t, env, append([]string{"report"}, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("report %q: err = %v, want %q", c.args, err, c.want)
		}
	}
}
