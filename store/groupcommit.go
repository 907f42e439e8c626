package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// maxMarkBatch bounds the reminders recorded in one transaction, and so how long a batch holds
// the write lock (a command's write waits behind it).
const maxMarkBatch = 64

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
		// The batch is everyone's: it is not cut short by this caller's context.
		q.run(context.WithoutCancel(ctx), db)
	}
	return <-m.done
}

// run records batches until no call waits. Should a batch panic, every call still waiting is
// answered with an error and the queue is left ready for the next call, before the panic goes on.
func (q *markQueue) run(ctx context.Context, db *DB) {
	var batch []*markReq
	defer func() {
		if r := recover(); r != nil {
			q.mu.Lock()
			rest := append(append([]*markReq(nil), batch...), q.waiting...)
			q.waiting, q.running = nil, false
			q.mu.Unlock()
			for _, m := range rest {
				select {
				case m.done <- fmt.Errorf("record reminder of touchpoint %d: %v", m.touchID, r):
				default: // answered before the panic
				}
			}
			panic(r)
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
	}
}

// markBatch records a batch in one transaction and tells each call its outcome. When the
// transaction fails, each call is tried again alone, so that one bad write fails only its own call.
func (db *DB) markBatch(ctx context.Context, batch []*markReq) {
	if len(batch) > 1 {
		err := db.write(ctx, func(tx *sql.Tx) error {
			for _, m := range batch {
				var err error
				if m.verdict, err = db.markReminded(ctx, tx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, m := range batch {
				m.done <- m.verdict
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
