package bot

// The end-to-end test harness shared by every bot test: a fake Slack (bot/slacktest), a real
// SQLite store in t.TempDir(), and the real bot (New + Run) connected over Socket Mode with a
// fake clock. Start one with newHarness(t); it is torn down when the test ends.
//
//	h := newHarness(t)
//	reply := h.slash(t, alice, "add Dana dana@acme.com cadence=demo")
//	h.clock.Advance(time.Hour)
//
// Every helper fails the test when an envelope is not acked within ackBudget.

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/store"
)

// Users the fake Slack knows. alice works in New York, bob in Berlin; admin is in
// Config.Admins; nobody is unknown to users.info (the bot falls back to the team zone).
const (
	alice   = "U0ALICE001"
	bob     = "U0BOB00001"
	admin   = "U0ADMIN001"
	nobody  = "U0NOBODY01"
	testNow = "2026-03-03T14:00:00Z" // a Tuesday: 09:00 in New York, 15:00 in Berlin
)

// ackBudget is Slack's deadline for acks.
const ackBudget = 3 * time.Second

// harness is one running bot against a fake Slack.
type harness struct {
	slack *slacktest.Server
	store *store.DB
	bot   *Bot
	clock *clockwork.FakeClock
	ctx   context.Context // bounded; use it for Wait calls
}

