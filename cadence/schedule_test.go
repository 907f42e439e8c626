package cadence

import (
	"testing"
	"time"
)

// Reference dates (2026): New York springs forward Sun 8 Mar (02:00 -> 03:00 EDT) and falls back
// Sun 1 Nov (02:00 EDT -> 01:00 EST); Berlin Sun 29 Mar and Sun 25 Oct; Auckland falls back Sun 5
// Apr (03:00 NZDT -> 02:00 NZST). Fri 6 Mar, Thu 24 Dec.

func TestLocalAtDST(t *testing.T) {
	ny, berlin := mustLoc(t, "America/New_York"), mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name  string
		loc   *time.Location
		y     int
		m     time.Month
		d     int
		clock time.Duration
		want  string
	}{
		{"NY nonexistent 02:30 moves forward", ny, 2026, 3, 8, 2*time.Hour + 30*time.Minute, "2026-03-08T03:30:00-04:00"},
		{"Berlin nonexistent 02:30 moves forward", berlin, 2026, 3, 29, 2*time.Hour + 30*time.Minute, "2026-03-29T03:30:00+02:00"},
		{"NY ambiguous 01:30 is the first", ny, 2026, 11, 1, time.Hour + 30*time.Minute, "2026-11-01T01:30:00-04:00"},
		{"Berlin ambiguous 02:30 is the first", berlin, 2026, 10, 25, 2*time.Hour + 30*time.Minute, "2026-10-25T02:30:00+02:00"},
		{"NY ordinary", ny, 2026, 3, 9, 9 * time.Hour, "2026-03-09T09:00:00-04:00"},
		{"month overflow", ny, 2026, 2, 30, 9 * time.Hour, "2026-03-02T09:00:00-05:00"},
	}
	for _, tt := range tests {
		sameTime(t, tt.name, localAt(tt.y, tt.m, tt.d, tt.clock, tt.loc), mustTime(t, tt.want))
	}
}

