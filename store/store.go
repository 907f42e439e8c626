// Package store keeps followup's state in SQLite, or in PostgreSQL (postgres.go): team settings, reps, contacts, enrollments,
// touchpoints, intent signals, the append-only event log and the Slack event dedupe table. It is
// the only package that speaks SQL.
//
// Every exported method owns its transaction. Writes go through a single connection that begins
// every transaction with BEGIN IMMEDIATE, so writes are serialized inside this process and, through
// SQLite's write lock and a 5 s busy timeout, with any other process using the same file. Reads go
// through a separate pool of several connections; in WAL mode they see the last committed state
// and never wait for the writer. A method that reads before it writes (Update, Claim, Enroll) does
// its reading inside the write transaction, so what it decides on is fresh.
//
// The SQL is portable and written once for both engines: plain TEXT and INTEGER columns, times as
// INTEGER unix milliseconds UTC (NULL when unset), booleans as 0/1, partial indexes, INSERT ... ON
// CONFLICT and RETURNING. Placeholders are "?" and are rebound on PostgreSQL (rebind.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/followup-bot/followup/cadence"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// busyTimeout is how long a connection waits for another writer's lock before failing.
const busyTimeout = 5 * time.Second

// readers is the size of the read pool.
const readers = 4

// stmtCache is how many prepared statements each connection keeps.
const stmtCache = 32

// writerCacheKiB is the writer connection's page cache, in KiB (the readers keep SQLite's
// default 2 MB). It holds the pages of the reps' lists, which readHot reads through the writer:
// at 100k follow-ups the indexes and contacts a list touches are about 17 MB.
const writerCacheKiB = 16 << 10

// DB is an open followup database. It is safe for concurrent use.
type DB struct {
	path string
	w    *sql.DB // one connection; every transaction is BEGIN IMMEDIATE (PostgreSQL: the pool)
	r    *sql.DB // several connections for reads (PostgreSQL: the same pool)
	pg   bool    // PostgreSQL rather than SQLite
	// claims is, on PostgreSQL, one connection of its own for the transactions that take the
	// claim lock (Claim, EndDispatch, Retire): a claim, which feeds every rep's queue, never waits
	// for a connection behind the reminders it fed. nil on SQLite, whose writes share one.
	claims *sql.DB
	// lead is, on PostgreSQL, one connection of its own for the leader's lock (Leader), which a
	// leading replica holds for as long as it leads: not one of w's. nil on SQLite.
	lead     *sql.DB
	poolSize int // PostgreSQL: the most connections of w (parsePG)

	// Now is the clock used when a change carries no time of its own. Open sets it to time.Now;
	// tests may replace it before use.
	Now func() time.Time

	mu        sync.Mutex
	lastPrune time.Time // when FirstSeen last pruned slack_events

	self owner // this database handle's identity as a dispatcher (claim.go)

	marks markQueue     // MarkReminded's group commit on SQLite (groupcommit.go)
	ckpt  *checkpointer // SQLite: checkpoints the WAL beside the writer (checkpoint.go); nil on PostgreSQL
}

// Open opens (creating if needed) the SQLite database at path and applies any pending migrations.
// The database file and its -wal and -shm files are readable and writable by the owner only
// (0600). A path containing '?' is refused with EINVALID. A postgres:// or postgresql:// URL
// opens that PostgreSQL database instead (see openPostgres for how that can fail).
func Open(ctx context.Context, path string) (*DB, error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path)
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, cadence.Errorf(cadence.EINVALID, "the database must be a file path, not %q", path)
	}
	if strings.ContainsRune(path, '?') {
		return nil, cadence.Errorf(cadence.EINVALID, "the database path %q must not contain '?'", path)
	}
	// Create the file ourselves so it is 0600 whatever the umask; SQLite gives the -wal and -shm
	// files the database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}

	// synchronous=NORMAL in WAL mode: a commit is on disk in the WAL when it returns, so it
	// survives the process crashing; the WAL is synced at each checkpoint (SQLite's documented
	// guarantee, and the driver's default, said here so it is not changed by accident). Each
	// connection keeps its prepared statements, so a command's queries are not compiled again.
	common := fmt.Sprintf("_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_busy_timeout=%d&_stmt_cache_size=%d",
		busyTimeout.Milliseconds(), stmtCache)
	w := openWriter(fmt.Sprintf("%s?%s&_txlock=immediate&_cache_size=-%d", path, common, writerCacheKiB))
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	db := &DB{path: path, w: w, Now: time.Now}
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = w.Close()
		return nil, err
	}
	if err := db.fixModes(); err != nil {
		_ = w.Close()
		return nil, err
	}

	r, err := sql.Open("sqlite3", path+"?"+common+"&_txlock=deferred&_query_only=1")
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	db.r = r
	if err := db.startCheckpointer(path + "?" + common); err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// fixModes makes the database file and its -wal and -shm files 0600 in case they were created
// with a looser mode (by hand, a copy, an older process): a file Open did not create keeps its
// mode otherwise. It runs after the first write, when the -wal and -shm files exist.
func (db *DB) fixModes() error {
	if db.pg {
		return nil
	}
	for _, p := range []string{db.path, db.path + "-wal", db.path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("set database file mode: %w", err)
		}
	}
	return nil
}

