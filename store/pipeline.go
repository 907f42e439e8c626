package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// stmt is one statement of a pipeline: its SQL, with "?" placeholders, and its arguments.
type stmt struct {
	sql  string
	args []any
}

// pipeline runs stmts on one PostgreSQL connection in one round trip, as one transaction (a
// batch's implicit one: all of them take effect or none), and returns how many rows each one
// changed. As in any READ COMMITTED transaction each statement sees what committed before it
// began, so a lock taken by one holds for the ones after it: a write that begins with a lock
// statement (writeTouch's) costs one round trip this way instead of four (BEGIN, the lock, the
// write, COMMIT). PostgreSQL only.
func (db *DB) pipeline(ctx context.Context, stmts ...stmt) ([]int64, error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, db.unavailable(fmt.Errorf("begin write: %w", err))
	}
	defer conn.Close()
	changed := make([]int64, len(stmts))
	err = conn.Raw(func(dc any) error {
		var b pgx.Batch
		for _, s := range stmts {
			b.Queue(rebind(s.sql), s.args...)
		}
		c, ok := dc.(*rebindConn)
		if !ok {
			return fmt.Errorf("pipeline on a %T, not a PostgreSQL connection", dc)
		}
		br := c.Conn.Conn().SendBatch(ctx, &b)
		for i := range stmts {
			tag, err := br.Exec()
			if err != nil {
				_ = br.Close() // the batch's transaction is rolled back
				return err
			}
			changed[i] = tag.RowsAffected()
		}
		return br.Close()
	})
	if err != nil {
		return nil, db.unavailable(err)
	}
	return changed, nil
}
