package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/followup-bot/followup/bot/slacktest"
)

func TestConnectAndHello(t *testing.T) {
	srv := mustServer(t, slacktest.WithPingInterval(20*time.Millisecond))
	ctx := testCtx(t)
	b := startBot(t, srv, nil)
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	hello := b.waitEvent(t, ctx, socketmode.EventTypeHello)
	if hello.Request.ConnectionInfo.AppID != "A0FAKEAPP1" || hello.Request.NumConnections != 1 {
		t.Errorf("hello = %+v", hello.Request)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("Connections() = %d, want 1", n)
	}
	if c := srv.CallsTo("apps.connections.open"); len(c) != 1 || c[0].Token != "xapp-fake" {
		t.Errorf("apps.connections.open calls = %+v", c)
	}
}

func TestBadAppTokenEndsRun(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	api := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken("xapp-wrong"))
	err := socketmode.New(api).RunContext(ctx)
	if slackErr(err) != "invalid_auth" {
		t.Errorf("RunContext = %v, want invalid_auth", err)
	}
}

func TestSlashCommandAckAndResponseURL(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	got := make(chan slack.SlashCommand, 1)
	b := startBot(t, srv, func(sm *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			return
		}
		cmd := evt.Data.(slack.SlashCommand)
		got <- cmd
		_ = sm.Ack(*evt.Request, map[string]any{"response_type": "ephemeral", "text": "Got it"})
	})

	ack, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: "U0ALICE001", Text: "ping bob tomorrow"})
	if err != nil {
		t.Fatal(err)
	}
	var reply struct{ ResponseType, Text string }
	if err := json.Unmarshal(ack.Payload, &reply); err != nil || reply.Text != "Got it" {
		t.Errorf("ack payload = %s (%v)", ack.Payload, err)
	}
	if ack.AckedAt.Before(ack.SentAt) || ack.Latency() < 0 {
		t.Errorf("ack times: sent %v acked %v", ack.SentAt, ack.AckedAt)
	}
	cmd := <-got
	if cmd.Command != "/followup" || cmd.TeamID != "T0FAKETEAM" || cmd.APIAppID != "A0FAKEAPP1" || cmd.TriggerID == "" {
		t.Errorf("slash command = %+v", cmd)
	}
	if env := srv.Envelopes(); len(env) != 1 || env[0].ID != ack.EnvelopeID || !env[0].AcceptsResponsePayload {
		t.Errorf("envelopes = %+v", env)
	}

	// A reply through the response_url reaches the fake and is recorded.
	_, _, err = b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Marked done.", false))
	if err != nil {
		t.Fatalf("post to response_url: %v", err)
	}
	// The message in the ack is recorded first, as the command's reply Slack showed.
	posts, err := srv.WaitResponsePosts(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Got it", "Marked done."} {
		var body struct {
			Text         string `json:"text"`
			ResponseType string `json:"response_type"`
		}
		if err := posts[i].Decode(&body); err != nil || body.Text != want || posts[i].URL != cmd.ResponseURL || posts[i].InAck != (i == 0) {
			t.Errorf("response post %d = %+v %+v (%v), want %q", i, posts[i], body, err, want)
		}
	}

	if after, err := srv.WaitResponsePostsAfter(ctx, 1); err != nil || len(after) != 1 || after[0].InAck {
		t.Errorf("WaitResponsePostsAfter(1) = %+v, %v; want the one post after the ack's message", after, err)
	}

	// Slack lets a response_url be used five times; the ack's message is not one of them.
	for i := 2; i <= 6; i++ {
		_, _, err = b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText("again", false))
		var sc slack.StatusCodeError
		if gotErr := errors.As(err, &sc) && sc.Code == 404; gotErr != (i == 6) {
			t.Errorf("post %d: %v", i, err)
		}
	}
}

func TestForeignTeamOverride(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	b := startBot(t, srv, nil)
	if _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: "U1", TeamID: "T0OTHER001"}); err != nil {
		t.Fatal(err)
	}
	if evt := b.waitEvent(t, ctx, socketmode.EventTypeSlashCommand); evt.Data.(slack.SlashCommand).TeamID != "T0OTHER001" {
		t.Errorf("team = %q", evt.Data.(slack.SlashCommand).TeamID)
	}
	if _, err := srv.SendAppHomeOpened(ctx, "U1", "Ev1", slacktest.FromApp("A0OTHER001")); err != nil {
		t.Fatal(err)
	}
	if evt := b.waitEvent(t, ctx, socketmode.EventTypeEventsAPI); evt.Data.(slackevents.EventsAPIEvent).APIAppID != "A0OTHER001" {
		t.Errorf("app = %+v", evt.Data)
	}
}

