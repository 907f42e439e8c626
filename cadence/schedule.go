package cadence

import "time"

// maxSearchDays bounds every day-by-day search, so that a window with (almost) no working time
// left, such as a year-long away period, cannot loop for ever.
const maxSearchDays = 3 * 366

// loc returns the window's location, UTC when none is set.
func (w Window) loc() *time.Location {
	if w.Location == nil {
		return time.UTC
	}
	return w.Location
}

// clockOf returns the local wall-clock time of t as a duration from midnight.
func clockOf(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second +
		time.Duration(t.Nanosecond())
}

// localAt returns the instant when the wall clock in loc reads clock on the date y-m-d (the date
// is normalized, so d may overflow the month). Unlike time.Date, whose choice differs between
// zones east and west of UTC, it decides DST changes one way, as RFC 5545 does for calendars:
//
//   - a local time that happens twice (fall back) is its first occurrence, so one ambiguous hour
//     never gives two different due times;
//   - a local time that does not exist (spring forward) is read with the offset in effect before
//     the change, which moves it forward by the length of the gap (02:30 becomes 03:30), so no
//     due time is ever a nonexistent local time.
func localAt(y int, m time.Month, d int, clock time.Duration, loc *time.Location) time.Time {
	naive := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(clock)
	_, before := naive.Add(-day).In(loc).Zone()
	_, after := naive.Add(day).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		t := naive.Add(-time.Duration(off) * time.Second).In(loc)
		if _, o := t.Zone(); o == off && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if best.IsZero() {
		best = naive.Add(-time.Duration(before) * time.Second).In(loc)
	}
	return best
}

// dateKey returns the local date of y-m-d (normalized) as "2006-01-02" and its weekday.
func dateKey(y int, m time.Month, d int) (string, time.Weekday) {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t.Format(DateLayout), t.Weekday()
}

// workday reports whether the local date is a working day that is not a holiday. Away days are
// still workdays here: they count as business days (see Due) but are never open (see IsOpen).
func (w Window) workday(y int, m time.Month, d int) bool {
	key, wd := dateKey(y, m, d)
	return w.Days[wd] && !w.Holidays[key]
}

// away reports whether the date key falls in the away period.
func (w Window) away(key string) bool {
	return w.AwayFrom != "" && w.AwayUntil != "" && key >= w.AwayFrom && key <= w.AwayUntil
}

// IsOpen reports whether t falls inside the window: on a working day in the rep's zone, not a
// holiday, not in the away period, with a local wall-clock time at or after Start and before End.
// In an hour that happens twice (fall back), both occurrences are open if that clock time is.
func (w Window) IsOpen(t time.Time) bool {
	lt := t.In(w.loc())
	y, m, d := lt.Date()
	key, _ := dateKey(y, m, d)
	if !w.workday(y, m, d) || w.away(key) {
		return false
	}
	c := clockOf(lt)
	return c >= w.Start && c < w.End
}

// Next returns t when the window is open at t, and otherwise the start of the next working window:
// the next working day (skipping non-working days, holidays and the away period) at Start local
// time. When Start does not exist that day (spring forward), the window opens at the first instant
// after the change. A window with no working time in the next three years returns t unchanged
// (Validate rejects a window without working days).
func (w Window) Next(t time.Time) time.Time {
	if w.IsOpen(t) {
		return t
	}
	loc := w.loc()
	y, m, d := t.In(loc).Date()
	for i := 0; i <= maxSearchDays; i++ {
		s := localAt(y, m, d+i, w.Start, loc)
		if clockOf(s.In(loc)) != w.Start {
			// Start does not exist that day: localAt moved it forward by the gap (02:30 to 03:30),
			// but the window is open from the change itself (03:00), where this zone period begins.
			if change, _ := s.ZoneBounds(); !change.IsZero() && change.Before(s) && clockOf(change.In(loc)) >= w.Start {
				s = change
			}
		}
		if !s.Before(t) && w.IsOpen(s) {
			return s
		}
	}
	return t
}

// Due returns when a touch falls due: the anchor (the previous touch, or for a first step the
// trigger) plus the gap scaled for the intent (see Gap.Scaled for the factors), moved by Next into
// the working window. How a gap is added:
//
//   - A zero gap adds nothing: the touch is due at Next(anchor).
//   - Business days ("3bd") count forward the local dates after the anchor's date that are working
//     days and not holidays; the touch is due on the n-th such date at the anchor's local time of
//     day. Away days count as business days, but Next then moves the touch past the away period:
//     the rep is away, the contact's clock keeps running.
//   - A wall gap that is a whole number of days ("2d", "1w", and "48h" alike) is calendar
//     arithmetic in the rep's zone: the same local time of day, n dates later, so a 2d gap across a
//     DST change still lands at the same wall-clock time (23 or 25 hours later on the change).
//   - Any other wall gap ("30m", "4h", "36h", and intent-scaled day gaps such as hot 1d = 12h) is an
//     absolute duration.
//
// A local time that is ambiguous or nonexistent because of DST is settled as localAt documents:
// first occurrence, and moved forward out of a spring-forward gap.
func (w Window) Due(anchor time.Time, g Gap, in Intent) time.Time {
	g = g.Scaled(in)
	t := anchor
	if g.BusinessDays > 0 {
		t = w.addBusinessDays(t, g.BusinessDays)
	}
	if g.Wall > 0 {
		if g.Wall%day == 0 {
			lt := t.In(w.loc())
			y, m, d := lt.Date()
			t = localAt(y, m, d+int(g.Wall/day), clockOf(lt), w.loc())
		} else {
			t = t.Add(g.Wall)
		}
	}
	return w.Next(t)
}

// addBusinessDays returns the local time of day of anchor on the n-th working, non-holiday date
// after the anchor's local date.
func (w Window) addBusinessDays(anchor time.Time, n int) time.Time {
	lt := anchor.In(w.loc())
	y, m, d := lt.Date()
	i, count := 0, 0
	for count < n && i < n+maxSearchDays {
		i++
		if w.workday(y, m, d+i) {
			count++
		}
	}
	return localAt(y, m, d+i, clockOf(lt), w.loc())
}

// StartOn returns the start of working hours, in the rep's zone, on the date "2006-01-02", whether
// or not that date is a working day (Next moves a touch from there). It is how a "start=2026-03-10"
// date becomes an enrollment's TriggerAt. It returns a coded EINVALID error for a bad date.
func (w Window) StartOn(date string) (time.Time, error) {
	t, err := ParseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	return localAt(t.Year(), t.Month(), t.Day(), w.Start, w.loc()), nil
}
