package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// copyFirst are the tables CopyTo fills first, in this order, so that every foreign key finds its
// row; any other table follows in name order. A table a migration adds with a foreign key belongs
// here, after the tables it refers to (TestCopyOrderKeepsForeignKeys).
var copyFirst = []string{"settings", "reps", "contacts", "enrollments", "touchpoints", "signals", "events", "slack_events",
	"enrollment_origins", "company_news"}

// copySkip are tables CopyTo leaves out: the target has its own migration record, and the
// dispatchers of the source, and the reps they hold, are not running against the target (their
// claims are taken over).
var copySkip = []string{"schema_migrations", "dispatchers", "rep_leases"}

// maxParams keeps a multi-row INSERT under PostgreSQL's 65535 parameters.
const maxParams = 30000

// TableCount is how many rows one table holds.
type TableCount struct {
	Table string
	Rows  int
}

// CopyTo copies every row of every table of db into target, which must hold no rows at all and be
// at the same schema version, in one transaction of target: either everything arrives or nothing
// does. It reads db in one snapshot, compares the count of every table after the copy and rolls
// back on any difference. It returns EINVALID when target is not empty or its schema version
// differs, and the counts copied otherwise. On PostgreSQL it then gathers the planner's
// statistics of the tables it filled (ANALYZE).
func (db *DB) CopyTo(ctx context.Context, target *DB) ([]TableCount, error) {
	var counts []TableCount
	err := db.read(ctx, func(src *sql.Tx) error {
		tables, err := db.tables(ctx, src)
		if err != nil {
			return err
		}
		return target.write(ctx, func(dst *sql.Tx) error {
			if err := sameVersion(ctx, src, dst); err != nil {
				return err
			}
			for _, t := range tables {
				var n int
				if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
					return fmt.Errorf("count %s in the target: %w", t, err)
				}
				if n > 0 {
					return cadence.Errorf(cadence.EINVALID, "The target database is not empty: %s has %d rows. Copy into an empty database.", t, n)
				}
			}
			for _, t := range tables {
				n, err := copyTable(ctx, src, dst, t, target.pg)
				if err != nil {
					return err
				}
				var got int
				if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&got); err != nil {
					return fmt.Errorf("count %s in the target: %w", t, err)
				}
				if got != n {
					return fmt.Errorf("copy %s: read %d rows, the target holds %d", t, n, got)
				}
				counts = append(counts, TableCount{Table: t, Rows: n})
			}
			if target.pg {
				// A table filled in one go has no planner statistics until autovacuum gets to it,
				// a minute or more later; meanwhile PostgreSQL guesses it holds a few rows, and the
				// first claims walk and sort every due touchpoint instead of reading the oldest few
				// in order. In the copy's transaction: a failure rolls the copy back too.
				for _, c := range counts {
					if _, err := dst.ExecContext(ctx, `ANALYZE `+c.Table); err != nil {
						return fmt.Errorf("analyze %s after the copy: %w", c.Table, err)
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	return counts, nil
}

// tables lists db's tables in copy order.
func (db *DB) tables(ctx context.Context, tx *sql.Tx) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.pg {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var rest []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		if !slices.Contains(copySkip, t) && !slices.Contains(copyFirst, t) {
			rest = append(rest, t)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	slices.Sort(rest)
	return append(slices.Clone(copyFirst), rest...), nil
}

// sameVersion refuses a copy between databases at different schema versions.
func sameVersion(ctx context.Context, src, dst *sql.Tx) error {
	var a, b sql.NullInt64
	if err := src.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&a); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if err := dst.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&b); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if a != b {
		return cadence.Errorf(cadence.EINVALID, "The databases are at schema versions %d and %d; run the same followup on both.", a.Int64, b.Int64)
	}
	return nil
}

// copyTable inserts every row of table from src into dst, many rows a statement, and returns how
// many it read. On PostgreSQL an identity column's sequence is moved past the largest id copied.
func copyTable(ctx context.Context, src, dst *sql.Tx, table string, pg bool) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	per := max(1, maxParams/len(cols))
	row := `(` + placeholders(len(cols)) + `)`
	insert := func(args []any) error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / len(cols)
		q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		if _, err := dst.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	var batch []any
	total := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, fmt.Errorf("read %s: %w", table, err)
		}
		batch = append(batch, vals...)
		total++
		if total%per == 0 {
			if err := insert(batch); err != nil {
				return 0, err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	if err := insert(batch); err != nil {
		return 0, err
	}
	if pg && slices.Contains(cols, "id") {
		var seq sql.NullString
		if err := dst.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(?, 'id')`, table).Scan(&seq); err != nil {
			return 0, fmt.Errorf("copy %s: find its id sequence: %w", table, err)
		}
		if seq.Valid {
			if _, err := dst.ExecContext(ctx, `SELECT setval(?, (SELECT COALESCE(MAX(id), 0) + 1 FROM `+table+`), false)`,
				seq.String); err != nil {
				return 0, fmt.Errorf("copy %s: move its id sequence: %w", table, err)
			}
		}
	}
	return total, nil
}
