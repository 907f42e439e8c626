package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/store/pgtest"
)

// TestRunOnPostgresRidesOutAnOutage runs "followup run" on PostgreSQL and takes its database away
// (no new connections, the open ones ended): a command is still acked and answered "try again in
// a moment", the process keeps running, and once the database is back the next command works
// without a restart.
func TestRunOnPostgresRidesOutAnOutage(t *testing.T) {
	pg := pgtest.New(t)
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", pgtest.Server())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	allow := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS %t`, name, on)); err != nil {
			t.Fatal(err)
		}
	}
	defer allow(true)

	srv := slacktest.New()
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: "U0ALICE001", Name: "alice", TZ: "Europe/Berlin"})
	env := map[string]string{
		"SLACK_APP_TOKEN": srv.AppToken(), "SLACK_BOT_TOKEN": srv.BotToken(), "SLACK_API_URL": srv.APIURL(),
		"FOLLOWUP_DB": pg,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	command := func(text string) string {
		t.Helper()
		before := len(srv.ResponsePosts())
		ack, err := srv.SendSlashCommand(wctx, slacktest.SlashCommand{UserID: "U0ALICE001", Command: "/followup", Text: text})
		if err != nil {
			t.Fatalf("%s: no ack: %v", text, err)
		}
		if d := ack.AckedAt.Sub(ack.SentAt); d > 3*time.Second {
			t.Errorf("%s: acked after %s", text, d)
		}
		posts, err := srv.WaitResponsePostsAfter(wctx, before)
		if err != nil {
			t.Fatalf("%s: no reply: %v", text, err)
		}
		return string(posts[0].Body)
	}
	if reply := command(`add "Dana Lee" dana@acme.com cadence=demo`); !strings.Contains(reply, "Dana Lee") {
		t.Fatalf("before the outage: %s", reply)
	}

	allow(false)
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	if reply := command("list"); !strings.Contains(reply, "Try again in a moment") {
		t.Errorf("during the outage: %s", reply)
	}
	select {
	case err := <-done:
		t.Fatalf("run ended during the outage: %v", err)
	default:
	}

	allow(true)
	if reply := command("list"); !strings.Contains(reply, "Dana Lee") {
		t.Errorf("after the outage: %s", reply)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
