package slacktest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
)

func TestAuthTestAndTokens(t *testing.T) {
	srv := mustServer(t, slacktest.WithBotToken("xoxb-right"))
	ctx := testCtx(t)

	resp, err := newAPI(srv).AuthTestContext(ctx)
	if err != nil {
		t.Fatalf("auth.test: %v", err)
	}
	if resp.TeamID != "T0FAKETEAM" || resp.UserID != "U0FAKEBOT1" || resp.BotID != "B0FAKEBOT1" {
		t.Errorf("auth.test = %+v", resp)
	}
	_, err = slack.New("xoxb-wrong", slack.OptionAPIURL(srv.APIURL())).AuthTestContext(ctx)
	if got := slackErr(err); got != "invalid_auth" {
		t.Errorf("wrong token: error %q, want invalid_auth", got)
	}
	calls := srv.CallsTo("auth.test")
	if len(calls) != 2 || calls[0].Token != "xoxb-right" || calls[1].Error != "invalid_auth" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestPostMessageToUserThenHistory(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := newAPI(srv)

	meta := slack.SlackMetadata{EventType: "followup_reminder", EventPayload: map[string]any{"touchpoint": "tp_1"}}
	ch, ts, err := api.PostMessageContext(ctx, "U0ALICE001",
		slack.MsgOptionText("Reminder: ping Bob", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "Ping *Bob*", false, false), nil, nil)),
		slack.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatalf("postMessage: %v", err)
	}
	if ch != "D0ALICE001" || ch != slacktest.DMChannel("U0ALICE001") {
		t.Errorf("channel = %q, want the DM id", ch)
	}
	_, ts2, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("second", false))
	if err != nil {
		t.Fatalf("second post: %v", err)
	}
	if ts2 <= ts {
		t.Errorf("ts not increasing: %q then %q", ts, ts2)
	}

	hist, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: ch, Limit: 10, IncludeAllMetadata: true})
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(hist.Messages) != 2 || hist.Messages[0].Text != "second" || hist.Messages[1].Timestamp != ts {
		t.Fatalf("history = %+v, want newest first", hist.Messages)
	}
	got := hist.Messages[1].Metadata
	if got.EventType != "followup_reminder" || got.EventPayload["touchpoint"] != "tp_1" {
		t.Errorf("metadata = %+v", got)
	}
	if len(hist.Messages[1].Blocks.BlockSet) != 1 {
		t.Errorf("blocks = %+v", hist.Messages[1].Blocks)
	}

	older, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: ch, Oldest: ts, Limit: 1})
	if err != nil || len(older.Messages) != 1 || older.Messages[0].Timestamp != ts2 {
		t.Errorf("history oldest=%s: %+v, %v", ts, older, err)
	}

	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("done", false)); err != nil {
		t.Fatalf("update: %v", err)
	}
	msgs, err := srv.WaitMessages(ctx, "U0ALICE001", 2)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != "done" || msgs[0].Updated != 1 || string(msgs[0].Metadata) == "" {
		t.Errorf("stored = %+v", msgs[0])
	}
}

func TestBlockKitLimits(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := newAPI(srv)
	section := func(text string) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil)
	}
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = section("x")
	}
	button := slack.NewActionBlock("a", slack.NewButtonBlockElement("done", "v",
		slack.NewTextBlockObject("plain_text", strings.Repeat("b", 76), false, false)))
	tests := []struct {
		name string
		opts []slack.MsgOption
		want string
	}{
		{"51 blocks", []slack.MsgOption{slack.MsgOptionBlocks(many...)}, "invalid_blocks"},
		{"long section", []slack.MsgOption{slack.MsgOptionBlocks(section(strings.Repeat("x", 3001)))}, "invalid_blocks"},
		{"long button", []slack.MsgOption{slack.MsgOptionBlocks(button)}, "invalid_blocks"},
		{"no text", nil, "no_text"},
		{"section at limit", []slack.MsgOption{slack.MsgOptionBlocks(section(strings.Repeat("x", 3000)))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(ctx, "C0GENERAL1", tt.opts...)
			if got := slackErr(err); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInjectedFaults(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := newAPI(srv)

	srv.FailNext("chat.postMessage", 1, slacktest.RateLimited(7*time.Second))
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: got %v, want RateLimitedError{7s}", err)
	}

	srv.FailNext("chat.postMessage", 1, slacktest.ServerError(http.StatusServiceUnavailable))
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
		t.Errorf("5xx: got %v, want StatusCodeError{503}", err)
	}

	srv.FailNext("*", 1, slacktest.SlackError("account_inactive"))
	if _, err := api.GetUserInfoContext(ctx, "U0ALICE001"); slackErr(err) != "account_inactive" {
		t.Errorf("wildcard fault: got %v", err)
	}

	srv.FailNext("chat.postMessage", 1, slacktest.Hook(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":false,"error":"not_in_channel"}`))
	}))
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false)); slackErr(err) != "not_in_channel" {
		t.Errorf("hook: got %v", err)
	}

	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("after faults: %v", err)
	}
	calls := srv.CallsTo("chat.postMessage")
	if len(calls) != 4 || calls[0].Status != 429 || calls[1].Status != 503 || calls[3].Error != "" {
		t.Errorf("recorded calls = %+v", calls)
	}
}

