package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pragma reads one PRAGMA on a connection of pool.
func pragma(tb testing.TB, pool *sql.DB, name string) string {
	tb.Helper()
	var v string
	if err := pool.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
		tb.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

// TestConnectionSettings checks what issue 2 asks of every connection: WAL, foreign keys, a busy
// timeout; and of the writer: one connection whose transactions begin IMMEDIATE.
func TestConnectionSettings(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "followup.db")
	db := mustOpenPath(t, path)
	for name, pool := range map[string]*sql.DB{"writer": db.w, "reader": db.r} {
		if got := pragma(t, pool, "journal_mode"); got != "wal" {
			t.Errorf("%s: journal_mode = %s, want wal", name, got)
		}
		if got := pragma(t, pool, "foreign_keys"); got != "1" {
			t.Errorf("%s: foreign_keys = %s, want 1", name, got)
		}
		if got := pragma(t, pool, "busy_timeout"); got != "5000" {
			t.Errorf("%s: busy_timeout = %s, want 5000", name, got)
		}
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool has up to %d connections, want 1", n)
	}
	if got := pragma(t, db.r, "query_only"); got != "1" {
		t.Errorf("reader: query_only = %s, want 1", got)
	}

	// Foreign keys are enforced: an enrollment of a contact that does not exist is refused.
	_, err := db.w.Exec(`INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at, status,
		created_at, updated_at) VALUES ('fk0001', 4242, 'U1', 'demo', 'demo', 0, 'active', 0, 0)`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("enrollment of a missing contact: %v, want a FOREIGN KEY error", err)
	}

	// A write transaction takes the write lock when it begins (BEGIN IMMEDIATE), not at its first
	// write: another process that does not wait is refused at once, so two writers never both read
	// and then both try to write.
	ctx := context.Background()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	other, err := sql.Open("sqlite3", path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`BEGIN IMMEDIATE`); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("BEGIN IMMEDIATE beside an open write transaction: %v, want database is locked", err)
		_, _ = other.Exec(`ROLLBACK`)
	}
}

// TestOpenTightensAnExistingFile opens a database file that was created readable by everyone: Open
// makes it, and the -wal and -shm files, 0600.
func TestOpenTightensAnExistingFile(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "followup.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	mustOpenPath(t, path)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// TestEventLogIsAppendOnly: events can be added, never changed or removed.
func TestEventLogIsAppendOnly(t *testing.T) {
	db := mustOpen(t)
	mustEnroll(t, db, dana(), "U1", t0)
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != 1 {
		t.Fatalf("%d events after one enrollment, want 1", n)
	}
	for _, q := range []string{`UPDATE events SET kind = 'replied'`, `DELETE FROM events`} {
		if _, err := db.w.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want it refused as append-only", q, err)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events WHERE kind = 'enrolled'`); n != 1 {
		t.Errorf("the enrolled event was changed or removed")
	}
}
