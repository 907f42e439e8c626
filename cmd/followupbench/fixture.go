package main

// Fixtures: databases of a given size, written straight with SQL. store.Open creates the schema
// (every migration); the rows are then generated inside SQLite by recursive CTEs in one
// transaction, which fills a million rows in seconds where a million store.Enroll calls would take
// minutes. This is benchmark fixture code: the bot itself only ever reaches the database through
// package store.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver store uses

	"github.com/followup-bot/followup/store"
)

// reps is the number of reps in every fixture; rep n is Slack user repID(n).
const reps = 500

// repID is the Slack user id of rep n, as the fixtures' SQL spells it: printf('U%08d', n).
func repID(n int) string { return fmt.Sprintf("U%08d", n) }

// repSQL is repID in SQL, for the row number expression x.
func repSQL(x string) string { return fmt.Sprintf("printf('U%%08d', (%s) %% %d)", x, reps) }

// cadenceIDs are the built-in cadences the fixtures spread follow-ups over.
const cadenceCase = `CASE (%s) %% 7 WHEN 0 THEN 'demo' WHEN 1 THEN 'cold-email' WHEN 2 THEN 'proposal'
	WHEN 3 THEN 'missed-meeting' WHEN 4 THEN 'form-fill' WHEN 5 THEN 'event-chat' ELSE 'customer-checkin' END`

