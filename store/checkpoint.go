package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// checkpointEvery is how many of the writer's commits go by between two checkpoints of the WAL
// into the database file. A command commits a few pages, so this is about the 1,000 pages at
// which SQLite checkpoints by itself.
const checkpointEvery = 128

// On SQLite the writer connection never checkpoints the WAL itself: SQLite's automatic
// checkpoint runs inside the commit that crosses its threshold, copying the WAL's pages into the
// database file and syncing both while that commit holds the only writer connection, so every
// write and every list read through the writer (readHot) waited behind it, tens of milliseconds
// each time. A connection of its own checkpoints instead, beside the writer, every
// checkpointEvery commits; PASSIVE, so it never waits for the writer or a reader, nor they for
// it. Durability is unchanged: a commit is in the WAL when it returns, and the WAL is synced by
// each checkpoint, as before (synchronous=NORMAL).
type checkpointer struct {
	db      *sql.DB // one connection, only for checkpoints
	kick    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	commits int
	closed  bool

	// after, when set (tests), is called after each checkpoint with its result.
	after func(busy, log, checkpointed int, err error)
}

// sqliteConnector opens SQLite connections with dsn and runs hook on each new one.
type sqliteConnector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c sqliteConnector) Driver() driver.Driver                        { return c.drv }

// openWriter opens the writer's pool (one connection) on dsn with the automatic checkpoint off,
// on every connection the pool ever opens.
func openWriter(dsn string) *sql.DB {
	return sql.OpenDB(sqliteConnector{dsn: dsn, drv: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(`PRAGMA wal_autocheckpoint = 0`, nil)
		return err
	}}})
}

// startCheckpointer opens the checkpoint connection on dsn and starts its loop.
func (db *DB) startCheckpointer(dsn string) error {
	c, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return err
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	c.SetConnMaxIdleTime(0)
	db.ckpt = &checkpointer{db: c, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go db.ckpt.loop()
	return nil
}

func (cp *checkpointer) loop() {
	defer close(cp.done)
	for range cp.kick {
		var busy, log, done int
		err := cp.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
		if cp.after != nil {
			cp.after(busy, log, done, err)
		}
		// An error (the disk full, say) is met again by the next commit; the WAL only grows
		// meanwhile, as it would if SQLite's own checkpoint failed.
	}
}

// committed counts a commit of the writer and asks for a checkpoint every checkpointEvery.
func (cp *checkpointer) committed() {
	if cp == nil {
		return
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.commits++
	if cp.commits%checkpointEvery == 0 && !cp.closed {
		select {
		case cp.kick <- struct{}{}:
		default: // one is running or asked for already
		}
	}
}

// close stops the loop, after a checkpoint in progress, and closes the connection; again, it
// does nothing.
func (cp *checkpointer) close() error {
	if cp == nil {
		return nil
	}
	cp.mu.Lock()
	if cp.closed {
		cp.mu.Unlock()
		return nil
	}
	cp.closed = true
	close(cp.kick)
	cp.mu.Unlock()
	<-cp.done
	return cp.db.Close()
}
