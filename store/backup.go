package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Backup writes a consistent copy of the database to path while the bot keeps running: VACUUM
// INTO reads one snapshot (writers are not blocked) into a temporary file in path's directory,
// which is then linked into place, readable by the owner only (0600). It returns EINVALID when
// path already exists: a backup never overwrites a file.
//
// On PostgreSQL it returns EINVALID: back the database up with pg_dump or the server's own means.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.pg {
		return cadence.Errorf(cadence.EINVALID, "followup backup copies an SQLite file; back a PostgreSQL database up with pg_dump.")
	}
	if _, err := os.Lstat(path); err == nil {
		return cadence.Errorf(cadence.EINVALID, "%s already exists; choose a new file name for the backup.", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // gone after the link, or on failure
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO needs the target to be empty or absent; CreateTemp made it empty and 0600.
	if err := db.vacuumInto(ctx, name); err != nil {
		return fmt.Errorf("backup: copy database: %w", err)
	}
	if err := os.Chmod(name, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// A hard link, unlike a rename, fails if path appeared meanwhile instead of replacing it.
	if err := os.Link(name, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return cadence.Errorf(cadence.EINVALID, "%s already exists; choose a new file name for the backup.", path)
		}
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// OpenReadOnly opens an existing database only to read it, as followup backup does: it never
// creates the file, never applies a migration and never writes, so a backup of the live database
// cannot change it whichever version of followup takes it. Only Backup and the read methods work
// on it; a write fails.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open database read-only: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database read-only: %w", err)
	}
	dsn := (&url.URL{Scheme: "file", Path: abs}).String() +
		fmt.Sprintf("?mode=ro&_busy_timeout=%d&_query_only=1", busyTimeout.Milliseconds())
	open := func() (*sql.DB, error) {
		d, err := sql.Open("sqlite3", dsn)
		if err != nil {
			return nil, fmt.Errorf("open database read-only: %w", err)
		}
		if err := d.PingContext(ctx); err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("open database %s read-only: %w", path, err)
		}
		return d, nil
	}
	w, err := open()
	if err != nil {
		return nil, err
	}
	r, err := open()
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	w.SetMaxOpenConns(1)
	r.SetMaxOpenConns(readers)
	return &DB{path: path, w: w, r: r, Now: time.Now}, nil
}

// vacuumInto copies the database to name on a read connection, so writers are not held up. Read
// connections are query-only, which VACUUM INTO counts as writing, so it is lifted for the copy;
// a connection that cannot be made query-only again is discarded.
func (db *DB) vacuumInto(ctx context.Context, name string) error {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, name)
	if _, rerr := conn.ExecContext(context.Background(), `PRAGMA query_only = 1`); rerr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(err, rerr)
	}
	return err
}