// seq is a recursive CTE of the numbers 1..n, named n(i).
const seq = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) `

// fixture creates a database at path with every migration applied and runs stmts in one
// transaction; each statement gets its args.
func fixture(ctx context.Context, path string, stmts ...stmt) error {
	_ = os.Remove(path)
	_ = os.Remove(path + "-wal")
	_ = os.Remove(path + "-shm")
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return execSQL(ctx, path, stmts...)
}

// stmt is one SQL statement with its arguments.
type stmt struct {
	q    string
	args []any
}

// execSQL runs stmts in one transaction against the database file at path.
func execSQL(ctx context.Context, path string, stmts ...stmt) error {
	raw, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=0")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	if _, err := raw.ExecContext(ctx, `PRAGMA synchronous = OFF`); err != nil {
		return err
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("fixture: %w\n%s", err, s.q)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// queryInt runs a query returning one integer against the database file at path.
func queryInt(ctx context.Context, path, q string, args ...any) (int, error) {
	raw, err := sql.Open("sqlite3", path+"?_busy_timeout=5000&mode=ro")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	var n int
	err = raw.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// contactsSQL fills contacts 1..n with a name, a unique email and a company.
func contactsSQL(n int) stmt {
	return stmt{seq + `INSERT INTO contacts (id, name, email, company, role, created_at)
		SELECT i, 'Contact ' || i, 'c' || i || '@bench.example', 'Company ' || (i % 997), 'Buyer', 0 FROM n`, []any{n}}
}

// enrollmentsSQL fills enrollments 'e<i>' for contacts 1..n: owner rep i%500, cadence by i%7,
// status from statusExpr (an SQL expression of i), created a week before at.
func enrollmentsSQL(n int, at time.Time, statusExpr string) stmt {
	return stmt{seq + `INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at, intent, note,
		status, stop_reason, step, created_at, updated_at, ended_at)
		SELECT 'e' || i, i, ` + repSQL("i") + `, ` + fmt.Sprintf(cadenceCase, "i") + `, 'demo', ?2 - 604800000, 'warm',
			'Cares about cutting dispatch errors before peak season.',
			` + statusExpr + `, CASE WHEN ` + statusExpr + ` = 'active' THEN '' ELSE 'replied' END, 0, ?2 - 604800000, ?2 - 604800000,
			CASE WHEN ` + statusExpr + ` = 'active' THEN NULL ELSE ?2 - (i % 604800) * 1000 END
		FROM n`, []any{n, at.UnixMilli()}}
}

// claimFixture is store's BenchmarkClaim shape: n active follow-ups with one pending touchpoint
// each, due of them due before at (oldest first) and the rest a year later.
func claimFixture(ctx context.Context, path string, n, due int, at time.Time) error {
	return fixture(ctx, path, contactsSQL(n), enrollmentsSQL(n, at, "'active'"),
		stmt{seq + `INSERT INTO touchpoints (enrollment_id, step, due, state)
			SELECT 'e' || i, 0, CASE WHEN i <= ?2 THEN ?3 - (?2 + 1 - i) * 1000 ELSE ?3 + 31536000000 + i * 1000 END, 'pending'
			FROM n`, []any{n, due, at.UnixMilli()}})
}

// ackFixture is n active follow-ups owned by the 500 reps, each with a pending touchpoint due in a
// year (so the bot has nothing to dispatch while commands are measured) and its "enrolled" event.
func ackFixture(ctx context.Context, path string, n int, at time.Time) error {
	return fixture(ctx, path, contactsSQL(n), enrollmentsSQL(n, at, "'active'"),
		stmt{seq + `INSERT INTO touchpoints (enrollment_id, step, due, state)
			SELECT 'e' || i, 0, ?2 + 31536000000 + i * 1000, 'pending' FROM n`, []any{n, at.UnixMilli()}},
		stmt{seq + `INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind)
			SELECT ?2 - 604800000, 'e' || i, i, ` + fmt.Sprintf(cadenceCase, "i") + `, -1, ` + repSQL("i") + `, ` + repSQL("i") + `, 'enrolled'
			FROM n`, []any{n, at.UnixMilli()}})
}

// dispatchFixture is n active "demo" follow-ups for the 500 reps, each with its first touchpoint
// due within the hour before at, as when a team's reminders come due together on a Monday
// morning. Scrambled puts the reps in a pseudo-random order of due times (a multiplicative hash
// of the row number), as real due times fall; otherwise the reps take turns (rep 0, 1, …, 499,
// 0, 1, …), the best order for a dispatcher that paces each rep's DMs a second apart.
func dispatchFixture(ctx context.Context, path string, n int, at time.Time, scrambled bool) error {
	due := `?2 - 3600000 + i * 100` // i = 1, 2, … n: due in turn, rep i % 500
	if scrambled {
		due = `?2 - 1000 - ((i * 2654435761) % 4294967296) % 3600000`
	}
	return fixture(ctx, path, contactsSQL(n),
		stmt{seq + `INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at, intent, note,
			status, step, created_at, updated_at)
			SELECT 'e' || i, i, ` + repSQL("i") + `, 'demo', 'demo', ?2 - 86400000, 'warm',
				'Cares about cutting dispatch errors before peak season.', 'active', 0, ?2 - 86400000, ?2 - 86400000
			FROM n`, []any{n, at.UnixMilli()}},
		stmt{seq + `INSERT INTO touchpoints (enrollment_id, step, due, state)
			SELECT 'e' || i, 0, ` + due + `, 'pending' FROM n`, []any{n, at.UnixMilli()}},
		stmt{seq + `INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind)
			SELECT ?2 - 86400000, 'e' || i, i, 'demo', -1, ` + repSQL("i") + `, ` + repSQL("i") + `, 'enrolled'
			FROM n`, []any{n, at.UnixMilli()}})
}

// reportFixture is a year of a team's history ending at end: enrollments follow-ups (a third
// still active, with an open touchpoint, some overdue) and events events spread evenly over the
// year, of the kinds the report counts in realistic proportions.
func reportFixture(ctx context.Context, path string, enrollments, events int, end time.Time) error {
	const year = int64(365 * 24 * 3600 * 1000)
	status := `CASE WHEN i % 3 = 0 THEN 'active' WHEN i % 3 = 1 THEN 'completed' ELSE 'stopped' END`
	kind := `CASE WHEN i % 100 < 5 THEN 'enrolled' WHEN i % 100 < 40 THEN 'reminded' WHEN i % 100 < 80 THEN 'sent'
		WHEN i % 100 < 88 THEN 'replied' WHEN i % 100 < 92 THEN 'meeting_booked' WHEN i % 100 < 93 THEN 'deal_closed'
		WHEN i % 100 < 94 THEN 'opted_out' WHEN i % 100 < 97 THEN 'snoozed' ELSE 'skipped' END`
	return fixture(ctx, path, contactsSQL(enrollments), enrollmentsSQL(enrollments, end, status),
		stmt{seq + `INSERT INTO touchpoints (enrollment_id, step, due, state)
			SELECT 'e' || i, 1, ?2 - 172800000 + (i % 345600) * 1000, 'pending' FROM n WHERE i % 3 = 0`,
			[]any{enrollments, end.UnixMilli()}},
		stmt{seq + `INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind)
			SELECT ?2 - ?3 + (i * ?3) / ?1, 'e' || (1 + i % ?4), 1 + i % ?4, ` + fmt.Sprintf(cadenceCase, "1 + i % ?4") + `,
				(i / ?4) % 5, ` + repSQL("1 + i % ?4") + `, ` + repSQL("1 + i % ?4") + `, ` + kind + `
			FROM n`, []any{events, end.UnixMilli(), year, enrollments}})
}