// Close closes the database. In-flight methods should have returned first.
func (db *DB) Close() error {
	errs := []error{db.ckpt.close()}
	if db.r != nil && db.r != db.w {
		errs = append(errs, db.r.Close())
	}
	for _, p := range []*sql.DB{db.claims, db.lead} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

// Ping checks that the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// write runs fn in one write transaction (BEGIN IMMEDIATE; on PostgreSQL, under the advisory
// write lock), committing if fn returns nil and rolling back otherwise. fn's error is returned as
// it is, so coded errors keep their code; on PostgreSQL a lost connection becomes EUNAVAIL.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeWith(ctx, fn, `SELECT pg_advisory_xact_lock(?)`, int64(writeLockKey))
}

// writeTouch is write for the records of one dispatched reminder (its draft, its DM), which
// change only that touchpoint's row and append to the event log. On SQLite it is write. On
// PostgreSQL the transaction holds the write lock shared, so these records of different
// touchpoints, from every replica, are written side by side while every other write still waits
// for them (and they for it), plus an exclusive lock on the touchpoint. It also commits without
// waiting for the WAL flush (synchronous_commit off for this transaction): a crash of the server
// may lose the last fraction of a second of such records, never corrupts, and loses nothing that
// matters, because the claim that led to them was committed durably, so the next claim of the
// touchpoint finds the DM in Slack (findPosted) and drafts again if need be.
func (db *DB) writeTouch(ctx context.Context, touchID int64, fn func(tx *sql.Tx) error) error {
	lock := touchLock(touchID)
	return db.writeWith(ctx, fn, lock.sql, lock.args...)
}

// touchLock is the statement writeTouch begins with: the write lock shared, and touchID's lock.
func touchLock(touchID int64) stmt {
	return stmt{`SELECT pg_advisory_xact_lock_shared(?), pg_advisory_xact_lock(?, ?),
		set_config('synchronous_commit', 'off', true)`, []any{int64(writeLockKey), touchLockClass, int32(touchID)}}
}

// writeWith is write with lockSQL (PostgreSQL only; none when "") run first in the transaction.
func (db *DB) writeWith(ctx context.Context, fn func(tx *sql.Tx) error, lockSQL string, args ...any) error {
	return db.writeOn(ctx, db.w, fn, lockSQL, args...)
}

// claimWrite is writeWith for a transaction that takes the claim lock (claimLockKey) with lockSQL:
// on PostgreSQL it runs on the claims' own connection.
func (db *DB) claimWrite(ctx context.Context, fn func(tx *sql.Tx) error, lockSQL string, args ...any) error {
	pool := db.w
	if db.claims != nil {
		pool = db.claims
	}
	return db.writeOn(ctx, pool, fn, lockSQL, args...)
}

// writeOn is writeWith on pool.
func (db *DB) writeOn(ctx context.Context, pool *sql.DB, fn func(tx *sql.Tx) error, lockSQL string, args ...any) error {
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return db.unavailable(fmt.Errorf("begin write: %w", err))
	}
	// A panic in fn must not leave the transaction open: on SQLite it would hold the one write
	// connection, and every later write would wait for it forever.
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if db.pg && lockSQL != "" {
		if _, err := tx.ExecContext(ctx, lockSQL, args...); err != nil {
			_ = tx.Rollback()
			return db.unavailable(fmt.Errorf("begin write: %w", err))
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return db.unavailable(err)
	}
	if err := tx.Commit(); err != nil {
		return db.unavailable(fmt.Errorf("commit: %w", err))
	}
	db.ckpt.committed()
	return nil
}

// read runs fn in one read transaction, so the queries inside see one snapshot.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.unavailable(fmt.Errorf("begin read: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	return db.unavailable(fn(tx))
}

// readEach runs fn, whose queries need not agree with one another: each sees what was committed
// when it ran. On PostgreSQL they run outside a transaction, which saves a BEGIN and a ROLLBACK,
// two of the three round trips of a one-query read; on SQLite, where a transaction costs no round
// trip, it is read. The dispatcher's reads of one reminder use it.
func (db *DB) readEach(ctx context.Context, fn func(q queryer) error) error {
	if !db.pg {
		return db.read(ctx, func(tx *sql.Tx) error { return fn(tx) })
	}
	return db.unavailable(fn(db.r))
}

// readHot runs fn, which must make a single query (one statement is one snapshot), on the
// writer's connection rather than a reader's. SQLite drops a connection's whole page cache
// whenever another connection has committed since it last read, so with commands writing all the
// time a reader reads again, through system calls, every page of a rep's list of 200 follow-ups
// (a few hundred pages spread over the contacts and an index); the writer's cache stays valid
// across its own commits, so there they are nearly all hits, about a third of the cost. The query
// waits for a write in progress and holds the next one back, which is short: the writer's
// transactions are a few rows each, and the query takes about a millisecond. It must not be
// called from inside a write transaction. On PostgreSQL it is read.
func (db *DB) readHot(ctx context.Context, fn func(q queryer) error) error {
	if db.pg {
		return db.read(ctx, func(tx *sql.Tx) error { return fn(tx) })
	}
	c, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer c.Close()
	return fn(c)
}

// ms stores a time as unix milliseconds UTC, and the zero time as NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS reads a time stored by ms.
func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// boolInt stores a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
