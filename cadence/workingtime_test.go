package cadence

import (
	"strings"
	"testing"
	"time"
)

func TestParseHours(t *testing.T) {
	tests := []struct {
		in         string
		start, end time.Duration
		err        string
	}{
		{in: "09:00-17:00", start: 9 * time.Hour, end: 17 * time.Hour},
		{in: "9:30-17:45", start: 9*time.Hour + 30*time.Minute, end: 17*time.Hour + 45*time.Minute},
		{in: " 08:00 - 12:00 ", start: 8 * time.Hour, end: 12 * time.Hour},
		{in: "00:00-24:00", start: 0, end: 24 * time.Hour},
		{in: "25:00-17:00", err: `"25:00" is not a time of day`},
		{in: "09:00-24:30", err: "is not a time of day"},
		{in: "09:60-17:00", err: "is not a time of day"},
		{in: "17:00-09:00", err: "the start must come before the end"},
		{in: "09:00-09:00", err: "the start must come before the end"},
		{in: "24:00-24:00", err: "can't start at 24:00"},
		{in: "9-5", err: "is not a time of day"},
		{in: "", err: "use HH:MM-HH:MM"},
		{in: "nine to five", err: "use HH:MM-HH:MM"},
	}
	for _, tt := range tests {
		start, end, err := ParseHours(tt.in)
		if tt.err != "" {
			wantCode(t, err, EINVALID)
			if !strings.Contains(ErrorMessage(err), tt.err) {
				t.Errorf("ParseHours(%q) error %q, want %q", tt.in, ErrorMessage(err), tt.err)
			}
			continue
		}
		if err != nil || start != tt.start || end != tt.end {
			t.Errorf("ParseHours(%q) = %v, %v, %v; want %v, %v", tt.in, start, end, err, tt.start, tt.end)
		}
	}
}

func TestParseDays(t *testing.T) {
	const (
		su = 1 << time.Sunday
		mo = 1 << time.Monday
		tu = 1 << time.Tuesday
		we = 1 << time.Wednesday
		th = 1 << time.Thursday
		fr = 1 << time.Friday
		sa = 1 << time.Saturday
	)
	tests := []struct {
		in   string
		want int
		fmt  string
	}{
		{"Mon-Fri", mo | tu | we | th | fr, "Mon-Fri"},
		{"mon,wed,fri", mo | we | fr, "Mon,Wed,Fri"},
		{"Mon-Sun", su | mo | tu | we | th | fr | sa, "Mon-Sun"},
		{"Sun-Thu", su | mo | tu | we | th, "Mon-Thu,Sun"},
		{"Sat-Mon", sa | su | mo, "Mon,Sat-Sun"},
		{"Monday, Tuesday", mo | tu, "Mon-Tue"},
		{"Mon-Wed,Fri", mo | tu | we | fr, "Mon-Wed,Fri"},
	}
	for _, tt := range tests {
		days, err := ParseDays(tt.in)
		if err != nil {
			t.Errorf("ParseDays(%q): %v", tt.in, err)
			continue
		}
		got := 0
		for d, ok := range days {
			if ok {
				got |= 1 << d
			}
		}
		if got != tt.want {
			t.Errorf("ParseDays(%q) = %07b, want %07b", tt.in, got, tt.want)
		}
		if f := FormatDays(days); f != tt.fmt {
			t.Errorf("FormatDays(ParseDays(%q)) = %q, want %q", tt.in, f, tt.fmt)
		}
	}
	for _, bad := range []string{"", ",", "Mon-Fry", "Funday", "1-5"} {
		_, err := ParseDays(bad)
		wantCode(t, err, EINVALID)
	}
}

func TestParseDatesAndHolidays(t *testing.T) {
	d, err := ParseDate("2026-12-25")
	if err != nil || !d.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"", "2026-13-01", "25.12.2026", "2026-02-30"} {
		_, err := ParseDate(bad)
		wantCode(t, err, EINVALID)
	}
	h, err := ParseHolidays("2026-12-25,2027-01-01\n2026-12-26")
	if err != nil || len(h) != 3 || !h["2026-12-25"] || !h["2027-01-01"] || !h["2026-12-26"] {
		t.Errorf("ParseHolidays = %v, %v", h, err)
	}
	if h, err := ParseHolidays(""); err != nil || len(h) != 0 || h == nil {
		t.Errorf("ParseHolidays(\"\") = %v, %v", h, err)
	}
	_, err = ParseHolidays("2026-12-25,christmas")
	wantCode(t, err, EINVALID)
	if !strings.Contains(ErrorMessage(err), `"christmas" is not a date`) {
		t.Errorf("ParseHolidays error = %q", ErrorMessage(err))
	}
}

func TestDefaultWindow(t *testing.T) {
	w := DefaultWindow()
	if w.Location != time.UTC || w.HoursString() != "09:00-17:00" || FormatDays(w.Days) != "Mon-Fri" {
		t.Errorf("DefaultWindow = %v %s %s", w.Location, w.HoursString(), FormatDays(w.Days))
	}
	if err := w.Validate(); err != nil {
		t.Error(err)
	}
}

func TestRepWindow(t *testing.T) {
	team := DefaultWindow()
	team.Holidays = map[string]bool{"2026-12-25": true}

	w, err := Rep{}.Window(team)
	if err != nil || w.Location != time.UTC || w.HoursString() != "09:00-17:00" {
		t.Fatalf("empty rep window = %+v, %v", w, err)
	}

	r := Rep{TimeZone: "Europe/Berlin", Hours: "08:00-16:00", Days: "Mon-Thu", AwayFrom: "2026-08-03", AwayUntil: "2026-08-14"}
	w, err = r.Window(team)
	if err != nil {
		t.Fatal(err)
	}
	if w.Location.String() != "Europe/Berlin" || w.HoursString() != "08:00-16:00" || FormatDays(w.Days) != "Mon-Thu" ||
		w.AwayFrom != "2026-08-03" || w.AwayUntil != "2026-08-14" || !w.Holidays["2026-12-25"] {
		t.Errorf("rep window = %+v", w)
	}

	bad := []struct {
		rep  Rep
		want string
	}{
		{Rep{TimeZone: "Mars/Olympus"}, `unknown time zone "Mars/Olympus"`},
		{Rep{Hours: "25:00-17:00"}, "is not a time of day"},
		{Rep{Days: "Weekdays"}, "unknown day"},
		{Rep{AwayFrom: "2026-08-03"}, "needs both"},
		{Rep{AwayFrom: "2026-08-03", AwayUntil: "2026-08-01"}, "ends before it starts"},
		{Rep{AwayFrom: "soon", AwayUntil: "later"}, "is not a date"},
	}
	for _, tt := range bad {
		_, err := tt.rep.Window(team)
		wantCode(t, err, EINVALID)
		if !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("%+v: error %q, want %q", tt.rep, ErrorMessage(err), tt.want)
		}
	}
}