func TestDelayFaultTimesOutAndCloseIsPrompt(t *testing.T) {
	srv := slacktest.New()
	ctx := testCtx(t)
	srv.FailNext("auth.test", 2, slacktest.Delay(time.Minute))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := newAPI(srv).AuthTestContext(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed call: got %v, want deadline exceeded", err)
	}

	if _, err := srv.WaitCall(ctx, func(c slacktest.Call) bool { return c.Error == "client_gone" }); err != nil {
		t.Fatal(err)
	}

	// The second delayed call is in flight when Close runs; Close must not wait
	// a minute for it.
	errc := make(chan error, 1)
	go func() { _, err := newAPI(srv).AuthTestContext(ctx); errc <- err }()
	if err := srv.WaitHeld(ctx, "auth.test"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	srv.Close()
	if err := <-errc; err == nil {
		t.Error("call delayed past Close succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	// Both delayed calls are recorded: the first as client_gone, the second as
	// server_closed or client_gone, depending on which side noticed first.
	if calls := srv.CallsTo("auth.test"); len(calls) != 2 || calls[0].Error == "" || calls[1].Error == "" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestChannelRateLimitWithFakeClock(t *testing.T) {
	clock := newFakeClock()
	srv := mustServer(t, slacktest.WithChannelRateLimit(1), slacktest.WithClock(clock.Now))
	ctx := testCtx(t)
	api := newAPI(srv)
	post := func(ch string) error {
		_, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("hi", false))
		return err
	}
	if err := post("C1"); err != nil {
		t.Fatal(err)
	}
	var rl *slack.RateLimitedError
	if err := post("C1"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Errorf("second post in the same second: got %v, want RateLimitedError{1s}", err)
	}
	if err := post("C2"); err != nil {
		t.Errorf("other channel: %v", err)
	}
	clock.Advance(time.Second)
	if err := post("C1"); err != nil {
		t.Errorf("after a second: %v", err)
	}
	if n := len(srv.Messages("C1")); n != 2 {
		t.Errorf("C1 holds %d messages, want 2", n)
	}
}

func TestUsersInfo(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := newAPI(srv)
	srv.AddUser(slacktest.User{ID: "U0ALICE001", Name: "alice", TZ: "America/Los_Angeles", TZOffset: -28800})
	srv.AddUser(slacktest.User{ID: "U0GONE0001", Name: "gone", Deleted: true})

	u, err := api.GetUserInfoContext(ctx, "U0ALICE001")
	if err != nil || u.TZ != "America/Los_Angeles" || u.TZOffset != -28800 || u.Name != "alice" {
		t.Errorf("alice = %+v, %v", u, err)
	}
	if u, err := api.GetUserInfoContext(ctx, "U0GONE0001"); err != nil || !u.Deleted {
		t.Errorf("deleted user = %+v, %v", u, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U0NOBODY01"); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U0ALICE001"}})
	if err != nil || ch.ID != "D0ALICE001" {
		t.Errorf("conversations.open = %+v, %v", ch, err)
	}
}

func TestViewsPublishLimits(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := newAPI(srv)
	section := func(text string) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil)
	}
	big := make([]slack.Block, 90)
	for i := range big {
		big[i] = section(strings.Repeat("y", 2990))
	}
	_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0ALICE001",
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: big}}})
	if got := slackErr(err); got != "view_too_large" {
		t.Errorf("large view: %q, want view_too_large", got)
	}
	many := make([]slack.Block, 101)
	for i := range many {
		many[i] = section("x")
	}
	_, err = api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0ALICE001",
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: many}}})
	if got := slackErr(err); got != "invalid_arguments" {
		t.Errorf("101 blocks: %q, want invalid_arguments", got)
	}
	resp, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0ALICE001",
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: many[:100]}}})
	if err != nil || resp.View.ID == "" {
		t.Fatalf("100 blocks: %v", err)
	}
	if v, ok := srv.HomeView("U0ALICE001"); !ok || v.ID != resp.View.ID || v.Type != "home" {
		t.Errorf("HomeView = %+v, %v", v, ok)
	}
	if c := srv.CallsTo("views.publish")[2]; c.Param("user_id") != "U0ALICE001" || c.Token != srv.BotToken() {
		t.Errorf("recorded call = %+v", c)
	}
}

