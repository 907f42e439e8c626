package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store/pgtest"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPostgresBadInput: each way a PostgreSQL FOLLOWUP_DB can be wrong stops Open with one line
// that names the problem and never shows the password.
func TestPostgresBadInput(t *testing.T) {
	if testBackend != "postgres" {
		t.Skip("runs in the postgres pass")
	}
	ctx := context.Background()
	oneLineWithout := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil {
			t.Fatal("Open succeeded")
		}
		msg := err.Error()
		if cadence.ErrorCode(err) != cadence.EINTERNAL {
			msg = cadence.ErrorMessage(err)
		}
		if strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
			t.Errorf("error %q: want one line containing %q and no password", msg, want)
		}
	}
	t.Run("url does not parse", func(t *testing.T) {
		_, err := Open(ctx, "postgres://u:s3cret@localhost:notaport/db")
		wantCode(t, err, cadence.EINVALID)
		oneLineWithout(t, err, "not a valid PostgreSQL URL: invalid port")
		if err := CheckURL("postgres://u:s3cret@localhost:notaport/db"); cadence.ErrorCode(err) != cadence.EINVALID {
			t.Errorf("CheckURL = %v, want EINVALID", err)
		}
	})
	t.Run("server not reachable", func(t *testing.T) {
		_, err := Open(ctx, "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=5")
		oneLineWithout(t, err, "cannot reach PostgreSQL at u@127.0.0.1:1/db")
	})
	t.Run("no such database", func(t *testing.T) {
		u := strings.Replace(testPG.URL, "/followup_test_", "/followup_nosuch_", 1)
		_, err := Open(ctx, u)
		oneLineWithout(t, err, "does not exist")
	})
	t.Run("password refused", func(t *testing.T) {
		err := connectError("u@db:5432/app", fmt.Errorf("connect: %w",
			&pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "u"`}))
		oneLineWithout(t, err, `refused the login (password authentication failed for user "u")`)
	})
	t.Run("server too old", func(t *testing.T) {
		err := checkServerVersion(120017)
		wantCode(t, err, cadence.EINVALID)
		oneLineWithout(t, err, "PostgreSQL 12.0 is too old; followup needs PostgreSQL 13 or newer")
		if err := checkServerVersion(130000); err != nil {
			t.Errorf("PostgreSQL 13 refused: %v", err)
		}
	})
	t.Run("pool size", func(t *testing.T) {
		with := func(param string) string {
			sep := "?"
			if strings.Contains(testPG.URL, "?") {
				sep = "&"
			}
			return testPG.URL + sep + "pool_max_conns=" + param
		}
		for _, bad := range []string{"0", "-1", "many", "1001"} {
			_, err := Open(ctx, with(bad))
			wantCode(t, err, cadence.EINVALID)
			oneLineWithout(t, err, "pool_max_conns must be a whole number from 1 to 1000")
			if err := CheckURL(with(bad)); cadence.ErrorCode(err) != cadence.EINVALID {
				t.Errorf("CheckURL with pool_max_conns=%s: %v, want EINVALID", bad, err)
			}
		}
		db, err := Open(ctx, with("2")) // ours: not sent to the server, which would refuse it
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.PutSetting(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		}
		if got := db.w.Stats().MaxOpenConnections; got != 2 {
			t.Errorf("pool_max_conns=2: the pool opens up to %d connections", got)
		}
		if got := mustOpen(t).w.Stats().MaxOpenConnections; got != defaultPool() {
			t.Errorf("by default the pool opens up to %d connections, want %d", got, defaultPool())
		}
	})
	t.Run("describe hides the password", func(t *testing.T) {
		if d := Describe("postgres://u:s3cret@h/db"); strings.Contains(d, "s3cret") {
			t.Errorf("Describe = %q", d)
		}
	})
}

// TestRebind turns "?" into "$n" except inside literals, quoted names and comments.
func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                            `SELECT 1`,
		`a = ? AND b IN (?, ?)`:               `a = $1 AND b IN ($2, $3)`,
		`x = '?' AND y = ?`:                   `x = '?' AND y = $1`,
		`"we?ird" = ? -- why?` + "\n" + `, ?`: `"we?ird" = $1 -- why?` + "\n" + `, $2`,
		`x = 'it''s?' AND y = ?`:              `x = 'it''s?' AND y = $1`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPostgresOutage: while the database refuses connections, methods fail with EUNAVAIL ("try
// again in a moment"); once it is back the same handle works again without being reopened.
func TestPostgresOutage(t *testing.T) {
	if testBackend != "postgres" {
		t.Skip("runs in the postgres pass")
	}
	ctx := context.Background()
	db := mustOpen(t)
	if err := db.PutSetting(ctx, "k", "before"); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", pgtest.Server())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := testPG.Name()
	allow := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS %t`, name, on)); err != nil {
			t.Fatal(err)
		}
	}
	allow(false)
	defer allow(true)
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	err = db.PutSetting(ctx, "k", "during")
	wantCode(t, err, cadence.EUNAVAIL)
	if msg := cadence.ErrorMessage(err); !strings.Contains(msg, "Try again in a moment") {
		t.Errorf("message %q", msg)
	}
	_, err = db.Setting(ctx, "k")
	wantCode(t, err, cadence.EUNAVAIL)
	allow(true)
	if err := db.PutSetting(ctx, "k", "after"); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if v, err := db.Setting(ctx, "k"); err != nil || v != "after" {
		t.Errorf("Setting = %q, %v", v, err)
	}
}
