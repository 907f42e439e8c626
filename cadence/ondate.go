package cadence

import (
	"strings"
	"time"
)

// MaxOnDays is how far back an interaction date ("on=") may lie.
const MaxOnDays = 90

// ParseOn parses when the interaction happened, seen from now in loc: "today", "yesterday", a
// weekday ("tuesday", "tue": the most recent one, today excluded), or a date "2006-01-02" up to
// MaxOnDays back. A day is read as now's clock time on that day (so "today" is now), never later
// than now. It returns a coded EINVALID error for anything else, a date in the future, or one more
// than MaxOnDays ago.
func ParseOn(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	v := strings.ToLower(strings.TrimSpace(s))
	y, m, d := now.Date()
	clock := clockOf(now)
	switch v {
	case "today", "now":
		return now, nil
	case "yesterday":
		return localAt(y, m, d-1, clock, loc), nil
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		name := strings.ToLower(wd.String())
		if v == name || len(v) >= 3 && strings.HasPrefix(name, v) {
			back := (int(now.Weekday()) - int(wd) + 7) % 7
			if back == 0 {
				back = 7
			}
			return localAt(y, m, d-back, clock, loc), nil
		}
	}
	t, err := time.ParseInLocation(DateLayout, v, loc)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "%q is not a day; use today, yesterday, a weekday (tuesday) or a date like 2026-03-02", s)
	}
	at := localAt(t.Year(), t.Month(), t.Day(), clock, loc)
	if at.After(now) {
		if t.Year() == y && t.Month() == m && t.Day() == d {
			return now, nil
		}
		return time.Time{}, Errorf(EINVALID, "%s is in the future; on= says when the interaction happened (use start= to begin later)", v)
	}
	if now.Sub(at) > MaxOnDays*24*time.Hour+time.Hour {
		return time.Time{}, Errorf(EINVALID, "%s is more than %d days ago; enroll with a date in the past %d days", v, MaxOnDays, MaxOnDays)
	}
	return at, nil
}

// SkipBlockedSMS skips open, the due touch of e, when it is an SMS step that ct may not be texted
// for (SMSBlocked): the enrollment moves on as after a skip, and the event's detail gives the
// reason. It returns false and no change when the step may be drafted.
func SkipBlockedSMS(c Cadence, e Enrollment, ct Contact, open Touchpoint, w Window, now time.Time) (Change, bool, error) {
	if open.Step < 0 || open.Step >= len(c.Steps) {
		return Change{}, false, nil
	}
	why := SMSBlocked(c.Steps[open.Step].Channel, ct, ct.SMSConsent)
	if why == "" {
		return Change{}, false, nil
	}
	ch, err := Apply(c, e, open, OutcomeSkipped, Gap{}, w, now)
	if err != nil {
		return Change{}, false, err
	}
	ch.Event.Actor = "bot"
	detail := "SMS step skipped: " + why
	if ch.Event.Detail != "" {
		detail += "; " + ch.Event.Detail
	}
	ch.Event.Detail = detail
	return ch, true, nil
}

// SMSBlocked says why an SMS step must not be drafted for ct: "" when it may (the channel is not
// SMS, or the contact gave consent and has a phone number).
func SMSBlocked(ch Channel, ct Contact, consent bool) string {
	switch {
	case ch != ChannelSMS:
		return ""
	case !consent:
		return "no consent to texts (sms=yes records it)"
	case ct.Phone == "":
		return "no phone number"
	}
	return ""
}
