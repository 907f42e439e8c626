package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL. The same methods and the same SQL run on PostgreSQL 13 or newer when FOLLOWUP_DB is
// a postgres:// or postgresql:// URL. The differences from SQLite are few and kept here:
//
//   - Connections come from one database/sql pool over pgx (max(4, GOMAXPROCS), or pool_max_conns
//     in the URL); queries are rebound from "?" to "$n" (rebind.go), so reads and writes share
//     the pool. The claims and the leader's lock each have one connection of their own besides.
//   - Every write transaction first takes a transaction-level advisory lock (writeLockKey), so
//     writes are serialized across all replicas exactly as BEGIN IMMEDIATE serializes them on one
//     SQLite file: a method that reads before it writes decides on fresh data. Reads never wait.
//     The records of a dispatched reminder (SaveDraft, MarkReminded) and a change of one rep's
//     settings take that lock shared and their touchpoint's (or rep's) exclusively, so replicas
//     write them side by side (writeTouch, writeRep).
//   - Claim does not take that lock but its own (claimLockKey), so claims from every replica take
//     turns without holding up commands: each replica claims only the touchpoints of its part of
//     the reps (rendezvous hashing over the replicas that share them, claim_pg.go), in one UPDATE
//     over a sub-select with FOR UPDATE SKIP LOCKED, and rep_leases records whose reps they are,
//     so that the next claim, from another replica, leaves those reps alone and each rep's DMs
//     are paced by one process. Beat takes no lock but its row's.
//   - The schema is the same, with BIGINT for times and identity columns for ids
//     (migrations_pg/, kept in step with migrations/ by TestSchemasInStep).

// minServerVersion is the oldest PostgreSQL the store accepts (server_version_num).
const minServerVersion = 130000

// writeLockKey is the advisory lock every PostgreSQL write transaction holds until it ends.
const writeLockKey = 0x666f6c6c6f77 // "follow"

// touchLockClass is the first key of the per-touchpoint advisory locks of writeTouch (the second
// is the touchpoint's id, wrapped to 32 bits: two ids that share a key only wait for each other).
const touchLockClass int32 = 0x666f6c6c // "foll"

// defaultPool is the most connections one process opens to PostgreSQL for its reads and writes,
// besides the claims' own one and the leader's, unless FOLLOWUP_DB says otherwise with
// pool_max_conns (pgxpool's name for it): four, or one per CPU the process may use (GOMAXPROCS,
// which follows a container's CPU limit) when that is more, like pgxpool's own default (which
// counts the machine's CPUs). More is slower, not faster: a reminder's
// statements take well under a millisecond each, and with 16 connections per replica the
// backends of two replicas spent a third more CPU per reminder than with 4 (lock-manager and WAL
// contention, more processes to schedule) while the work waited for CPU, not for connections.
func defaultPool() int { return max(4, runtime.GOMAXPROCS(0)) }

// maxPool bounds pool_max_conns: PostgreSQL's own default max_connections is 100.
const maxPool = 1000

// parsePG parses a PostgreSQL URL (or keyword/value string) with pgx, and takes out of it the
// pool_max_conns parameter, which is ours, not the server's: the size of the connection pool.
func parsePG(url string) (*pgx.ConnConfig, int, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, 0, cadence.Errorf(cadence.EINVALID, "FOLLOWUP_DB is not a valid PostgreSQL URL: %s", parseReason(err))
	}
	pool := defaultPool()
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		delete(cfg.RuntimeParams, "pool_max_conns") // the server would refuse it
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPool {
			return nil, 0, cadence.Errorf(cadence.EINVALID,
				"FOLLOWUP_DB's pool_max_conns must be a whole number from 1 to %d, not %q", maxPool, v)
		}
		pool = n
	}
	return cfg, pool, nil
}

// IsPostgresURL says whether a FOLLOWUP_DB value names a PostgreSQL database rather than a file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// CheckURL returns EINVALID, in one line, when s is a postgres:// URL that does not parse; a file
// path and a valid URL return nil. No connection is made.
func CheckURL(s string) error {
	if !IsPostgresURL(s) {
		return nil
	}
	_, _, err := parsePG(s)
	return err
}

// Describe names a FOLLOWUP_DB value for logs and messages: a file path as it is, a PostgreSQL URL
// with its password hidden.
func Describe(s string) string {
	if !IsPostgresURL(s) {
		return s
	}
	u, err := neturl.Parse(s)
	if err != nil {
		return "a PostgreSQL URL"
	}
	return u.Redacted()
}

