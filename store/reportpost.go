package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// reportPostingKey is the settings key holding the end of the period whose weekly report is being
// posted: set before chat.postMessage, cleared by MarkReported after it.
const reportPostingKey = "report.posting_period_end"

// BeginReport records the intent of owner (a token naming one process) to post the report for
// the period ending at end, in one write transaction, and says what the caller must do (see
// ReportState). An earlier intent for the same period by another owner holds for lease after it
// was recorded (zero: it does not hold). MarkReported(end) records the post and clears the intent.
func (db *DB) BeginReport(ctx context.Context, end time.Time, owner string, now time.Time, lease time.Duration) (cadence.ReportState, error) {
	state := cadence.ReportDone
	err := db.write(ctx, func(tx *sql.Tx) error {
		last, err := lastReported(ctx, tx)
		if err != nil {
			return err
		}
		if !last.IsZero() && !end.After(last) {
			return nil
		}
		state = cadence.ReportNew
		var v string
		switch err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, reportPostingKey).Scan(&v); {
		case err == sql.ErrNoRows:
		case err != nil:
			return fmt.Errorf("read report intent: %w", err)
		default:
			// end_ms owner at_ms
			f := strings.Fields(v)
			if len(f) == 3 && f[0] == strconv.FormatInt(end.UnixMilli(), 10) {
				at, _ := strconv.ParseInt(f[2], 10, 64)
				if f[1] != owner && now.Before(time.UnixMilli(at).Add(lease)) {
					state = cadence.ReportBusy
					return nil
				}
				state = cadence.ReportRetry
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, reportPostingKey,
			fmt.Sprintf("%d %s %d", end.UnixMilli(), owner, now.UnixMilli())); err != nil {
			return fmt.Errorf("record report intent: %w", err)
		}
		return nil
	})
	return state, err
}
