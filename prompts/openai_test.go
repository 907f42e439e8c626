package prompts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/openaitest"
)

func TestOpenAIBaseURLAndKey(t *testing.T) {
	for _, tc := range []struct {
		name, key, path, auth string
		v1                    bool
	}{
		{name: "v1 prefix, no key", v1: true, path: "/v1/chat/completions", auth: ""},
		{name: "no prefix, key", key: "sk-test", path: "/chat/completions", auth: "Bearer sk-test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.New(t, openaitest.Draft(goodSubject, goodBody))
			base := srv.URL
			if tc.v1 {
				base = srv.BaseURL() + "/"
			}
			llm := NewOpenAI(OpenAIConfig{APIKey: tc.key, BaseURL: base})
			d, err := llm.Draft(context.Background(), sampleRequest(cadence.ChannelEmail, cadence.PurposeShareContext))
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Path != tc.path || reqs[0].Auth != tc.auth {
				t.Fatalf("requests = %+v; want one to %s with auth %q", reqs, tc.path, tc.auth)
			}
			chat := reqs[0].Chat
			if chat.Model != DefaultModel || chat.ResponseFormat == nil || chat.ResponseFormat.Type != "json_object" {
				t.Errorf("request model %q, response format %+v", chat.Model, chat.ResponseFormat)
			}
			sys, user, _ := Render(sampleRequest(cadence.ChannelEmail, cadence.PurposeShareContext))
			if len(chat.Messages) != 2 || chat.Messages[0].Content != sys || chat.Messages[1].Content != user {
				t.Errorf("messages are not the rendered prompts: %+v", chat.Messages)
			}
			if d.Subject != goodSubject || d.Body != goodBody || d.Source != SourceLLM || d.PromptTokens != 400 || d.CompletionTokens != 60 {
				t.Errorf("draft = %+v", d)
			}
		})
	}
}

func TestOpenAIFailureKinds(t *testing.T) {
	srv := openaitest.New(t, openaitest.Status(429, 3), openaitest.Status(503, 0), openaitest.Status(400, 0))
	llm := NewOpenAI(OpenAIConfig{BaseURL: srv.BaseURL()})
	for _, want := range []string{FailRateLimited, FailServer, FailRequest} {
		_, err := llm.Draft(context.Background(), sampleRequest(cadence.ChannelEmail, cadence.PurposeCloseLoop))
		var f *Failure
		if !errors.As(err, &f) || f.Kind != want {
			t.Errorf("err = %v, want a Failure of kind %q", err, want)
		}
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests for 3 drafts: the drafter must not retry", n)
	}
}

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct{ in, subject, body string }{
		{`{"subject": "S", "body": "B"}`, "S", "B"},
		{"```json\n{\"Subject\": \"S\", \"Body\": \" B \"}\n```", "S", "B"},
		{`Here you go: {"subject": "", "message": "B"} Hope it helps.`, "", "B"},
		{`{"opener": "O", "point": "P", "ask": "A", "voicemail": "V"}`, "", "Opener: O\nPoint: P\nAsk: A\nVoicemail: V"},
	} {
		s, b, err := parseAnswer(tc.in)
		if err != nil || s != tc.subject || b != tc.body {
			t.Errorf("parseAnswer(%q) = %q, %q, %v; want %q, %q", tc.in, s, b, err, tc.subject, tc.body)
		}
	}
	for _, bad := range []string{"", "no json here", `{"subject": "S", "body": `, `}{`} {
		if _, _, err := parseAnswer(bad); err == nil {
			t.Errorf("parseAnswer(%q) accepted", bad)
		}
	}
}

func TestRevisePromptCarriesReason(t *testing.T) {
	srv := openaitest.New(t, openaitest.Draft(goodSubject, goodBody))
	r := sampleRequest(cadence.ChannelEmail, cadence.PurposeRecapNextStep)
	r.Revise = &Revision{Rejected: Draft{Subject: "x", Body: "Just checking in"}, Reason: "it uses filler"}
	if _, err := NewOpenAI(OpenAIConfig{BaseURL: srv.BaseURL()}).Draft(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Requests()[0].Chat.Messages
	if len(msgs) != 4 || msgs[2].Role != "assistant" || !strings.Contains(msgs[2].Content, "Just checking in") ||
		msgs[3].Content != RevisePrompt("it uses filler") {
		t.Fatalf("messages = %+v", msgs)
	}
}
