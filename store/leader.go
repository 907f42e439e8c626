package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
)

// leaderLockKey is the session-level advisory lock the leader of the replicas holds.
const leaderLockKey = 0x666f6c6c6f78 // "folloX"

// ErrNotLeader is returned by Leader.IsLeader when another replica leads.
var ErrNotLeader = errors.New("another replica is the leader")

// Leader elects one replica among those sharing a PostgreSQL database to run the singleton jobs
// (the weekly report): the one holding a session-level advisory lock on a connection of its own.
// The lock lives as long as that connection, so a replica that dies, or whose connection is lost,
// stops being the leader and the next one to ask takes over. It is gocron's Elector.
type Leader struct {
	db   *DB
	mu   sync.Mutex
	conn *sql.Conn // the connection holding the lock; nil when not leader
}

// Leader returns the elector of this database's replicas, or nil on SQLite: one process owns an
// SQLite file, and MarkReported keeps even two processes from posting a report twice.
func (db *DB) Leader() *Leader {
	if !db.pg {
		return nil
	}
	return &Leader{db: db}
}

// IsLeader returns nil when this replica holds the leader's lock, taking it if it is free, and
// ErrNotLeader (or the error that kept it from asking) otherwise. A held lock is checked on every
// call: a connection that no longer answers is dropped, and leadership with it.
func (l *Leader) IsLeader(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if l.conn != nil {
		var held bool
		err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
			AND pid = pg_backend_pid() AND granted AND ((classid::bigint << 32) | objid::bigint) = ?)`,
			int64(leaderLockKey)).Scan(&held)
		if err == nil && held {
			return nil
		}
		l.drop()
	}
	conn, err := l.db.lead.Conn(ctx)
	if err != nil {
		return fmt.Errorf("elect leader: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(?)`, int64(leaderLockKey)).Scan(&got); err != nil {
		discard(conn)
		return fmt.Errorf("elect leader: %w", err)
	}
	if !got {
		_ = conn.Close()
		return ErrNotLeader
	}
	l.conn = conn
	return nil
}

// Close gives up leadership, if held, so that another replica takes over at once.
func (l *Leader) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	// Unlocked explicitly: the server ends a closed session's locks only a moment later.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(?)`, int64(leaderLockKey))
	l.drop()
	if err != nil {
		return fmt.Errorf("give up leadership: %w", err)
	}
	return nil
}

// drop ends the leader's connection; PostgreSQL releases the lock with the session.
func (l *Leader) drop() {
	if l.conn != nil {
		discard(l.conn)
		l.conn = nil
	}
}

// discard closes conn for good instead of handing it back to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
