package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/followup-bot/followup/store/pgtest"
)

// backends are the engines every store test runs against, one after the other: TestMain runs the
// whole package once per backend, and mustOpenPath opens the database of the current one.
var backends = []string{"sqlite", "postgres"}

// testBackend is the backend of the current run (set by TestMain only).
var testBackend = "sqlite"

// testPG is this package's PostgreSQL database while the postgres run lasts.
var testPG *pgtest.Database

func TestMain(m *testing.M) {
	code := 0
	for _, b := range backends {
		testBackend = b
		fmt.Printf("=== store tests on %s\n", b)
		if b == "postgres" {
			d, err := pgtest.Create(context.Background())
			if why := pgtest.Unavailable(err); why != "" {
				fmt.Println("=== SKIP store tests on postgres:", why)
				continue
			}
			if err != nil {
				fmt.Println("store tests on postgres:", err)
				os.Exit(1)
			}
			testPG = d
			if c := m.Run(); c != 0 {
				code = c
			}
			if err := d.Drop(); err != nil {
				fmt.Println("drop test database:", err)
			}
			continue
		}
		if c := m.Run(); c != 0 {
			code = c
		}
	}
	os.Exit(code)
}

// dsn is what to open for a test database at path: the path itself on SQLite, or on PostgreSQL a
// schema of the package's database named after the path (the same path, the same schema).
func dsn(tb testing.TB, path string) string {
	tb.Helper()
	if testBackend != "postgres" {
		return path
	}
	h := sha256.Sum256([]byte(path))
	u, err := testPG.Schema(context.Background(), "t_"+hex.EncodeToString(h[:8]))
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// sqliteOnly skips a test of something only SQLite has (files, pragmas, query plans).
func sqliteOnly(tb testing.TB) {
	tb.Helper()
	if testBackend != "sqlite" {
		tb.Skipf("SQLite only; this run is on %s", testBackend)
	}
}

// postgresOnly skips a test of something only PostgreSQL has (several replicas on one database).
func postgresOnly(tb testing.TB) {
	tb.Helper()
	if testBackend != "postgres" {
		tb.Skipf("PostgreSQL only; this run is on %s", testBackend)
	}
}