// openPostgres connects to the PostgreSQL database at url, checks the server and applies the
// pending migrations. Each way it can fail is one line that names the problem and never the
// password: a URL that does not parse (EINVALID), a server that cannot be reached or refuses the
// login, a server older than PostgreSQL 13 (EINVALID), a schema newer than this followup (ECONFLICT).
func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, poolSize, err := parsePG(url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	pool := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	pool.SetMaxOpenConns(poolSize)
	pool.SetMaxIdleConns(poolSize)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	where := fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)

	var num int
	if err := pool.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		_ = pool.Close()
		return nil, connectError(where, err)
	}
	if err := checkServerVersion(num); err != nil {
		_ = pool.Close()
		return nil, err
	}
	one := func() *sql.DB {
		p := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
		p.SetMaxOpenConns(1)
		p.SetMaxIdleConns(1)
		p.SetConnMaxIdleTime(5 * time.Minute)
		return p
	}
	db := &DB{path: url, w: pool, r: pool, pg: true, claims: one(), lead: one(), poolSize: poolSize, Now: time.Now}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// parseReason says why a URL did not parse without repeating the URL, which may hold a password.
func parseReason(err error) string {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return oneLine(ue.Err)
	}
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return oneLine(pe.Unwrap())
	}
	// pgx says "cannot parse `URL`: reason": keep the reason, which does not repeat the URL.
	if msg := err.Error(); strings.Count(msg, "`") == 2 {
		if _, reason, ok := strings.Cut(msg, "`: "); ok && reason != "" {
			return strings.Join(strings.Fields(reason), " ")
		}
	}
	return "it does not parse"
}

// checkServerVersion refuses a PostgreSQL older than 13 (server_version_num below 130000).
func checkServerVersion(num int) error {
	if num < minServerVersion {
		return cadence.Errorf(cadence.EINVALID, "PostgreSQL %d.%d is too old; followup needs PostgreSQL 13 or newer.",
			num/10000, num%10000/100)
	}
	return nil
}

// connectError names why the first query on a new PostgreSQL pool failed, in one line.
func connectError(where string, err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "28P01" || pg.Code == "28000":
			return fmt.Errorf("PostgreSQL %s refused the login (%s): check the user and password in FOLLOWUP_DB", where, pg.Message)
		case pg.Code == "3D000":
			return fmt.Errorf("PostgreSQL %s: the database does not exist (%s)", where, pg.Message)
		}
		return fmt.Errorf("PostgreSQL %s: %s (SQLSTATE %s)", where, pg.Message, pg.Code)
	}
	var oe *net.OpError
	if errors.As(err, &oe) { // "dial tcp 127.0.0.1:5432: connect: connection refused"
		return fmt.Errorf("cannot reach PostgreSQL at %s: %v", where, oneLine(oe))
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("cannot reach PostgreSQL at %s: %v", where, oneLine(err))
	}
	return fmt.Errorf("connect to PostgreSQL %s: %v", where, oneLine(err))
}

// unavailable marks err, from a PostgreSQL connection that could not be made or was lost, as
// EUNAVAIL with a message fit for a person, keeping err for the log; other errors (and every
// SQLite error) are returned as they are. The pool replaces lost connections by itself, so the
// next request after the database is back succeeds.
func (db *DB) unavailable(err error) error {
	if err == nil || !db.pg || cadence.ErrorCode(err) != cadence.EINTERNAL || !lostConnection(err) {
		return err
	}
	// The idle connections were most likely lost with this one (the server restarted, or ended
	// them): close them now, so that the requests after the database is back open new ones
	// instead of each failing once on a dead one.
	db.w.SetMaxIdleConns(0)
	db.w.SetMaxIdleConns(db.poolSize)
	if db.claims != nil {
		db.claims.SetMaxIdleConns(0)
		db.claims.SetMaxIdleConns(1)
	}
	return fmt.Errorf("%w: %w", cadence.Errorf(cadence.EUNAVAIL,
		"The database is not answering just now; nothing was changed. Try again in a moment."), err)
}

// lostConnection says whether err means the connection to PostgreSQL failed rather than the query.
func lostConnection(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) { // no connection could be made, whatever the server said
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P01-57P03: the server is shutting down or starting.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.Timeout(err)
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
