package main

import (
	"context"
	"fmt"
	"time"

	"github.com/followup-bot/followup/bot/report"
	"github.com/followup-bot/followup/cadence"
)

// cmdReport prints the team report for a range of days in FOLLOWUP_TIMEZONE: --from and --to are
// both included (YYYY-MM-DD); by default the past 7 days up to yesterday. --csv writes the
// per-step numbers instead. It reads the database only, so it runs beside a running bot.
func cmdReport(ctx context.Context, e *env, args []string) error {
	fromS := e.fs.String("from", "", "first day of the report, YYYY-MM-DD (default: 7 days before --to)")
	toS := e.fs.String("to", "", "last day of the report, YYYY-MM-DD, included (default: yesterday)")
	asCSV := e.fs.Bool("csv", false, "write the per-step numbers as CSV")
	rest, c, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{"report takes no arguments besides its flags"}
	}
	loc := c.Team.Location
	now := time.Now()
	day := func(s string) (time.Time, error) {
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return time.Time{}, usageError{fmt.Sprintf("%q is not a date; use YYYY-MM-DD", s)}
		}
		return t, nil
	}
	start, end := report.WeekBefore(now, loc) // up to today 00:00, excluded
	if *toS != "" {
		t, err := day(*toS)
		if err != nil {
			return err
		}
		start, end = report.WeekEnding(t.AddDate(0, 0, 1), loc)
	}
	if *fromS != "" {
		if start, err = day(*fromS); err != nil {
			return err
		}
	}
	if !end.After(start) {
		return usageError{"--from must not be after --to"}
	}
	lib, err := loadLibrary(c.CadencesFile)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.Report(ctx, start, end, now)
	if err != nil {
		if cadence.ErrorCode(err) != cadence.EINTERNAL {
			return usageError{cadence.ErrorMessage(err)}
		}
		return err
	}
	v := report.New(r, lib, loc)
	if *asCSV {
		return v.WriteCSV(e.stdout)
	}
	_, err = fmt.Fprint(e.stdout, v.Text())
	return err
}
