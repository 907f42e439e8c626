package prompts

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/openaitest"
)

const (
	goodSubject = "Two-day ticket waits at Acme"
	goodBody    = "Hi Dana,\n\nYou mentioned tickets wait two days. A short call with your ops lead would show where that time goes and what changes first. Would that be useful?\n\nSam"
	goodSMS     = "Hi Dana, Sam here. Would a short call with your ops lead on ticket wait times help? Reply STOP to opt out"
)

// newDrafter returns the bot's drafter against a fake server, with a short client timeout, and the
// buffer its info-level logs go to.
func newDrafter(t *testing.T, srv *openaitest.Server) (*Checked, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	llm := NewOpenAI(OpenAIConfig{BaseURL: srv.BaseURL(), Model: "m", Timeout: 300 * time.Millisecond, Logger: log})
	return WithFallback(llm, Offline{}, log), &logs
}

func TestCheckedScenarios(t *testing.T) {
	tooLong := "Hi Dana, Sam here. " + strings.Repeat("Tickets wait two days and that costs your team real time every week. ", 3) + "Reply STOP to opt out"
	for _, tc := range []struct {
		name     string
		channel  cadence.Channel
		replies  []openaitest.Reply
		requests int
		source   string
		fallback string
		body     string // want, when not empty
	}{
		{name: "good", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Draft(goodSubject, goodBody)},
			requests: 1, source: SourceLLM, body: goodBody},
		{name: "just checking in, then good", channel: cadence.ChannelEmail,
			replies:  []openaitest.Reply{openaitest.Draft("Checking in", "Just checking in on the demo, Dana. Any thoughts?\n\nSam"), openaitest.Draft(goodSubject, goodBody)},
			requests: 2, source: SourceLLM, body: goodBody},
		{name: "filler twice", channel: cadence.ChannelEmail,
			replies:  []openaitest.Reply{openaitest.Draft("Hi", "Circling back on this."), openaitest.Draft("Hi", "Touching base again.")},
			requests: 2, source: SourceOffline, fallback: "rejected twice: filler"},
		{name: "429", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Status(http.StatusTooManyRequests, 20)},
			requests: 1, source: SourceOffline, fallback: FailRateLimited},
		{name: "500", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Status(http.StatusInternalServerError, 0)},
			requests: 1, source: SourceOffline, fallback: FailServer},
		{name: "timeout", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Hang()},
			requests: 1, source: SourceOffline, fallback: FailTimeout},
		{name: "malformed body", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Malformed()},
			requests: 1, source: SourceOffline, fallback: FailMalformed},
		{name: "content not json", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Content("Sure! Here is a draft: Hi Dana")},
			requests: 1, source: SourceOffline, fallback: FailMalformed},
		{name: "empty choices", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.NoChoices()},
			requests: 1, source: SourceOffline, fallback: FailEmpty},
		{name: "empty body", channel: cadence.ChannelEmail, replies: []openaitest.Reply{openaitest.Draft("Hi", "  ")},
			requests: 1, source: SourceOffline, fallback: FailEmpty},
		{name: "sms too long, then good", channel: cadence.ChannelSMS,
			replies:  []openaitest.Reply{openaitest.Draft("", tooLong), openaitest.Draft("", goodSMS)},
			requests: 2, source: SourceLLM, body: goodSMS},
		{name: "sms too long twice", channel: cadence.ChannelSMS,
			replies:  []openaitest.Reply{openaitest.Draft("", tooLong), openaitest.Draft("", tooLong)},
			requests: 2, source: SourceOffline, fallback: "rejected twice: length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.New(t, tc.replies...)
			drafter, logs := newDrafter(t, srv)
			r := sampleRequest(tc.channel, cadence.PurposeRecapNextStep)
			d, err := drafter.Draft(context.Background(), r)
			if err != nil {
				t.Fatalf("Draft: %v", err)
			}
			if err := Check(r, d); err != nil {
				t.Errorf("the draft that reaches the DM fails Check: %v\n%s", err, d.Text())
			}
			if d.Source != tc.source || d.Fallback != tc.fallback {
				t.Errorf("source, fallback = %q, %q; want %q, %q", d.Source, d.Fallback, tc.source, tc.fallback)
			}
			if tc.body != "" && d.Body != tc.body {
				t.Errorf("body = %q, want %q", d.Body, tc.body)
			}
			if d.Source == SourceLLM && d.Model != openaitest.Model {
				t.Errorf("model = %q, want %q", d.Model, openaitest.Model)
			}
			reqs := srv.Requests()
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tc.requests)
			}
			if d.Source == SourceLLM {
				wantP, wantC := tc.requests*openaitest.Usage.PromptTokens, tc.requests*openaitest.Usage.CompletionTokens
				if d.PromptTokens != wantP || d.CompletionTokens != wantC {
					t.Errorf("tokens = %d/%d, want %d/%d", d.PromptTokens, d.CompletionTokens, wantP, wantC)
				}
			}
			if len(reqs) == 2 {
				first, second := reqs[0].Chat.Messages, reqs[1].Chat.Messages
				if len(first) != 2 || len(second) != 4 {
					t.Fatalf("messages: first %d, second %d; want 2 and 4", len(first), len(second))
				}
				last := second[3]
				if last.Role != "user" || !strings.HasPrefix(last.Content, "That draft was rejected: ") {
					t.Errorf("retry does not carry the reason: %+v", last)
				}
				if strings.Contains(tc.name, "checking in") && !strings.Contains(last.Content, `"just checking in"`) {
					t.Errorf("retry reason does not name the filler: %q", last.Content)
				}
				if strings.Contains(tc.name, "too long") && !strings.Contains(last.Content, "characters; at most 160") {
					t.Errorf("retry reason does not name the length: %q", last.Content)
				}
			}
			for _, secret := range []string{"tickets wait", "Response time", "Dana,"} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("info logs carry draft or note text %q:\n%s", secret, logs.String())
				}
			}
		})
	}
}

func TestCheckedWithoutModel(t *testing.T) {
	d, err := WithFallback(nil, nil, nil).Draft(context.Background(), sampleRequest(cadence.ChannelSMS, cadence.PurposeCloseLoop))
	if err != nil || d.Source != SourceOffline || d.Fallback != "" {
		t.Fatalf("Draft = %+v, %v; want an offline draft with no fallback reason", d, err)
	}
}

func TestCheckedOptedOutAsksNobody(t *testing.T) {
	srv := openaitest.New(t)
	drafter, _ := newDrafter(t, srv)
	r := sampleRequest(cadence.ChannelEmail, cadence.PurposeRecapNextStep)
	r.Contact.DoNotContact = true
	if _, err := drafter.Draft(context.Background(), r); cadence.ErrorCode(err) != cadence.EOPTEDOUT {
		t.Fatalf("err = %v, want %s", err, cadence.EOPTEDOUT)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests for an opted-out contact", n)
	}
}

func TestCheckedStopsWhenContextEnds(t *testing.T) {
	srv := openaitest.New(t)
	drafter, _ := newDrafter(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // shutdown began
	if _, err := drafter.Draft(ctx, sampleRequest(cadence.ChannelEmail, cadence.PurposeRecapNextStep)); err == nil {
		t.Fatal("Draft after the context ended returned no error")
	}
}
