package report

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/followup-bot/followup/cadence"
)

// Cron is when the weekly report is due: a standard cron expression (five fields, or a descriptor
// such as @weekly) read in the team's zone.
type Cron struct {
	spec  string // with its CRON_TZ= prefix, as gocron takes it
	sched cron.Schedule
}

// Schedule parses spec (FOLLOWUP_REPORT_CRON) in zone (FOLLOWUP_TIMEZONE; UTC when nil). It is
// the one place the report's cron expression is read: the configuration checks it with it, the bot
// schedules and catches up with it, and the demo predicts the report with it. It returns EINVALID
// when spec is not a cron expression, or names a zone of its own (the zone is zone).
func Schedule(spec string, zone *time.Location) (Cron, error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return Cron{}, cadence.Errorf(cadence.EINVALID, "%q names its own time zone; leave the prefix out: the report runs in FOLLOWUP_TIMEZONE", spec)
	}
	full := "CRON_TZ=" + orUTC(zone).String() + " " + spec
	s, err := cron.ParseStandard(full)
	if err != nil {
		return Cron{}, cadence.Errorf(cadence.EINVALID, "%q is not a cron expression: %v", spec, err)
	}
	return Cron{spec: full, sched: s}, nil
}

// Spec returns the expression with its zone ("CRON_TZ=Europe/Berlin 0 9 * * MON"), for a cron
// job (gocron.CronJob).
func (c Cron) Spec() string { return c.spec }

// Next returns the first firing after t.
func (c Cron) Next(t time.Time) time.Time { return c.sched.Next(t) }

// Last returns the latest firing at or before now, looking back at most 45 days, or the zero time
// when there was none in that time: the report that was due last.
func (c Cron) Last(now time.Time) time.Time {
	var last time.Time
	t := now.Add(-45 * 24 * time.Hour)
	for range 100_000 {
		next := c.sched.Next(t)
		if next.IsZero() || next.After(now) {
			break
		}
		last, t = next, next
	}
	return last
}

// WeekBefore returns the seven whole days in loc before the day of at, midnight to midnight: the
// week a scheduled report that fired at at covers, and the default of followup report. A report
// due Monday 09:00 covers Monday to Sunday of the week before, and what happens on Monday morning
// before it fires belongs to the next report, not to two reports or to none.
func WeekBefore(at time.Time, loc *time.Location) (from, to time.Time) {
	lt := at.In(orUTC(loc))
	to = time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, orUTC(loc))
	return WeekEnding(to, loc)
}

// WeekEnding returns [to − 7 calendar days, to) in loc: seven days of 24 hours, or one more or
// less across a DST change. /followup report shows the rolling week ending now.
func WeekEnding(to time.Time, loc *time.Location) (time.Time, time.Time) {
	t := to.In(orUTC(loc))
	return t.AddDate(0, 0, -7), t
}
