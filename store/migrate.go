package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/followup-bot/followup/cadence"
)

//go:embed migrations/*.sql migrations_pg/*.sql
var migrationFiles embed.FS

// The migrations of each engine: migrations/ for SQLite, migrations_pg/ for PostgreSQL. Both hold
// the same versions with the same names; TestSchemasInStep checks that the schemas they build
// have the same tables, columns and indexes.
const (
	sqliteMigrations   = "migrations"
	postgresMigrations = "migrations_pg"
)

// migration is one embedded schema change, named NNNN_what.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded SQLite migrations in version order.
func migrations() ([]migration, error) { return migrationsIn(sqliteMigrations) }

// migrations returns the migrations of this database's engine in version order.
func (db *DB) migrations() ([]migration, error) {
	if db.pg {
		return migrationsIn(postgresMigrations)
	}
	return migrationsIn(sqliteMigrations)
}

// migrationsIn returns the embedded migrations of one directory in version order.
func migrationsIn(dir string) ([]migration, error) {
	names, err := fs.Glob(migrationFiles, dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must start with a version number and '_'", base)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same version", prev, base)
		}
		seen[v] = base
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies the embedded migrations the database has not seen yet, in order, each in its
// own transaction, and records each in schema_migrations. Running it again does nothing. It
// returns ECONFLICT when the database was migrated by a newer followup than this one.
func (db *DB) Migrate(ctx context.Context) error {
	all, err := db.migrations()
	if err != nil {
		return err
	}
	// Inside a write transaction, so that two replicas starting at once do not both create it.
	err = db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	latest := all[len(all)-1].version
	for _, m := range all {
		err := db.write(ctx, func(tx *sql.Tx) error {
			// Checked inside the write transaction: another process may have just applied it.
			var newest sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
				return fmt.Errorf("read schema version: %w", err)
			}
			if newest.Valid && int(newest.Int64) > latest {
				return cadence.Errorf(cadence.ECONFLICT,
					"The database is at schema version %d, newer than this followup knows (%d); run a newer followup.",
					newest.Int64, latest)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return fmt.Errorf("read schema version: %w", err)
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.version, db.Now().UnixMilli()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}
