// Package pgtest gives tests a fresh PostgreSQL database of their own on the server named by
// FOLLOWUP_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres, the machine's cluster).
//
// When no server answers, tests that need one are skipped on a developer's machine, and fail when
// CI is set: PostgreSQL is never skipped in CI.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DefaultServer is the server used when FOLLOWUP_TEST_PG is unset.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Server returns the URL of the test server's maintenance database.
func Server() string {
	if u := os.Getenv("FOLLOWUP_TEST_PG"); u != "" {
		return u
	}
	return DefaultServer
}

// Unavailable explains why tests must do without PostgreSQL, or is "" when they must not: a server
// answers, or CI is set (and the caller should fail on the error it gets).
func Unavailable(err error) string {
	if err == nil || os.Getenv("CI") != "" {
		return ""
	}
	return fmt.Sprintf("no PostgreSQL at %s (set FOLLOWUP_TEST_PG, or CI=true to make this fail): %v", redacted(Server()), err)
}

// Database is a database created for one test package.
type Database struct {
	URL   string // its URL, to open with store.Open
	name  string
	admin *sql.DB
}

// Create makes a new empty database named followup_test_<random> on the test server.
func Create(ctx context.Context) (*Database, error) {
	admin, err := sql.Open("pgx", Server())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "followup_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("create test database: %w", err)
	}
	u, err := url.Parse(Server())
	if err != nil {
		_ = admin.Close()
		return nil, err
	}
	u.Path = "/" + name
	return &Database{URL: u.String(), name: name, admin: admin}, nil
}

// Schema returns the URL of the database with search_path set to schema, creating the schema if
// needed: a cheap empty namespace per test.
func (d *Database) Schema(ctx context.Context, schema string) (string, error) {
	db, err := sql.Open("pgx", d.URL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		return "", fmt.Errorf("create test schema: %w", err)
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Name is the database's name.
func (d *Database) Name() string { return d.name }

// Drop removes the database, disconnecting whoever still uses it.
func (d *Database) Drop() error {
	defer d.admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := d.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+d.name+` WITH (FORCE)`)
	return err
}

// redacted hides a password in a URL.
func redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(FOLLOWUP_TEST_PG)"
	}
	return u.Redacted()
}

// New creates a database for one test and drops it when the test ends. It skips the test when no
// server answers and CI is not set, and fails it when CI is set.
func New(tb testing.TB) string {
	tb.Helper()
	d, err := Create(context.Background())
	if why := Unavailable(err); why != "" {
		tb.Skip(why)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := d.Drop(); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	return d.URL
}
