package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
)

// TestRunServesHealthReadinessAndMetrics runs "followup run" with FOLLOWUP_HTTP_ADDR: /healthz and
// /readyz answer 200 once connected, /metrics counts the slash command's ack by subcommand, and
// the server is gone when run returns.
func TestRunServesHealthReadinessAndMetrics(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: "U0ALICE001", Name: "alice", TZ: "Europe/Berlin"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // free for the bot to take
	env := map[string]string{
		"SLACK_APP_TOKEN": srv.AppToken(), "SLACK_BOT_TOKEN": srv.BotToken(), "SLACK_API_URL": srv.APIURL(),
		"FOLLOWUP_DB": filepath.Join(t.TempDir(), "followup.db"), "FOLLOWUP_HTTP_ADDR": addr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SendSlashCommand(wctx, slacktest.SlashCommand{UserID: "U0ALICE001", Command: "/followup",
		Text: `add "Dana Lee" dana@acme.com cadence=demo`}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitResponsePosts(wctx, 1); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}
	// The ack's histogram is observed on the socket goroutine once the ack is queued, which can be
	// a moment after the reply reached Slack through the response_url: wait for it, not for a time.
	var code int
	var body string
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		code, body = get("/metrics")
		if code != 200 {
			t.Fatalf("/metrics = %d", code)
		}
		if strings.Contains(body, `followup_ack_seconds_count{command="slash:add"} 1`) {
			break
		}
		select {
		case <-wctx.Done():
			t.Fatalf("/metrics never counted the ack:\n%s", body)
		case <-tick.C:
		}
	}
	for _, want := range []string{
		`followup_ack_seconds_count{command="slash:add"} 1`,
		`followup_socket_connections 1`,
		`followup_reminders_total{result="posted"} 0`, `followup_claim_lag_seconds_count 0`,
		`followup_llm_requests_total 0`, `followup_slack_rate_limit_wait_seconds_count 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the HTTP server still answers after run returned")
	}
}

// switchDB is a database that answers or not.
type switchDB struct{ down atomic.Bool }

func (d *switchDB) Ping(context.Context) error {
	if d.down.Load() {
		return errors.New("connection refused")
	}
	return nil
}

// TestReadyzNamesWhatIsMissing: /readyz is 503 naming the database when it does not answer, and
// naming the Socket Mode connection when that is not open; /healthz stays 200.
func TestReadyzNamesWhatIsMissing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := newMetrics()
	done := make(chan error, 1)
	db := &switchDB{}
	db.down.Store(true)
	go func() { done <- serveHTTP(ctx, ln, db, m, slog.New(slog.DiscardHandler)) }()
	defer func() { cancel(); <-done }()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "database") {
		t.Errorf("/readyz with the database down = %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	db.down.Store(false)
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "Socket Mode") {
		t.Errorf("/readyz before the connection opened = %d %q", code, body)
	}
	m.Connected(true)
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz when ready = %d %q", code, body)
	}
}