// newHarness starts a fake Slack, a store and the bot, and waits until the bot is connected.
// opts adjust the bot's Config before New (Admins, Team, …).
func newHarness(t *testing.T, opts ...func(*Config)) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	now, err := time.Parse(time.RFC3339, testNow)
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(now)
	srv := slacktest.New(slacktest.WithClock(clock.Now), slacktest.WithTriggerTTL(0))
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: alice, Name: "alice", RealName: "Alice Adams", TZ: "America/New_York", TZOffset: -5 * 3600})
	srv.AddUser(slacktest.User{ID: bob, Name: "bob", RealName: "Bob Brown", TZ: "Europe/Berlin", TZOffset: 3600})
	srv.AddUser(slacktest.User{ID: admin, Name: "admin", RealName: "Ada Admin", TZ: "UTC"})

	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "followup.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Now = clock.Now

	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("FOLLOWUP_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg := Config{
		API:     slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.AppToken())),
		Store:   db,
		Library: cadence.Builtin(),
		Drafter: prompts.Offline{},
		Team:    cadence.DefaultWindow(),
		Admins:  []string{admin},
		Clock:   clock,
		Logger:  logger,
		FunctionAPI: func(token string) *slack.Client {
			return slack.New(token, slack.OptionAPIURL(srv.APIURL()))
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	t.Cleanup(func() { // runs before srv.Close and after the test's own cleanups
		stop()
		if err := <-done; err != nil {
			t.Errorf("bot.Run: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return &harness{slack: srv, store: db, bot: b, clock: clock, ctx: ctx}
}

// slashReply is the ephemeral answer to a slash command.
type slashReply struct {
	Ack    slacktest.Ack
	Text   string          // the text field, or with blocks every section's text, one per line
	Blocks json.RawMessage // the blocks as posted
}

// slash runs "/followup text" as user and returns the text of the reply posted to the
// command's response_url (its text, or its sections' texts).
func (h *harness) slash(t *testing.T, user, text string) string {
	t.Helper()
	return h.slashFull(t, slacktest.SlashCommand{UserID: user, Text: text}).Text
}

// slashFull sends a slash command (UserID and Text set by the caller; the response_url is filled
// in) and waits for its ack (asserting ackBudget) and its ephemeral reply.
func (h *harness) slashFull(t *testing.T, c slacktest.SlashCommand) slashReply {
	t.Helper()
	c.ResponseURL = h.slack.NewResponseURL()
	ack, err := h.slack.SendSlashCommand(h.ctx, c)
	if err != nil {
		t.Fatalf("/followup %.60s: %v", c.Text, err)
	}
	checkAck(t, ack)
	post := h.waitResponse(t, c.ResponseURL)
	var body struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
		Blocks       json.RawMessage
	}
	if err := post.Decode(&body); err != nil {
		t.Fatalf("response_url body: %v", err)
	}
	if body.ResponseType != "ephemeral" {
		t.Errorf("/followup %.60s: response_type %q, want ephemeral", c.Text, body.ResponseType)
	}
	text := body.Text // the fallback; with blocks, what people see is the blocks
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		text = blockText(body.Blocks)
	}
	return slashReply{Ack: ack, Text: text, Blocks: body.Blocks}
}

// waitResponse waits for the first post to one response_url.
func (h *harness) waitResponse(t *testing.T, url string) slacktest.ResponsePost {
	t.Helper()
	for n := 1; ; n++ {
		posts, err := h.slack.WaitResponsePosts(h.ctx, n)
		if err != nil {
			t.Fatalf("no reply posted to %s: %v", url, err)
		}
		for _, p := range posts {
			if p.URL == url {
				return p
			}
		}
	}
}

// blockText returns the text of every section (and context element) of a blocks array.
func blockText(raw json.RawMessage) string {
	var blocks []struct {
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Text string `json:"text"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var lines []string
	for _, b := range blocks {
		if b.Text != nil {
			lines = append(lines, b.Text.Text)
		}
		for _, e := range b.Elements {
			if e.Text != "" {
				lines = append(lines, e.Text)
			}
		}
	}
	return strings.Join(lines, "\n")
}

// checkAck fails the test when an envelope was not acked within ackBudget.
func checkAck(t *testing.T, a slacktest.Ack) {
	t.Helper()
	if a.AckedAt.IsZero() {
		t.Errorf("envelope %s not acked", a.EnvelopeID)
	} else if a.Latency() > ackBudget {
		t.Errorf("envelope %s acked after %v, over Slack's %v", a.EnvelopeID, a.Latency(), ackBudget)
	}
}

// submitView sends a view submission as user and returns its ack (asserting ackBudget). The
// ack's payload carries response_action "errors" when the modal stays open.
func (h *harness) submitView(t *testing.T, v slacktest.ViewSubmission) slacktest.Ack {
	t.Helper()
	ack, err := h.slack.SendViewSubmission(h.ctx, v)
	if err != nil {
		t.Fatalf("view submission: %v", err)
	}
	checkAck(t, ack)
	return ack
}

// viewErrors decodes the field errors of a view submission ack; nil when the modal closes.
func viewErrors(t *testing.T, a slacktest.Ack) map[string]string {
	t.Helper()
	if len(a.Payload) == 0 || string(a.Payload) == "null" {
		return nil
	}
	var p slack.ViewSubmissionResponse
	if err := a.DecodePayload(&p); err != nil {
		t.Fatalf("ack payload %s: %v", a.Payload, err)
	}
	if p.ResponseAction != slack.RAErrors {
		t.Fatalf("ack payload %s: want response_action errors", a.Payload)
	}
	return p.Errors
}

// waitDM waits until user's DM channel holds at least n messages and returns them.
func (h *harness) waitDM(t *testing.T, user string, n int) []slacktest.Message {
	t.Helper()
	ms, err := h.slack.WaitMessages(h.ctx, user, n)
	if err != nil {
		t.Fatalf("waiting for %d DMs to %s: %v", n, user, err)
	}
	return ms
}

// mustContain fails the test unless s contains every want.
func mustContain(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("reply does not contain %q:\n%s", w, s)
		}
	}
}

// logRecorder is a slog.Handler that keeps every record, so a test can wait for a log line
// instead of sleeping. Use it with newHarness(t, rec.use).
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
	changed chan struct{} // closed and replaced on every record
}

func newLogRecorder() *logRecorder { return &logRecorder{changed: make(chan struct{})} }

// use sets the recorder as the bot's logger.
func (l *logRecorder) use(c *Config) { c.Logger = slog.New(l) }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// find returns the records whose message is msg.
func (l *logRecorder) find(msg string) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []slog.Record
	for _, r := range l.records {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

// wait blocks until n records with message msg were logged, and returns them.
func (l *logRecorder) wait(t *testing.T, ctx context.Context, msg string, n int) []slog.Record {
	t.Helper()
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		if rs := l.find(msg); len(rs) >= n {
			return rs
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("log line %q never logged %d times", msg, n)
		}
	}
}

// attr returns the value of a record's attribute key, as text.
func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}
