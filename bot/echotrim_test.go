package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/bot/slacktest"
)

// recorder is a RoundTripper that keeps the last body it passed on, as slack-go read it.
type recorder struct {
	next http.RoundTripper
	last string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.last = string(b)
	resp.Body = io.NopCloser(strings.NewReader(r.last))
	return resp, nil
}

// TestTrimEchoes checks that slack-go gets what it needs from a post and an update without the
// echoed message, and that errors, 429s and other methods pass as they were.
func TestTrimEchoes(t *testing.T) {
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := &recorder{next: bot.TrimEchoes(nil)}
	api := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(&http.Client{Transport: rec}))

	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*Draft*", false, false), nil, nil))
	ch, ts, err := api.PostMessageContext(ctx, "C0GENERAL1", slack.MsgOptionText("hi", false), blocks)
	if err != nil || ch != "C0GENERAL1" || ts == "" {
		t.Fatalf("post = %q, %q, %v", ch, ts, err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(rec.last), &got); err != nil || got["message"] != nil || got["ts"] != ts || got["ok"] != true {
		t.Errorf("the post's answer as slack-go read it = %s (%v); want ok and ts without the message", rec.last, err)
	}
	if ms := srv.Messages(ch); len(ms) != 1 || ms[0].Ts != ts || len(ms[0].Blocks) == 0 {
		t.Errorf("stored messages = %+v; want the post with its blocks", ms)
	}
	if _, ts2, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("edited", false), blocks); err != nil || ts2 != ts {
		t.Errorf("update = %q, %v", ts2, err)
	}
	if strings.Contains(rec.last, `"message"`) {
		t.Errorf("the update's answer still carries the message: %s", rec.last)
	}

	srv.FailNext("chat.postMessage", 1, slacktest.RateLimited(7*time.Second))
	_, _, err = api.PostMessageContext(ctx, ch, slack.MsgOptionText("hi", false))
	if rl := (*slack.RateLimitedError)(nil); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429 = %v; want RateLimitedError{7s}", err)
	}
	srv.FailNext("chat.postMessage", 1, slacktest.SlackError("not_in_channel"))
	if _, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("hi", false)); err == nil || err.Error() != "not_in_channel" {
		t.Errorf("ok:false = %v; want not_in_channel", err)
	}
	// Another method's answer passes whole.
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.last, `"messages"`) {
		t.Errorf("conversations.history's answer was changed: %s", rec.last)
	}
}
