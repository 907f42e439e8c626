package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

// openDB opens FOLLOWUP_DB. A problem a person can fix (a URL that does not parse, a server too
// old, a schema newer than this followup) is returned as its message alone, one line.
func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		if cadence.ErrorCode(err) != cadence.EINTERNAL {
			return nil, errors.New(cadence.ErrorMessage(err))
		}
		return nil, err
	}
	return db, nil
}

// cmdMigrateDB copies an SQLite database into an empty PostgreSQL one, in one transaction, and
// prints how many rows of each table it copied.
func cmdMigrateDB(ctx context.Context, e *env, args []string) error {
	from := e.fs.String("from", "", "the SQLite database file to copy")
	to := e.fs.String("to", "", "the empty PostgreSQL database to copy into (postgres://…)")
	rest, _, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *from == "" || *to == "" {
		return usageError{"usage: followup migrate-db --from FILE.db --to postgres://…"}
	}
	if store.IsPostgresURL(*from) {
		return usageError{"--from must be an SQLite database file"}
	}
	if !store.IsPostgresURL(*to) {
		return usageError{"--to must be a postgres:// or postgresql:// URL"}
	}
	// Open would create a missing file: a mistyped --from would then copy an empty database.
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("--from: no SQLite database at %s", *from)
	}
	src, err := openDB(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openDB(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	if err != nil {
		if cadence.ErrorCode(err) != cadence.EINTERNAL {
			return errors.New(cadence.ErrorMessage(err))
		}
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, c := range counts {
		fmt.Fprintf(w, "%s\t%d\n", c.Table, c.Rows)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "followup migrate-db: copied %s into %s; the counts match\n", *from, store.Describe(*to))
	return nil
}
