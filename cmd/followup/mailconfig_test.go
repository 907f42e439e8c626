package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/mailbox/mailboxtest"
	"github.com/followup-bot/followup/bot/slacktest"
)

func defaults() rawConfig {
	raw := rawConfig{}
	for _, s := range settings {
		raw[s.env] = s.def
	}
	return raw
}

func TestMailConfig(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.json")
	if err := os.WriteFile(key, mailboxtest.NewGmail(t).KeyFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	notKey := filepath.Join(dir, "user.json")
	if err := os.WriteFile(notKey, []byte(`{"type":"authorized_user"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	graph := map[string]string{"FOLLOWUP_GRAPH_TENANT": "contoso.onmicrosoft.com", "FOLLOWUP_GRAPH_CLIENT_ID": "c", "FOLLOWUP_GRAPH_CLIENT_SECRET": "s"}
	for _, tc := range []struct {
		name string
		set  map[string]string
		err  string // "" for none
		want string // the reader's name, "" for none
	}{
		{"none", nil, "", ""},
		{"gmail", map[string]string{"FOLLOWUP_GMAIL_CREDENTIALS": key}, "", "gmail"},
		{"graph", graph, "", "graph"},
		{"gmail missing file", map[string]string{"FOLLOWUP_GMAIL_CREDENTIALS": filepath.Join(dir, "nope.json")}, "FOLLOWUP_GMAIL_CREDENTIALS: cannot read", ""},
		{"gmail not a service account", map[string]string{"FOLLOWUP_GMAIL_CREDENTIALS": notKey}, "is not a service account key file", ""},
		{"graph partial", map[string]string{"FOLLOWUP_GRAPH_TENANT": "t"}, "go together", ""},
		{"both", map[string]string{"FOLLOWUP_GMAIL_CREDENTIALS": key, "FOLLOWUP_GRAPH_TENANT": "t", "FOLLOWUP_GRAPH_CLIENT_ID": "c", "FOLLOWUP_GRAPH_CLIENT_SECRET": "s"}, "not both", ""},
		{"poll too fast", map[string]string{"FOLLOWUP_MAIL_POLL": "500ms"}, "FOLLOWUP_MAIL_POLL: 500ms is out of range", ""},
		{"poll not a duration", map[string]string{"FOLLOWUP_MAIL_POLL": "often"}, "FOLLOWUP_MAIL_POLL: \"often\" is not a duration", ""},
		{"bad graph url", map[string]string{"FOLLOWUP_GRAPH_API_URL": "ftp://x"}, "FOLLOWUP_GRAPH_API_URL: \"ftp://x\" is not an http(s) URL", ""},
	} {
		raw := defaults()
		for k, v := range tc.set {
			raw[k] = v
		}
		c, err := raw.load()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		r, err := newMailReader(c.Mail)
		switch {
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && r != nil:
			t.Errorf("%s: a reader %s, want none", tc.name, r.Name())
		case tc.want != "" && (r == nil || r.Name() != tc.want):
			t.Errorf("%s: reader %v, want %s", tc.name, r, tc.want)
		}
	}
}

// TestRunReadsGraphMailbox runs "followup run" with a Microsoft 365 app registration pointed at
// the fake Graph: a reply in the rep's mailbox completes the follow-up and the rep is told.
func TestRunReadsGraphMailbox(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: "U0ALICE001", Name: "alice", TZ: "Europe/Berlin", Email: "alice@contoso.com"})
	fg := mailboxtest.NewGraph(t)
	env := map[string]string{
		"SLACK_APP_TOKEN": srv.AppToken(), "SLACK_BOT_TOKEN": srv.BotToken(), "SLACK_API_URL": srv.APIURL(),
		"FOLLOWUP_DB":           filepath.Join(t.TempDir(), "followup.db"),
		"FOLLOWUP_GRAPH_TENANT": fg.Tenant, "FOLLOWUP_GRAPH_CLIENT_ID": fg.ClientID, "FOLLOWUP_GRAPH_CLIENT_SECRET": fg.Secret,
		"FOLLOWUP_GRAPH_API_URL": fg.APIURL, "FOLLOWUP_GRAPH_LOGIN_URL": fg.LoginURL, "FOLLOWUP_MAIL_POLL": "1s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, io.Discard, logs) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		t.Fatalf("bot never connected: %v\n%s", err, logs)
	}
	if _, err := srv.SendSlashCommand(wctx, slacktest.SlashCommand{UserID: "U0ALICE001", Command: "/followup",
		Text: `add "Dana Lee" dana@acme.com cadence=demo`}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitResponsePosts(wctx, 1); err != nil {
		t.Fatal(err)
	}
	fg.Add("alice@contoso.com", []byte("From: Dana Lee <dana@acme.com>\r\nSubject: Re: demo\r\nContent-Type: text/plain\r\n\r\nYes, let's go ahead.\r\n"),
		time.Now().Add(time.Minute))
	ms, err := srv.WaitMessages(wctx, "U0ALICE001", 1)
	if err != nil {
		t.Fatalf("no DM about the reply: %v\n%s", err, logs)
	}
	if !strings.Contains(ms[0].Text, "Dana Lee* replied") || !strings.Contains(ms[0].Text, "completed as replied") {
		t.Errorf("DM = %q", ms[0].Text)
	}
	if strings.Contains(logs.String(), "let's go ahead") {
		t.Error("the reply's text was logged")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}
