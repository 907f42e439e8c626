package cadence

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DateLayout is the layout of every date a person types or the domain keys by: "2006-01-02".
const DateLayout = "2006-01-02"

// DefaultWindow returns the team window used when nothing is configured: UTC, 09:00-17:00,
// Monday to Friday, no holidays.
func DefaultWindow() Window {
	return Window{
		Location: time.UTC,
		Start:    9 * time.Hour,
		End:      17 * time.Hour,
		Days:     [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Holidays: map[string]bool{},
	}
}

const hoursHelp = "use HH:MM-HH:MM like 09:00-17:00 (00:00-24:00 means all day)"

// ParseHours parses working hours "HH:MM-HH:MM" (one-digit hours such as "9:00" are read too) into
// the start and end of the working day as durations from local midnight. The end is exclusive and
// may be "24:00"; "00:00-24:00" means all day. Hours that cross midnight ("17:00-09:00") are not
// supported: the start must come before the end.
//
// It returns a coded EINVALID error for anything else ("25:00-17:00", "9-5", "").
func ParseHours(s string) (start, end time.Duration, err error) {
	t := strings.TrimSpace(s)
	a, b, ok := strings.Cut(t, "-")
	if !ok {
		return 0, 0, Errorf(EINVALID, "working hours %q: %s", s, hoursHelp)
	}
	start, ok1 := parseClock(strings.TrimSpace(a))
	end, ok2 := parseClock(strings.TrimSpace(b))
	switch {
	case !ok1:
		return 0, 0, Errorf(EINVALID, "working hours %q: %q is not a time of day; %s", s, a, hoursHelp)
	case !ok2:
		return 0, 0, Errorf(EINVALID, "working hours %q: %q is not a time of day; %s", s, b, hoursHelp)
	case start == 24*time.Hour:
		return 0, 0, Errorf(EINVALID, "working hours %q: the day can't start at 24:00; %s", s, hoursHelp)
	case start >= end:
		return 0, 0, Errorf(EINVALID, "working hours %q: the start must come before the end (hours across midnight are not supported); %s", s, hoursHelp)
	}
	return start, end, nil
}

// parseClock reads "H:MM" or "HH:MM", 00:00 to 24:00.
func parseClock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !isDigits(h) || !isDigits(m) {
		return 0, false
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"tues": time.Tuesday, "thur": time.Thursday, "thurs": time.Thursday,
}

const daysHelp = "use day names and ranges like Mon-Fri, Mon,Wed,Fri or Mon-Sun"

// ParseDays parses working days: a comma-separated list of days and ranges such as "Mon-Fri",
// "Mon,Wed,Fri", "Mon-Thu,Sat" or "Mon-Sun" (every day). Names are English, three letters or in
// full, in any case. A range may wrap around the week ("Sat-Wed"). The result is indexed by
// time.Weekday.
//
// It returns a coded EINVALID error for an unknown day name or an empty list.
func ParseDays(s string) ([7]bool, error) {
	var days [7]bool
	found := false
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, isRange := strings.Cut(part, "-")
		from, ok := dayNames[strings.ToLower(strings.TrimSpace(a))]
		if !ok {
			return [7]bool{}, Errorf(EINVALID, "working days %q: unknown day %q; %s", s, strings.TrimSpace(a), daysHelp)
		}
		to := from
		if isRange {
			if to, ok = dayNames[strings.ToLower(strings.TrimSpace(b))]; !ok {
				return [7]bool{}, Errorf(EINVALID, "working days %q: unknown day %q; %s", s, strings.TrimSpace(b), daysHelp)
			}
		}
		for d := from; ; d = (d + 1) % 7 {
			days[d] = true
			if d == to {
				break
			}
		}
		found = true
	}
	if !found {
		return [7]bool{}, Errorf(EINVALID, "working days can't be empty; %s", daysHelp)
	}
	return days, nil
}

