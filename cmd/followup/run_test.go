package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/bot/slacktest"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunServesAndShutsDown runs "followup run" as main would, against the fake Slack: it
// connects, answers a slash command, and returns nil once its context is cancelled.
func TestRunServesAndShutsDown(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: "U0ALICE001", Name: "alice", TZ: "Europe/Berlin"})
	env := map[string]string{
		"SLACK_APP_TOKEN": srv.AppToken(), "SLACK_BOT_TOKEN": srv.BotToken(), "SLACK_API_URL": srv.APIURL(),
		"FOLLOWUP_DB": filepath.Join(t.TempDir(), "followup.db"), "LOG_LEVEL": "debug",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, io.Discard, logs) }()

	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		t.Fatalf("bot never connected: %v\n%s", err, logs)
	}
	secret := "response time is a challenge for her team"
	ack, err := srv.SendSlashCommand(wctx, slacktest.SlashCommand{UserID: "U0ALICE001", Command: "/followup",
		Text: `add "Dana Lee" dana@acme.com cadence=demo note="` + secret + `"`})
	if err != nil {
		t.Fatal(err)
	}
	if d := ack.Latency(); d > 3*time.Second {
		t.Errorf("ack took %v", d)
	}
	posts, err := srv.WaitResponsePosts(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var reply struct{ Text string }
	if err := json.Unmarshal(posts[0].Body, &reply); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reply.Text, "Dana Lee") {
		t.Errorf("reply to add = %q", reply.Text)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after shutdown", err)
		}
	case <-wctx.Done():
		t.Fatal("run did not return after its context was cancelled")
	}
	out := logs.String()
	for _, secretText := range []string{srv.BotToken(), srv.AppToken(), secret} {
		if strings.Contains(out, secretText) {
			t.Errorf("the log contains %q:\n%s", secretText, out)
		}
	}
}

// TestRunFailsFastOnARejectedToken: auth.test saying invalid_auth stops run at once with a
// message naming the variable and where to get a good token.
func TestRunFailsFastOnARejectedToken(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	env := map[string]string{
		"SLACK_APP_TOKEN": srv.AppToken(), "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_API_URL": srv.APIURL(),
		"FOLLOWUP_DB": filepath.Join(t.TempDir(), "followup.db"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := run(ctx, []string{"run"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if !errors.Is(err, bot.ErrAuth) {
		t.Fatalf("run = %v, want ErrAuth", err)
	}
	for _, want := range []string{"SLACK_BOT_TOKEN", "invalid_auth", "manifest.yaml"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d Socket Mode connections with a rejected bot token", n)
	}
}

// TestRunFailsOnARejectedAppToken: apps.connections.open refusing the app token ends run with a
// message about SLACK_APP_TOKEN.
func TestRunFailsOnARejectedAppToken(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	env := map[string]string{
		"SLACK_APP_TOKEN": "xapp-revoked", "SLACK_BOT_TOKEN": srv.BotToken(), "SLACK_API_URL": srv.APIURL(),
		"FOLLOWUP_DB": filepath.Join(t.TempDir(), "followup.db"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := run(ctx, []string{"run"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if !errors.Is(err, bot.ErrAuth) || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Fatalf("run = %v, want ErrAuth naming SLACK_APP_TOKEN", err)
	}
}
