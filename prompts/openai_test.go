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
	srv := openaitest.New(t, openaitest.Status(429, 3), openaitest.Status(503, 0), openaitest.Status(400, 0),
		// Error bodies that are not OpenAI-shaped (go-openai cannot decode them) keep their status.
		openaitest.ErrorBody(429, `{"error": "slow down"}`), openaitest.ErrorBody(400, `{"error": "unknown model"}`),
		openaitest.ErrorBody(502, `<html>bad gateway</html>`))
	llm := NewOpenAI(OpenAIConfig{BaseURL: srv.BaseURL()})
	kinds := []string{FailRateLimited, FailServer, FailRequest, FailRateLimited, FailRequest, FailServer}
	for _, want := range kinds {
		_, err := llm.Draft(context.Background(), sampleRequest(cadence.ChannelEmail, cadence.PurposeCloseLoop))
		var f *Failure
		if !errors.As(err, &f) || f.Kind != want {
			t.Errorf("err = %v, want a Failure of kind %q", err, want)
		}
	}
	if n := len(srv.Requests()); n != len(kinds) {
		t.Errorf("%d requests for %d drafts: the drafter must not retry", n, len(kinds))
	}
}

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct{ in, subject, body string }{
		{`{"subject": "S", "body": "B"}`, "S", "B"},
		{"```json\n{\"Subject\": \"S\", \"Body\": \" B \"}\n```", "S", "B"},
		{`Here you go: {"subject": "", "message": "B"} Hope it helps.`, "", "B"},
		{`{"opener": "O", "point": "P", "ask": "A", "voicemail": "V"}`, "", "Opener: O\nPoint: P\nAsk: A\nVoicemail: V"},
		// Plain text, from a server that was asked without response_format.
		{"Subject: Two-day waits\n\nHi Dana,\nA line.\n\nSam", "Two-day waits", "Hi Dana,\nA line.\n\nSam"},
		{"```\nsubject: S\nB\n```", "S", "B"},
		{"Opener: O\nPoint: P\nAsk: A\nVoicemail: V", "", "Opener: O\nPoint: P\nAsk: A\nVoicemail: V"},
	} {
		s, b, err := parseAnswer(tc.in)
		if err != nil || s != tc.subject || b != tc.body {
			t.Errorf("parseAnswer(%q) = %q, %q, %v; want %q, %q", tc.in, s, b, err, tc.subject, tc.body)
		}
	}
	for _, bad := range []string{"", "no json here", `{"subject": "S", "body": `, `}{`, "Sure! Here is a draft:\nSubject: S\n\nB"} {
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

// TestOpenAIServerWithoutJSONMode is a server that refuses response_format json_object, in the
// three shapes such refusals take: it costs one extra request on the first draft, and every draft
// is still the model's, not the offline fallback's.
func TestOpenAIServerWithoutJSONMode(t *testing.T) {
	for name, refusal := range map[string]openaitest.Reply{
		"openai-shaped 400": openaitest.Error(400, "response_format json_object is not supported by this model"),
		"lm studio 400":     openaitest.ErrorBody(400, `{"error": "'response_format.type' must be 'json_schema' or 'text'"}`),
		"fastapi 422":       openaitest.ErrorBody(422, `{"detail": [{"loc": ["body", "response_format", "type"], "msg": "unexpected value"}]}`),
	} {
		t.Run(name, func(t *testing.T) {
			plain := "Subject: " + goodSubject + "\n\n" + goodBody
			srv := openaitest.New(t, refusal, openaitest.Draft(goodSubject, goodBody), openaitest.Content(plain))
			drafter, _ := newDrafter(t, srv)
			for i := range 2 {
				d, err := drafter.Draft(context.Background(), sampleRequest(cadence.ChannelEmail, cadence.PurposeRecapNextStep))
				if err != nil || d.Source != SourceLLM || d.Subject != goodSubject || d.Body != goodBody {
					t.Fatalf("draft %d = %+v, %v; want the model's draft", i+1, d, err)
				}
			}
			reqs := srv.Requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests for 2 drafts, want 3 (one refused, then one per draft)", len(reqs))
			}
			for i, want := range []bool{true, false, false} {
				if got := reqs[i].Chat.ResponseFormat != nil; got != want {
					t.Errorf("request %d: response_format sent = %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

// TestOpenAIOtherBadRequestNotRetried checks that a 400 that does not name response_format is an
// ordinary failure: one request, no retry without it.
func TestOpenAIOtherBadRequestNotRetried(t *testing.T) {
	srv := openaitest.New(t, openaitest.Error(400, "model 'gpt-9' not found"))
	_, err := NewOpenAI(OpenAIConfig{BaseURL: srv.BaseURL()}).Draft(context.Background(), sampleRequest(cadence.ChannelSMS, cadence.PurposeCloseLoop))
	var f *Failure
	if !errors.As(err, &f) || f.Kind != FailRequest || len(srv.Requests()) != 1 {
		t.Fatalf("err = %v after %d requests; want one request failing with %q", err, len(srv.Requests()), FailRequest)
	}
}