// FormatDays returns working days as ParseDays reads them, Monday first: "Mon-Fri", "Mon,Wed,Fri",
// "Mon-Sun".
func FormatDays(days [7]bool) string {
	var parts []string
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i := 0; i < len(order); {
		if !days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && days[order[j+1]] {
			j++
		}
		name := order[i].String()[:3]
		if j > i {
			name += "-" + order[j].String()[:3]
		}
		parts = append(parts, name)
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// ParseDate parses a date "2006-01-02" (DateLayout) and returns midnight UTC of that date; the
// domain reads such a date as a calendar date in whichever zone applies (see Window.StartOn).
// It returns a coded EINVALID error for anything else.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "%q is not a date; use YYYY-MM-DD like 2026-12-25", s)
	}
	return t, nil
}

// ParseHolidays parses a list of dates separated by commas, spaces or new lines
// ("2026-12-25,2027-01-01") into the set Window.Holidays holds. Empty text is an empty set.
// It returns a coded EINVALID error naming the first date that is not one.
func ParseHolidays(s string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		t, err := ParseDate(f)
		if err != nil {
			return nil, err
		}
		set[t.Format(DateLayout)] = true
	}
	return set, nil
}

// Validate checks a window built in code or from settings: the start before the end, the end at
// most 24:00, at least one working day, and an away period of two valid dates in order (or none).
// It returns a coded EINVALID error describing the first problem.
func (w Window) Validate() error {
	if w.Start < 0 || w.End > 24*time.Hour || w.Start >= w.End {
		return Errorf(EINVALID, "working hours %s-%s: the start must come before the end, within one day", fmtClock(w.Start), fmtClock(w.End))
	}
	if w.Days == ([7]bool{}) {
		return Errorf(EINVALID, "there must be at least one working day; %s", daysHelp)
	}
	if (w.AwayFrom == "") != (w.AwayUntil == "") {
		return Errorf(EINVALID, "an away period needs both a first and a last day")
	}
	if w.AwayFrom != "" {
		for _, d := range []string{w.AwayFrom, w.AwayUntil} {
			if _, err := ParseDate(d); err != nil {
				return err
			}
		}
		if w.AwayUntil < w.AwayFrom {
			return Errorf(EINVALID, "the away period %s to %s ends before it starts", w.AwayFrom, w.AwayUntil)
		}
	}
	return nil
}

// fmtClock formats a duration from midnight as "HH:MM".
func fmtClock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// HoursString returns the window's hours as ParseHours reads them: "09:00-17:00".
func (w Window) HoursString() string { return fmtClock(w.Start) + "-" + fmtClock(w.End) }

// Window returns the rep's working window: the team window with the rep's own settings over it.
// A non-empty TimeZone (an IANA name, loaded with time.LoadLocation), Hours or Days replaces the
// team's; AwayFrom and AwayUntil set the away period. Holidays are the team's.
//
// It returns a coded EINVALID error naming the setting that is wrong: an unknown time zone, bad
// hours or days, or an away period that is half set, not dates, or ends before it starts.
func (r Rep) Window(team Window) (Window, error) {
	w := team
	if w.Location == nil {
		w.Location = time.UTC
	}
	if r.TimeZone != "" {
		loc, err := time.LoadLocation(r.TimeZone)
		if err != nil || strings.EqualFold(r.TimeZone, "local") {
			return Window{}, Errorf(EINVALID, "unknown time zone %q; use an IANA name such as America/New_York", r.TimeZone)
		}
		w.Location = loc
	}
	if r.Hours != "" {
		start, end, err := ParseHours(r.Hours)
		if err != nil {
			return Window{}, err
		}
		w.Start, w.End = start, end
	}
	if r.Days != "" {
		days, err := ParseDays(r.Days)
		if err != nil {
			return Window{}, err
		}
		w.Days = days
	}
	w.AwayFrom, w.AwayUntil = r.AwayFrom, r.AwayUntil
	if err := w.Validate(); err != nil {
		return Window{}, err
	}
	return w, nil
}

// HolidayList returns the window's holidays in date order.
func (w Window) HolidayList() []string {
	out := make([]string, 0, len(w.Holidays))
	for d, ok := range w.Holidays {
		if ok {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}