func TestViewsOpenTriggerExpiry(t *testing.T) {
	clock := newFakeClock()
	srv := mustServer(t, slacktest.WithClock(clock.Now))
	ctx := testCtx(t)
	api := newAPI(srv)
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject("plain_text", "New follow-up", false, false)}

	fresh, stale := srv.NewTriggerID(), srv.NewTriggerID()
	if _, err := api.OpenViewContext(ctx, fresh, modal); err != nil {
		t.Errorf("fresh trigger: %v", err)
	}
	clock.Advance(3*time.Second + time.Millisecond)
	if _, err := api.OpenViewContext(ctx, stale, modal); slackErr(err) != "expired_trigger_id" {
		t.Errorf("stale trigger: %v, want expired_trigger_id", err)
	}
	if _, err := api.OpenViewContext(ctx, "123.456.abc", modal); slackErr(err) != "invalid_trigger_id" {
		t.Errorf("unknown trigger: %v, want invalid_trigger_id", err)
	}

	noExpiry := mustServer(t, slacktest.WithClock(clock.Now), slacktest.WithTriggerTTL(0))
	old := noExpiry.NewTriggerID()
	clock.Advance(time.Hour)
	resp, err := newAPI(noExpiry).OpenViewContext(ctx, old, modal)
	if err != nil {
		t.Fatalf("expiry disabled: %v", err)
	}
	modal.Title = slack.NewTextBlockObject("plain_text", "Saved", false, false)
	if _, err := newAPI(noExpiry).UpdateViewContext(ctx, modal, "", resp.View.Hash, resp.View.ID); err != nil {
		t.Errorf("views.update: %v", err)
	}
	if v := noExpiry.Views(); len(v) != 1 || v[0].Updates != 1 {
		t.Errorf("views = %+v", v)
	}
}

func TestFileUpload(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	content := "name,due\nbob,2025-01-02\n"
	sum, err := newAPI(srv).UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "report.csv", Title: "Report", Content: content, FileSize: len(content), Channel: "D0ALICE001"})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	files := srv.Files()
	if len(files) != 1 || files[0].ID != sum.ID || string(files[0].Content) != content ||
		files[0].Name != "report.csv" || !files[0].Completed || files[0].Channels[0] != "D0ALICE001" {
		t.Errorf("files = %+v", files)
	}
}

func TestEphemeralAndDelete(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := newAPI(srv)
	if _, err := api.PostEphemeralContext(ctx, "C0GENERAL1", "U0ALICE001", slack.MsgOptionText("only you", false)); err != nil {
		t.Fatalf("postEphemeral: %v", err)
	}
	if e := srv.Ephemerals("C0GENERAL1"); len(e) != 1 || e[0].User != "U0ALICE001" || e[0].Text != "only you" {
		t.Errorf("ephemerals = %+v", e)
	}
	ch, ts, err := api.PostMessageContext(ctx, "C0GENERAL1", slack.MsgOptionText("oops", false), slack.MsgOptionTS("1.000001"))
	if err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(ch); len(m) != 1 || m[0].Thread != "1.000001" {
		t.Errorf("threaded message = %+v", m)
	}
	if _, _, err := api.DeleteMessageContext(ctx, ch, ts); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if m := srv.Messages(ch); len(m) != 0 {
		t.Errorf("after delete: %+v", m)
	}
	if _, _, err := api.DeleteMessageContext(ctx, ch, ts); slackErr(err) != "message_not_found" {
		t.Errorf("second delete: %v", err)
	}
}

func TestContextBlocksAreAccepted(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	api := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()))
	ctx := context.Background()
	ctxBlock := slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "_drafted offline_", false, false))
	if _, _, err := api.PostMessageContext(ctx, "C0TEST0001", slack.MsgOptionBlocks(ctxBlock)); err != nil {
		t.Fatalf("context block refused: %v", err)
	}
	long := slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("x", 3001), false, false))
	if _, _, err := api.PostMessageContext(ctx, "C0TEST0001", slack.MsgOptionBlocks(long)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
		t.Fatalf("overlong context text: err = %v, want invalid_blocks", err)
	}
}
