package report

import (
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func TestCronLast(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	s, err := Schedule("0 9 * * MON", berlin)
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec() != "CRON_TZ=Europe/Berlin 0 9 * * MON" {
		t.Errorf("Spec() = %q", s.Spec())
	}
	mon := time.Date(2026, 3, 9, 9, 0, 0, 0, berlin)
	for _, c := range []struct {
		now, want time.Time
	}{
		{mon, mon},
		{mon.Add(-time.Minute), mon.AddDate(0, 0, -7)},
		{mon.AddDate(0, 0, 3), mon},
		{mon.AddDate(0, 0, 20), mon.AddDate(0, 0, 14)},
		{mon.AddDate(0, 0, 60), mon.AddDate(0, 0, 56)},
	} {
		if got := s.Last(c.now); !got.Equal(c.want) {
			t.Errorf("Last(%s) = %s, want %s", c.now, got, c.want)
		}
	}
	// Across the spring change (29 March 2026 in Berlin) the report stays at 09:00 local time.
	if got, want := s.Next(time.Date(2026, 3, 28, 0, 0, 0, 0, berlin)), time.Date(2026, 3, 30, 9, 0, 0, 0, berlin); !got.Equal(want) || got.UTC().Hour() != 7 {
		t.Errorf("Next across DST = %s, want %s (07:00 UTC)", got, want)
	}
	// A schedule that never fires in the 45 days looked back has no last firing.
	feb30, err := Schedule("0 9 30 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := feb30.Last(mon); !got.IsZero() {
		t.Errorf("Last of 30 February = %s, want none", got)
	}
}

func TestScheduleRefuses(t *testing.T) {
	for _, spec := range []string{"", "every monday", "0 9 * * MON *", "CRON_TZ=UTC 0 9 * * MON", "TZ=Europe/Berlin 0 9 * * MON", "61 9 * * *"} {
		_, err := Schedule(spec, time.UTC)
		if cadence.ErrorCode(err) != cadence.EINVALID {
			t.Errorf("Schedule(%q): err = %v, want EINVALID", spec, err)
		}
	}
	if _, err := Schedule("CRON_TZ=UTC 0 9 * * MON", nil); err == nil || !strings.Contains(err.Error(), "FOLLOWUP_TIMEZONE") {
		t.Errorf("a spec with its own zone: %v; want a hint at FOLLOWUP_TIMEZONE", err)
	}
	for _, spec := range []string{"0 9 * * MON", " @weekly ", "30 8 * * 1-5"} {
		if _, err := Schedule(spec, nil); err != nil {
			t.Errorf("Schedule(%q): %v", spec, err)
		}
	}
}

// TestWeeks: the week a report covers is seven calendar days in the team's zone, midnight to
// midnight, whatever the hour it fires and across DST changes, east and west of UTC.
func TestWeeks(t *testing.T) {
	zones := map[string]*time.Location{}
	for _, name := range []string{"Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skip("no tzdata")
		}
		zones[name] = loc
	}
	day := func(loc *time.Location, y int, m time.Month, d, h int) time.Time {
		return time.Date(y, m, d, h, 0, 0, 0, loc)
	}
	for _, c := range []struct {
		zone         string
		at, from, to time.Time
		hours        float64
	}{
		{"Europe/Berlin", day(zones["Europe/Berlin"], 2026, 3, 9, 9), day(zones["Europe/Berlin"], 2026, 3, 2, 0), day(zones["Europe/Berlin"], 2026, 3, 9, 0), 168},
		// The week with the spring change has 167 hours, the one with the autumn change 169.
		{"Europe/Berlin", day(zones["Europe/Berlin"], 2026, 3, 30, 9), day(zones["Europe/Berlin"], 2026, 3, 23, 0), day(zones["Europe/Berlin"], 2026, 3, 30, 0), 167},
		{"America/Los_Angeles", day(zones["America/Los_Angeles"], 2026, 11, 2, 9), day(zones["America/Los_Angeles"], 2026, 10, 26, 0), day(zones["America/Los_Angeles"], 2026, 11, 2, 0), 169},
		// Monday 02:00 in Kolkata is still Sunday in UTC: the zone decides the day.
		{"Asia/Kolkata", day(zones["Asia/Kolkata"], 2026, 3, 9, 2), day(zones["Asia/Kolkata"], 2026, 3, 2, 0), day(zones["Asia/Kolkata"], 2026, 3, 9, 0), 168},
	} {
		from, to := WeekBefore(c.at.UTC(), zones[c.zone])
		if !from.Equal(c.from) || !to.Equal(c.to) || to.Sub(from).Hours() != c.hours {
			t.Errorf("%s: WeekBefore(%s) = %s – %s, want %s – %s (%v h)", c.zone, c.at, from, to, c.from, c.to, c.hours)
		}
	}
	berlin := zones["Europe/Berlin"]
	from, to := WeekEnding(day(berlin, 2026, 3, 30, 15), berlin)
	if !from.Equal(day(berlin, 2026, 3, 23, 15)) || !to.Equal(day(berlin, 2026, 3, 30, 15)) {
		t.Errorf("WeekEnding = %s – %s", from, to)
	}
	if from, _ := WeekBefore(day(time.UTC, 2026, 3, 9, 9), nil); !from.Equal(day(time.UTC, 2026, 3, 2, 0)) {
		t.Errorf("WeekBefore in no zone = %s, want UTC's", from)
	}
}
