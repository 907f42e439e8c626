package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

// loadLibrary returns the built-in cadences merged with the cadence file, if one is configured.
func loadLibrary(path string) (*cadence.Library, error) {
	lib := cadence.Builtin()
	if path == "" {
		return lib, nil
	}
	custom, err := cadence.LoadFile(path)
	if err != nil {
		return nil, cadenceFileError(err)
	}
	return lib.Merge(custom), nil
}

// cadenceFileError returns what is wrong with the cadence file for a person: the problems as
// "file:line: field: message" lines, or the variable and why the file can't be read.
func cadenceFileError(err error) error {
	var verrs cadence.ValidationErrors
	if errors.As(err, &verrs) {
		return verrs
	}
	return fmt.Errorf("FOLLOWUP_CADENCES: %s", cadence.ErrorMessage(err))
}

func cmdCadences(_ context.Context, e *env, args []string) error {
	rest, c, err := e.parse(args)
	if err != nil {
		return err
	}
	lib, err := loadLibrary(c.CadencesFile)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usageError{"cadences takes at most one cadence id"}
	}
	if len(rest) == 1 {
		cd, err := lib.Get(rest[0])
		if err != nil {
			return errors.New(cadence.ErrorMessage(err))
		}
		printCadence(e.stdout, cd)
		return nil
	}
	for i, cd := range lib.All() {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		printCadence(e.stdout, cd)
	}
	return nil
}

// printCadence writes one cadence and its steps as plain text.
func printCadence(w io.Writer, cd cadence.Cadence) {
	origin := "built-in"
	if !cd.Builtin {
		origin = "custom"
	}
	fmt.Fprintf(w, "%s — %s (%s, trigger %s)\n", cd.ID, cd.Name, origin, cd.Trigger)
	if cd.Goal != "" {
		fmt.Fprintf(w, "  goal: %s\n", cd.Goal)
	}
	for i, s := range cd.Steps {
		purpose := s.Purpose.Label()
		if s.Purpose == cadence.PurposeCustom && s.PurposeText != "" {
			purpose = s.PurposeText
		}
		fmt.Fprintf(w, "  %d. after %-5s %-9s %s\n", i+1, s.Gap.String(), s.Channel, purpose)
		if s.Guidance != "" {
			fmt.Fprintf(w, "       %s\n", s.Guidance)
		}
	}
}

// cmdCheck validates everything it can without connecting anywhere and lists every problem.
func cmdCheck(_ context.Context, e *env, args []string) error {
	if err := e.fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var problems []string
	c, err := e.raw.load()
	if err != nil {
		problems = append(problems, strings.Split(err.Error(), "\n")...)
	}
	if path := e.raw["FOLLOWUP_CADENCES"]; path != "" {
		if _, err := loadLibrary(path); err != nil {
			problems = append(problems, strings.Split(err.Error(), "\n")...)
		}
	}
	// The tokens are checked whatever else is wrong: check lists every problem at once.
	if serr := c.checkSlack(); serr != nil {
		for _, line := range strings.Split(serr.Error(), "\n") {
			problems = append(problems, line+" (needed by run)")
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "followup check: %d problem(s):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintln(e.stderr, "  "+p)
		}
		return errReported
	}
	fmt.Fprintln(e.stdout, "followup check: configuration and cadences are valid")
	return nil
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	_, c, err := e.parse(args)
	if err != nil {
		return err
	}
	// Open applies the pending migrations; calling Migrate again would only check them twice.
	db, err := openDB(ctx, c.DB)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "followup migrate: %s is up to date\n", store.Describe(c.DB))
	return nil
}

func cmdBackup(ctx context.Context, e *env, args []string) error {
	rest, c, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"usage: followup backup PATH"}
	}
	if store.IsPostgresURL(c.DB) {
		return errors.New("followup backup copies an SQLite file; back a PostgreSQL database up with pg_dump")
	}
	// Open would create a missing database: a mistyped FOLLOWUP_DB would then "back up" an empty one.
	if _, err := os.Stat(c.DB); err != nil {
		return fmt.Errorf("FOLLOWUP_DB: no database to back up at %s: %w", c.DB, err)
	}
	// Read-only: a backup never migrates or otherwise changes the database it copies.
	db, err := store.OpenReadOnly(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, rest[0]); err != nil {
		if cadence.ErrorCode(err) != cadence.EINTERNAL {
			return errors.New(cadence.ErrorMessage(err))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "followup backup: wrote %s\n", rest[0])
	return nil
}