func TestInteractionsParseInSlackGo(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	b := startBot(t, srv, func(sm *socketmode.Client, evt socketmode.Event) {
		if evt.Request == nil || evt.Request.EnvelopeID == "" {
			return
		}
		cb, _ := evt.Data.(slack.InteractionCallback)
		if cb.Type == slack.InteractionTypeViewSubmission {
			_ = sm.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"fu_due": "Pick a date in the future."}))
			return
		}
		_ = sm.Ack(*evt.Request)
	})
	ch, ts, err := b.api.PostMessageContext(ctx, "U0ALICE001", slack.MsgOptionText("Reminder", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SendBlockAction(ctx, slacktest.BlockAction{UserID: "U0ALICE001", ChannelID: ch,
		MessageTs: ts, ActionID: "followup_done", BlockID: "fu_1", Value: "fu_1"}); err != nil {
		t.Fatal(err)
	}
	cb := b.waitEvent(t, ctx, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if cb.ActionCallback.BlockActions[0].ActionID != "followup_done" || cb.Message.Text != "Reminder" ||
		cb.Channel.ID != ch || cb.Container.MessageTs != ts || cb.ResponseURL == "" {
		t.Errorf("block action = %+v", cb)
	}

	ack, err := srv.SendViewSubmission(ctx, slacktest.ViewSubmission{UserID: "U0ALICE001", CallbackID: "followup_create",
		PrivateMetadata: `{"channel_id":"C1"}`, Values: map[string]map[string]any{
			"fu_text": {"value": slacktest.TextInput("ping bob")}, "fu_due": {"value": slacktest.DatePicker("2025-01-02")}}})
	if err != nil {
		t.Fatal(err)
	}
	sub := b.waitEvent(t, ctx, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if sub.View.CallbackID != "followup_create" || sub.View.State.Values["fu_due"]["value"].SelectedDate != "2025-01-02" ||
		sub.View.State.Values["fu_text"]["value"].Value != "ping bob" {
		t.Errorf("view submission = %+v", sub.View)
	}
	var resp slack.ViewSubmissionResponse
	if err := ack.DecodePayload(&resp); err != nil || resp.ResponseAction != slack.RAErrors {
		t.Errorf("ack = %s (%v)", ack.Payload, err)
	}
}

func TestDisconnectAndReconnect(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	startBot(t, srv, nil)
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := srv.SendDisconnect("refresh_requested"); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitConnections(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.CallsTo("apps.connections.open")); n != 3 {
		t.Errorf("apps.connections.open called %d times, want 3", n)
	}
	// The reconnected client still acks.
	if _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: "U1"}); err != nil {
		t.Errorf("after reconnect: %v", err)
	}
}

func TestRedeliver(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	b := startBot(t, srv, nil)

	first, err := srv.SendEvent(ctx, "Ev0FAKE00001", map[string]any{
		"type": "app_home_opened", "user": "U0ALICE001", "channel": "D0ALICE001", "tab": "home"})
	if err != nil {
		t.Fatal(err)
	}
	b.waitEvent(t, ctx, socketmode.EventTypeEventsAPI)

	again, err := srv.Redeliver(ctx, first.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if again.EnvelopeID == first.EnvelopeID || again.AckedAt.IsZero() {
		t.Errorf("redelivery ack = %+v", again)
	}
	evt := b.waitEvent(t, ctx, socketmode.EventTypeEventsAPI)
	if evt.Request.RetryAttempt != 1 || evt.Request.RetryReason != "timeout" || evt.Request.EnvelopeID != again.EnvelopeID {
		t.Errorf("redelivered request = %+v", evt.Request)
	}
	inner := evt.Data.(slackevents.EventsAPIEvent)
	if cb, ok := inner.Data.(*slackevents.EventsAPICallbackEvent); !ok || cb.EventID != "Ev0FAKE00001" {
		t.Errorf("event = %+v", inner.Data)
	}

	// Without waiting: the call returns at once, the ack arrives later.
	third, err := srv.Redeliver(ctx, again.EnvelopeID, slacktest.NoAckWait())
	if err != nil || !third.AckedAt.IsZero() {
		t.Fatalf("no-wait redelivery = %+v, %v", third, err)
	}
	if a, err := srv.WaitAck(ctx, third.EnvelopeID); err != nil || a.Latency() < 0 {
		t.Errorf("late ack = %+v, %v", a, err)
	}
	if env := srv.Envelopes(); env[2].RetryAttempt != 2 || env[2].RedeliveryOf != again.EnvelopeID {
		t.Errorf("envelopes = %+v", env)
	}
}

func TestUnackedEnvelopeAndCloseUnblockWaiters(t *testing.T) {
	srv := slacktest.New()
	ctx := testCtx(t)
	startBot(t, srv, func(*socketmode.Client, socketmode.Event) {}) // never acks
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	ack, err := srv.SendSlashCommand(short, slacktest.SlashCommand{UserID: "U1"})
	if !errors.Is(err, context.DeadlineExceeded) || ack.EnvelopeID == "" || !ack.AckedAt.IsZero() {
		t.Errorf("unacked: %+v, %v", ack, err)
	}

	errc := make(chan error, 2)
	go func() { _, err := srv.WaitMessages(ctx, "C1", 1); errc <- err }()
	go func() { _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: "U1"}); errc <- err }()
	if _, err := srv.WaitAck(short, "nope"); err == nil {
		t.Error("WaitAck for unknown envelope returned")
	}
	srv.Close()
	for range 2 {
		if err := <-errc; !errors.Is(err, slacktest.ErrClosed) && err == nil {
			t.Errorf("waiter returned %v after Close", err)
		}
	}
}