func TestIsOpen(t *testing.T) {
	utc := mustWindow(t, "UTC", "09:00-17:00", "Mon-Fri", "2026-12-25")
	akl := mustWindow(t, "Pacific/Auckland", "09:00-17:00", "Mon-Fri")
	allDay := mustWindow(t, "UTC", "00:00-24:00", "Mon-Sun")
	away := utc
	away.AwayFrom, away.AwayUntil = "2026-03-09", "2026-03-13"
	tests := []struct {
		name string
		w    Window
		at   string
		want bool
	}{
		{"start is open", utc, "2026-03-06T09:00:00Z", true},
		{"end is closed", utc, "2026-03-06T17:00:00Z", false},
		{"just before end", utc, "2026-03-06T16:59:59Z", true},
		{"before start", utc, "2026-03-06T08:59:00Z", false},
		{"Saturday", utc, "2026-03-07T10:00:00Z", false},
		{"holiday", utc, "2026-12-25T10:00:00Z", false},
		{"away", away, "2026-03-11T10:00:00Z", false},
		{"after away", away, "2026-03-16T10:00:00Z", true},
		// Monday 09:00 in Auckland is Sunday 20:00 UTC: the local date decides.
		{"Auckland Monday morning on a UTC Sunday", akl, "2026-03-08T20:00:00Z", true},
		{"Auckland Saturday morning on a UTC Friday", akl, "2026-03-06T21:00:00Z", false},
		{"all day at midnight", allDay, "2026-03-07T00:00:00Z", true},
		{"all day just before midnight", allDay, "2026-03-08T23:59:59Z", true},
	}
	for _, tt := range tests {
		if got := tt.w.IsOpen(mustTime(t, tt.at)); got != tt.want {
			t.Errorf("%s: IsOpen(%s) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestNext(t *testing.T) {
	utc := mustWindow(t, "UTC", "09:00-17:00", "Mon-Fri", "2026-12-25", "2027-01-01")
	ny := mustWindow(t, "America/New_York", "09:00-17:00", "Mon-Fri")
	nyEarly := mustWindow(t, "America/New_York", "02:00-10:00", "Mon-Sun")
	nyNight := mustWindow(t, "America/New_York", "01:30-10:00", "Mon-Sun")
	berlinEarly := mustWindow(t, "Europe/Berlin", "02:30-10:00", "Mon-Sun")
	nyLate := mustWindow(t, "America/New_York", "02:30-10:00", "Mon-Sun")
	aklEarly := mustWindow(t, "Pacific/Auckland", "02:30-10:00", "Mon-Sun")
	akl := mustWindow(t, "Pacific/Auckland", "09:00-17:00", "Mon-Fri")
	allDay := mustWindow(t, "UTC", "00:00-24:00", "Mon-Sun")
	away := utc
	away.AwayFrom, away.AwayUntil = "2026-03-09", "2026-03-13"
	tests := []struct {
		name     string
		w        Window
		at, want string
	}{
		{"open stays", utc, "2026-03-06T10:00:00Z", "2026-03-06T10:00:00Z"},
		{"before start moves to start", utc, "2026-03-06T07:15:00Z", "2026-03-06T09:00:00Z"},
		{"Friday evening moves to Monday", utc, "2026-03-06T17:00:00Z", "2026-03-09T09:00:00Z"},
		{"Saturday moves to Monday", utc, "2026-03-07T12:00:00Z", "2026-03-09T09:00:00Z"},
		{"holidays skipped", utc, "2026-12-24T18:00:00Z", "2026-12-28T09:00:00Z"},
		{"New Year skipped", utc, "2026-12-31T17:30:00Z", "2027-01-04T09:00:00Z"},
		{"away period skipped", away, "2026-03-06T18:00:00Z", "2026-03-16T09:00:00Z"},
		{"NY weekend across spring forward", ny, "2026-03-06T17:30:00-05:00", "2026-03-09T09:00:00-04:00"},
		{"NY start in the missing hour opens after it", nyEarly, "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00"},
		{"NY fall back opens at the first 01:30", nyNight, "2026-11-01T00:10:00-04:00", "2026-11-01T01:30:00-04:00"},
		{"NY second 01:30 is open too", nyNight, "2026-11-01T01:40:00-05:00", "2026-11-01T01:40:00-05:00"},
		{"Berlin start in the missing hour opens after it", berlinEarly, "2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"NY 02:30 start in the missing hour opens after it", nyLate, "2026-03-08T00:30:00-05:00", "2026-03-08T03:00:00-04:00"},
		{"Auckland start in the missing hour opens after it", aklEarly, "2026-09-26T23:00:00+12:00", "2026-09-27T03:00:00+13:00"},
		{"the day after the change opens at its start", berlinEarly, "2026-03-29T10:30:00+02:00", "2026-03-30T02:30:00+02:00"},
		{"Auckland Friday evening to Monday (Sunday UTC)", akl, "2026-03-06T17:00:00+13:00", "2026-03-08T20:00:00Z"},
		{"Auckland across DST end", akl, "2026-04-03T18:00:00+13:00", "2026-04-06T09:00:00+12:00"},
		{"all day never moves", allDay, "2026-03-07T03:00:00Z", "2026-03-07T03:00:00Z"},
	}
	for _, tt := range tests {
		got := tt.w.Next(mustTime(t, tt.at))
		sameTime(t, tt.name, got, mustTime(t, tt.want))
		if !tt.w.IsOpen(got) {
			t.Errorf("%s: Next = %s is not open", tt.name, got)
		}
	}
}

func TestDue(t *testing.T) {
	utc := mustWindow(t, "UTC", "09:00-17:00", "Mon-Fri", "2026-12-25", "2027-01-01")
	nyAll := mustWindow(t, "America/New_York", "00:00-24:00", "Mon-Sun")
	ny7 := mustWindow(t, "America/New_York", "09:00-17:00", "Mon-Sun")
	ny := mustWindow(t, "America/New_York", "09:00-17:00", "Mon-Fri")
	berlinAll := mustWindow(t, "Europe/Berlin", "00:00-24:00", "Mon-Sun")
	berlin := mustWindow(t, "Europe/Berlin", "09:00-17:00", "Mon-Fri")
	akl := mustWindow(t, "Pacific/Auckland", "09:00-17:00", "Mon-Fri")
	away := utc
	away.AwayFrom, away.AwayUntil = "2026-03-09", "2026-03-13"
	tests := []struct {
		name        string
		w           Window
		anchor, gap string
		in          Intent
		want        string
	}{
		{"zero gap is at once", utc, "2026-03-06T10:00:00Z", "0", IntentWarm, "2026-03-06T10:00:00Z"},
		{"zero gap stays zero when hot", utc, "2026-03-06T10:00:00Z", "0", IntentHot, "2026-03-06T10:00:00Z"},
		{"zero gap out of hours moves", utc, "2026-03-06T19:00:00Z", "0", IntentCold, "2026-03-09T09:00:00Z"},
		{"hours past the end move to the next day", utc, "2026-03-05T15:00:00Z", "4h", IntentWarm, "2026-03-06T09:00:00Z"},
		{"Friday afternoon to Monday", utc, "2026-03-06T16:30:00Z", "1h", IntentWarm, "2026-03-09T09:00:00Z"},
		{"2d over a weekend", utc, "2026-03-05T10:00:00Z", "2d", IntentWarm, "2026-03-09T09:00:00Z"},
		{"1w", utc, "2026-03-05T10:00:00Z", "1w", IntentWarm, "2026-03-12T10:00:00Z"},
		{"2bd over a weekend keeps time of day", utc, "2026-03-05T10:00:00Z", "2bd", IntentWarm, "2026-03-09T10:00:00Z"},
		{"1bd from a Saturday", utc, "2026-03-07T11:00:00Z", "1bd", IntentWarm, "2026-03-09T11:00:00Z"},
		{"3bd across Christmas", utc, "2026-12-24T10:00:00Z", "3bd", IntentWarm, "2026-12-30T10:00:00Z"},
		{"2bd across New Year", utc, "2026-12-30T10:00:00Z", "2bd", IntentWarm, "2027-01-04T10:00:00Z"},
		{"1bd into the away period waits for it to end", away, "2026-03-06T10:00:00Z", "1bd", IntentWarm, "2026-03-16T09:00:00Z"},
		{"business days count away days", away, "2026-03-06T10:00:00Z", "7bd", IntentWarm, "2026-03-17T10:00:00Z"},

		// Intent scaling.
		{"hot 2d is 1d", utc, "2026-03-09T10:00:00Z", "2d", IntentHot, "2026-03-10T10:00:00Z"},
		{"cold 2d is 3d", utc, "2026-03-09T10:00:00Z", "2d", IntentCold, "2026-03-12T10:00:00Z"},
		{"hot 1d is 12h absolute", utc, "2026-03-09T10:00:00Z", "1d", IntentHot, "2026-03-10T09:00:00Z"},
		{"cold 1d is 36h absolute", utc, "2026-03-09T10:00:00Z", "1d", IntentCold, "2026-03-11T09:00:00Z"},
		{"hot 4h is 2h", utc, "2026-03-09T10:00:00Z", "4h", IntentHot, "2026-03-09T12:00:00Z"},
		{"hot 3bd is 2bd", utc, "2026-03-09T10:00:00Z", "3bd", IntentHot, "2026-03-11T10:00:00Z"},
		{"cold 3bd is 5bd", utc, "2026-03-09T10:00:00Z", "3bd", IntentCold, "2026-03-16T10:00:00Z"},
		{"hot 1bd stays 1bd", utc, "2026-03-09T10:00:00Z", "1bd", IntentHot, "2026-03-10T10:00:00Z"},

		// New York DST.
		{"NY 2d across spring forward keeps 10:00", ny7, "2026-03-07T10:00:00-05:00", "2d", IntentWarm, "2026-03-09T10:00:00-04:00"},
		{"NY 2bd across spring forward keeps 10:00", ny, "2026-03-06T10:00:00-05:00", "2bd", IntentWarm, "2026-03-10T10:00:00-04:00"},
		{"NY 4h across spring forward is absolute", nyAll, "2026-03-07T23:00:00-05:00", "4h", IntentWarm, "2026-03-08T04:00:00-04:00"},
		{"NY 1d into the missing hour moves forward", nyAll, "2026-03-07T02:30:00-05:00", "1d", IntentWarm, "2026-03-08T03:30:00-04:00"},
		{"NY 1d into the repeated hour is the first", nyAll, "2026-10-31T01:30:00-04:00", "1d", IntentWarm, "2026-11-01T01:30:00-04:00"},
		{"NY 2d across fall back keeps 10:00", ny7, "2026-10-31T10:00:00-04:00", "2d", IntentWarm, "2026-11-02T10:00:00-05:00"},
		{"NY 1h across fall back is absolute", nyAll, "2026-11-01T01:30:00-04:00", "1h", IntentWarm, "2026-11-01T01:30:00-05:00"},

		// Berlin DST.
		{"Berlin 2d across spring forward keeps 10:00", berlinAll, "2026-03-27T10:00:00+01:00", "2d", IntentWarm, "2026-03-29T10:00:00+02:00"},
		{"Berlin 1d into the missing hour", berlinAll, "2026-03-28T02:30:00+01:00", "1d", IntentWarm, "2026-03-29T03:30:00+02:00"},
		{"Berlin 1d into the repeated hour is the first", berlinAll, "2026-10-24T02:30:00+02:00", "1d", IntentWarm, "2026-10-25T02:30:00+02:00"},
		{"Berlin 4h across fall back is absolute", berlinAll, "2026-10-25T00:00:00+02:00", "4h", IntentWarm, "2026-10-25T03:00:00+01:00"},
		{"Berlin 1w across fall back keeps 09:30", berlin, "2026-10-21T09:30:00+02:00", "1w", IntentWarm, "2026-10-28T09:30:00+01:00"},

		// Auckland, east of UTC: the local date, not the UTC date, counts.
		{"Auckland Friday 16:00 + 2h is Monday 09:00", akl, "2026-03-06T16:00:00+13:00", "2h", IntentWarm, "2026-03-09T09:00:00+13:00"},
		{"Auckland 1bd from Monday across UTC midnight", akl, "2026-03-09T10:00:00+13:00", "1bd", IntentWarm, "2026-03-10T10:00:00+13:00"},
		{"Auckland 2d across DST end to Monday", akl, "2026-04-03T10:00:00+13:00", "2d", IntentWarm, "2026-04-06T09:00:00+12:00"},
		{"Auckland 3bd across DST end keeps 10:00", akl, "2026-04-02T10:00:00+13:00", "3bd", IntentWarm, "2026-04-07T10:00:00+12:00"},
	}
	for _, tt := range tests {
		got := tt.w.Due(mustTime(t, tt.anchor), mustGap(t, tt.gap), tt.in)
		sameTime(t, tt.name, got, mustTime(t, tt.want))
		if !tt.w.IsOpen(got) {
			t.Errorf("%s: Due = %s is not open", tt.name, got)
		}
	}
}

func TestStartOn(t *testing.T) {
	w := mustWindow(t, "Pacific/Auckland", "09:00-17:00", "Mon-Fri")
	got, err := w.StartOn("2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	sameTime(t, "StartOn", got, mustTime(t, "2026-03-10T09:00:00+13:00"))
	_, err = w.StartOn("next tuesday")
	wantCode(t, err, EINVALID)
}

// TestDueProperties sweeps a year in three zones (both DST changes, east and west of UTC): every
// due time is open, never before its anchor, and Next of it is itself.
func TestDueProperties(t *testing.T) {
	gaps := []Gap{mustGap(t, "0"), mustGap(t, "30m"), mustGap(t, "4h"), mustGap(t, "1d"), mustGap(t, "2bd")}
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Pacific/Auckland"} {
		w := mustWindow(t, zone, "02:30-10:00", "Mon-Fri", "2026-12-25")
		start := mustTime(t, "2026-01-01T00:00:00Z")
		for at := start; at.Before(start.AddDate(1, 0, 0)); at = at.Add(97 * time.Minute) {
			for i, g := range gaps {
				due := w.Due(at, g, Intents[i%len(Intents)])
				if due.Before(at) || !w.IsOpen(due) || !w.Next(due).Equal(due) {
					t.Fatalf("%s: Due(%s, %s) = %s: before the anchor or not open", zone, at.Format(time.RFC3339), g, due.Format(time.RFC3339))
				}
			}
		}
	}
}
