package main

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
	"github.com/followup-bot/followup/store/pgtest"
)

// TestMigrateDBCopiesIntoEmptyPostgres runs "followup migrate-db" on an SQLite database with
// follow-ups in it: the counts are printed and the bot's view of the copy is the same; a second
// run into the now non-empty target is refused.
func TestMigrateDBCopiesIntoEmptyPostgres(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.New(t)
	path := filepath.Join(t.TempDir(), "f.db")
	src, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	for i, email := range []string{"dana@example.com", "eve@example.com", "finn@example.com"} {
		_, err := src.Enroll(ctx, cadence.Contact{Name: email, Email: email}, cadence.Change{
			Enrollment: cadence.Enrollment{Owner: "U0ALICE001", CadenceID: "demo", Trigger: cadence.TriggerDemo,
				TriggerAt: now, Intent: cadence.IntentWarm, Status: cadence.StatusActive},
			Next:  &cadence.Touchpoint{Step: 0, Due: now.Add(time.Duration(i) * time.Hour)},
			Event: cadence.Event{Kind: "enrolled", Actor: "U0ALICE001", Step: -1},
		}, now)
		if err != nil {
			t.Fatal(err)
		}
	}
	want, err := src.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := runCmd(t, nil, "migrate-db", "--from", path, "--to", pg)
	if err != nil {
		t.Fatalf("migrate-db: %v %s", err, stderr)
	}
	flat := strings.Join(strings.Fields(stdout), " ")
	for _, line := range []string{"contacts 3 enrollments 3 touchpoints 3", "events 3", "the counts match"} {
		if !strings.Contains(flat, line) {
			t.Errorf("output lacks %q:\n%s", line, stdout)
		}
	}
	dst, err := store.Open(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dst.Stats(ctx)
	_ = dst.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got.Contacts != want.Contacts || got.PendingTouchpoints != want.PendingTouchpoints || got.Events != want.Events {
		t.Errorf("copy holds %+v, source %+v", got, want)
	}

	_, _, err = runCmd(t, nil, "migrate-db", "--from", path, "--to", pg)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second migrate-db: %v, want a refusal naming a non-empty target", err)
	}
	for _, args := range [][]string{
		{"migrate-db", "--from", path},
		{"migrate-db", "--from", path, "--to", filepath.Join(t.TempDir(), "other.db")},
		{"migrate-db", "--from", filepath.Join(t.TempDir(), "missing.db"), "--to", pg},
	} {
		if _, _, err := runCmd(t, nil, args...); err == nil {
			t.Errorf("%q succeeded", args)
		}
	}
}

// TestRunStopsOnABadPostgres: a FOLLOWUP_DB URL that does not parse, a server that does not
// answer, a login the server refuses (here a role it does not know; a wrong password is the same
// path, store.TestPostgresBadInput) and a database of a newer schema each stop "followup run" with
// one line naming it, and nothing else.
func TestRunStopsOnABadPostgres(t *testing.T) {
	pg := pgtest.New(t)
	// A database migrated by a newer followup.
	if _, _, err := runCmd(t, map[string]string{"FOLLOWUP_DB": pg}, "migrate"); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()

	for _, c := range []struct{ db, want string }{
		{"postgres://u:s3cret@localhost:notaport/db", "FOLLOWUP_DB is not a valid PostgreSQL URL"},
		{"postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=5", "cannot reach PostgreSQL at u@127.0.0.1:1/db"},
		{asNobody(t, pg), "refused the login"},
		{pg, "newer than this followup knows"},
	} {
		env := map[string]string{"FOLLOWUP_DB": c.db, "SLACK_APP_TOKEN": "xapp-1-A-1-x", "SLACK_BOT_TOKEN": "xoxb-1-x",
			"SLACK_API_URL": "http://127.0.0.1:1/api/"}
		_, _, err := runCmd(t, env, "run")
		if err == nil {
			t.Fatalf("run with FOLLOWUP_DB=%s succeeded", c.db)
		}
		var b strings.Builder
		exitCode(err, &b)
		out := b.String()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		if len(lines) != 1 || !strings.Contains(last, c.want) || strings.Contains(out, "s3cret") {
			t.Errorf("FOLLOWUP_DB=%s: output %q, want one line containing %q and no password", c.db, out, c.want)
		}
	}
}

// asNobody is the PostgreSQL URL u with a user the server does not know, and a password.
func asNobody(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.User = url.UserPassword("followup_nobody", "s3cret")
	return p.String()
}