// TestSpreadOverConnections: with WithSpread, envelopes go to each open connection in turn, and
// each ack names the connection it came back on; without it, all go to the newest.
func TestSpreadOverConnections(t *testing.T) {
	for _, spread := range []bool{true, false} {
		var opts []slacktest.Option
		if spread {
			opts = append(opts, slacktest.WithSpread())
		}
		srv := mustServer(t, opts...)
		ctx := testCtx(t)
		startBot(t, srv, nil)
		if err := srv.WaitConnections(ctx, 1); err != nil {
			t.Fatal(err)
		}
		startBot(t, srv, nil)
		if err := srv.WaitConnections(ctx, 2); err != nil {
			t.Fatal(err)
		}
		got := map[int]int{}
		for range 4 {
			ack, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: "U0ALICE001", Text: "list"})
			if err != nil {
				t.Fatal(err)
			}
			got[ack.Conn]++
		}
		want := map[int]int{2: 4}
		if spread {
			want = map[int]int{1: 2, 2: 2}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("spread %t: acks by connection %v, want %v", spread, got, want)
		}
	}
}

// TestManyAcksInFlight: commands in flight together each get their own ack back, acked in the
// reverse order of their sending, and WaitAck after the fact returns the same ack.
func TestManyAcksInFlight(t *testing.T) {
	srv := mustServer(t)
	ctx := testCtx(t)
	const n = 20
	var held []socketmode.Event
	startBot(t, srv, func(sm *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			return
		}
		if held = append(held, evt); len(held) < n {
			return
		}
		for i := len(held) - 1; i >= 0; i-- {
			e := held[i]
			_ = sm.Ack(*e.Request, map[string]any{"text": e.Data.(slack.SlashCommand).Text})
		}
	})
	type result struct {
		text string
		ack  slacktest.Ack
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			text := fmt.Sprintf("command %d", i)
			a, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: "U1", Text: text})
			results <- result{text, a, err}
		}()
	}
	for range n {
		r := <-results
		var p struct{ Text string }
		if r.err != nil || json.Unmarshal(r.ack.Payload, &p) != nil || p.Text != r.text {
			t.Errorf("%s: ack %+v, %v", r.text, r.ack, r.err)
			continue
		}
		again, err := srv.WaitAck(ctx, r.ack.EnvelopeID)
		if err != nil || string(again.Payload) != string(r.ack.Payload) || !again.AckedAt.Equal(r.ack.AckedAt) {
			t.Errorf("%s: WaitAck again = %+v, %v", r.text, again, err)
		}
	}
}
