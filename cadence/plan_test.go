package cadence

import (
	"testing"
	"time"
)

// testProposal is a proposal cadence whose normal plan takes 8 business days.
func testProposal(tb testing.TB) Cadence {
	tb.Helper()
	return Cadence{ID: "p", Trigger: TriggerProposal, Steps: []Step{
		{Gap: mustGap(tb, "0"), Channel: ChannelEmail, Purpose: PurposeRecapNextStep},
		{Gap: mustGap(tb, "2bd"), Channel: ChannelPhone, Purpose: PurposeAnswerConcern},
		{Gap: mustGap(tb, "3bd"), Channel: ChannelEmail, Purpose: PurposeShareContext},
		{Gap: mustGap(tb, "3bd"), Channel: ChannelEmail, Purpose: PurposeCloseLoop},
	}}
}

func mustDate(tb testing.TB, s string) time.Time {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestPlan(t *testing.T) {
	w := mustWindow(t, "UTC", "09:00-17:00", "Mon-Fri")
	c := testProposal(t)
	from := mustTime(t, "2026-03-09T10:00:00Z") // a Monday
	normal := []string{"2026-03-09T10:00:00Z", "2026-03-11T10:00:00Z", "2026-03-16T10:00:00Z", "2026-03-19T10:00:00Z"}
	tests := []struct {
		name     string
		trigger  Trigger
		decision string
		from     int
		want     []string
	}{
		{"no decision date: normal gaps", TriggerProposal, "", 0, normal},
		{"normal plan fits before the decision date: kept", TriggerProposal, "2026-03-31", 0, normal},
		{"not a proposal: no pacing", TriggerDemo, "2026-03-13", 0, normal},
		{"paced evenly toward the working day before the decision", TriggerProposal, "2026-03-13", 0,
			[]string{"2026-03-09T10:00:00Z", "2026-03-10T09:40:00Z", "2026-03-11T09:20:00Z", "2026-03-12T09:00:00Z"}},
		{"deadline skips the weekend before a Monday decision", TriggerProposal, "2026-03-16", 0,
			// 95h to Fri 13 Mar 09:00: slot 1 (Tue 17:40) is after hours and opens Wed 09:00.
			[]string{"2026-03-09T10:00:00Z", "2026-03-11T09:00:00Z", "2026-03-12T09:00:00Z", "2026-03-13T09:00:00Z"}},
		{"a normal gap earlier than its pacing slot is kept", TriggerProposal, "2026-03-18", 0,
			// Deadline Tue 17 Mar 09:00 (191h): slot 1 is Thu 01:40 -> 09:00, later than the normal 2bd
			// (Wed 10:00), which is kept; slot 2 is Sat 17:20 -> Mon 09:00, earlier than Mon 10:00.
			[]string{"2026-03-09T10:00:00Z", "2026-03-11T10:00:00Z", "2026-03-16T09:00:00Z", "2026-03-17T09:00:00Z"}},
		{"no time left before the deadline: normal gaps", TriggerProposal, "2026-03-10", 0, normal},
		{"from a later step", TriggerProposal, "2026-03-13", 2,
			[]string{"2026-03-09T10:00:00Z", "2026-03-12T09:00:00Z"}},
	}
	for _, tt := range tests {
		c.Trigger = tt.trigger
		e := Enrollment{Intent: IntentWarm}
		if tt.decision != "" {
			e.DecisionDate = mustDate(t, tt.decision)
		}
		got := Plan(c, e, w, tt.from, from)
		if len(got) != len(tt.want) {
			t.Errorf("%s: Plan has %d entries, want %d", tt.name, len(got), len(tt.want))
			continue
		}
		for i := range got {
			sameTime(t, tt.name, got[i], mustTime(t, tt.want[i]))
			if i > 0 && got[i].Before(got[i-1]) {
				t.Errorf("%s: step %d before step %d", tt.name, i, i-1)
			}
		}
	}
	if Plan(c, Enrollment{}, w, 4, from) != nil || Plan(c, Enrollment{}, w, -1, from) != nil {
		t.Error("Plan outside the steps should be nil")
	}
}

func TestTimelinePassed(t *testing.T) {
	w := mustWindow(t, "America/New_York", "09:00-17:00", "Mon-Fri")
	e := Enrollment{DecisionDate: mustDate(t, "2026-03-13")}
	tests := []struct {
		now  string
		want bool
	}{
		{"2026-03-13T16:00:00-04:00", false},
		{"2026-03-13T23:59:59-04:00", false}, // already 14 Mar in UTC: the rep's zone decides
		{"2026-03-14T00:00:00-04:00", true},
		{"2026-04-01T10:00:00-04:00", true},
	}
	for _, tt := range tests {
		if got := TimelinePassed(e, w, mustTime(t, tt.now)); got != tt.want {
			t.Errorf("TimelinePassed at %s = %v, want %v", tt.now, got, tt.want)
		}
	}
	if TimelinePassed(Enrollment{}, w, mustTime(t, "2030-01-01T00:00:00Z")) {
		t.Error("no decision date never passes")
	}
}

func TestFirstDue(t *testing.T) {
	w := mustWindow(t, "UTC", "09:00-17:00", "Mon-Fri")
	one := func(gap string) Cadence {
		return Cadence{Trigger: TriggerDemo, Steps: []Step{{Gap: mustGap(t, gap), Channel: ChannelEmail, Purpose: PurposeRecapNextStep}}}
	}
	saturdayStart, err := w.StartOn("2026-03-14")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		c         Cadence
		triggerAt time.Time
		intent    Intent
		now, want string
	}{
		{"no trigger time: from now", one("1h"), time.Time{}, IntentWarm, "2026-03-06T16:30:00Z", "2026-03-09T09:00:00Z"},
		{"gap 0: at once", one("0"), time.Time{}, IntentWarm, "2026-03-06T11:00:00Z", "2026-03-06T11:00:00Z"},
		{"backdated trigger: the gap runs from it", one("3bd"), mustTime(t, "2026-03-04T10:00:00Z"), IntentWarm, "2026-03-05T12:00:00Z", "2026-03-09T10:00:00Z"},
		{"backdated trigger: never before now", one("1h"), mustTime(t, "2026-03-02T10:00:00Z"), IntentWarm, "2026-03-05T12:00:00Z", "2026-03-05T12:00:00Z"},
		{"start date on a Saturday: Monday", one("0"), saturdayStart, IntentWarm, "2026-03-05T12:00:00Z", "2026-03-16T09:00:00Z"},
		{"hot halves the first gap", one("4h"), time.Time{}, IntentHot, "2026-03-05T10:00:00Z", "2026-03-05T12:00:00Z"},
	}
	for _, tt := range tests {
		e := Enrollment{TriggerAt: tt.triggerAt, Intent: tt.intent}
		sameTime(t, tt.name, FirstDue(tt.c, e, w, mustTime(t, tt.now)), mustTime(t, tt.want))
	}

	// A paced proposal's first touch is due by the deadline.
	c := testProposal(t)
	c.Steps[0].Gap = mustGap(t, "1w")
	e := Enrollment{Intent: IntentWarm, DecisionDate: mustDate(t, "2026-03-13")}
	sameTime(t, "paced first touch", FirstDue(c, e, w, mustTime(t, "2026-03-09T10:00:00Z")), mustTime(t, "2026-03-12T09:00:00Z"))
}
