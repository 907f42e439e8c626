package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
)

// maxMarkBatch bounds the reminders recorded in one transaction, and so how long a batch holds
// the write lock (a command's write waits behind it).
const maxMarkBatch = 64

// markTestHook, when set (by tests only), is called before each write of a batch.
var markTestHook func(touchID int64)

// markQueue records the dispatcher's DMs (MarkReminded) with group commit on SQLite: a call that
// finds no batch running runs one with every call waiting at that moment, in one transaction, and
// then the calls that came meanwhile, until none wait. Each call still returns only once its own
// write is committed. A commit writes the pages it changed to the WAL, a dozen for one reminder
// (the touchpoint, its indexes, the event and the event log's indexes), most of them shared by the
// reminders of a batch: recording 10,000 reminders one transaction each was an eighth of the
// dispatcher's CPU time.
type markQueue struct {
	mu      sync.Mutex
	waiting []*markReq
	running bool
}

// do records m, in a batch with others when there are.
func (q *markQueue) do(ctx context.Context, db *DB, m *markReq) error {
	m.done = make(chan error, 1)
	q.mu.Lock()
	q.waiting = append(q.waiting, m)
	lead := !q.running
	q.running = true
	q.mu.Unlock()
	if lead {
		// The batches are everyone's: they are not cut short by this caller's context.
		q.run(context.WithoutCancel(ctx), db, m)
	}
	return <-m.done
}

// run records batches until the one holding mine is done (until none wait, for mine nil); then,
// when calls still wait, it leaves them to a goroutine of its own, so that a caller leads for
// two batches at most. A panic answers every call it touched or that waits with an error, and
// leaves the queue ready for the next call.
func (q *markQueue) run(ctx context.Context, db *DB, mine *markReq) {
	var batch []*markReq
	defer func() {
		if r := recover(); r != nil {
			q.mu.Lock()
			rest := append(append([]*markReq(nil), batch...), q.waiting...)
			q.waiting, q.running = nil, false
			q.mu.Unlock()
			for _, m := range rest {
				select {
				case m.done <- fmt.Errorf("record reminder of touchpoint %d: panic: %v", m.touchID, r):
				default: // answered before the panic
				}
			}
		}
	}()
	for {
		q.mu.Lock()
		batch = q.waiting
		if len(batch) > maxMarkBatch {
			batch = batch[:maxMarkBatch]
		}
		q.waiting = q.waiting[len(batch):]
		if len(batch) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		db.markBatch(ctx, batch)
		if mine != nil && slices.Contains(batch, mine) {
			q.mu.Lock()
			more := len(q.waiting) > 0
			q.running = more
			q.mu.Unlock()
			if more {
				go q.run(ctx, db, nil)
			}
			return
		}
	}
}

// markBatch records a batch in one transaction and tells each call its outcome. When one of its
// writes fails in the database, the batch is rolled back and each call is tried alone, so that
// one bad write fails only its own call; when the transaction itself cannot begin or commit,
// every call gets that error (trying each alone would only wait for the same failure 64 times).
func (db *DB) markBatch(ctx context.Context, batch []*markReq) {
	if len(batch) > 1 {
		memberFailed := false
		err := db.write(ctx, func(tx *sql.Tx) error {
			for _, m := range batch {
				if markTestHook != nil {
					markTestHook(m.touchID)
				}
				var err error
				if m.verdict, err = db.markReminded(ctx, tx, m); err != nil {
					memberFailed = true
					return err
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for _, m := range batch {
				m.done <- m.verdict
			}
			return
		case !memberFailed:
			for _, m := range batch {
				m.done <- err
			}
			return
		}
	}
	for _, m := range batch {
		var verdict error
		err := db.write(ctx, func(tx *sql.Tx) (err error) {
			verdict, err = db.markReminded(ctx, tx, m)
			return err
		})
		if err == nil {
			err = verdict
		}
		m.done <- err
	}
}
