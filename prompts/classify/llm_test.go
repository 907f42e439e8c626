package classify

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/prompts/openaitest"
)

func answer(kind Kind, ret time.Time, referral string) openaitest.Reply {
	a := map[string]any{"kind": string(kind), "return_date": "", "referral": referral, "reason": "test"}
	if !ret.IsZero() {
		a["return_date"] = ret.Format(time.DateOnly)
	}
	b, _ := json.Marshal(a)
	return openaitest.Content("```json\n" + string(b) + "\n```")
}

// TestLLMOnCaseSet runs the model classifier on the whole case set against a fake model that
// answers each message it is asked about as the case expects: what the headers settle never
// reaches the model, everything else does, once, with the message's own words and without the
// quoted earlier message, and the answers are read back into the same results.
func TestLLMOnCaseSet(t *testing.T) {
	cases := mustCases(t)
	srv := openaitest.New(t)
	asked := 0
	for _, c := range cases {
		if !settled(Rules(c.Message)) {
			srv.Enqueue(answer(c.Want.Kind, c.Want.ReturnDate, c.Want.Referral))
			asked++
		}
	}
	l := NewLLM(LLMConfig{BaseURL: srv.BaseURL(), Model: openaitest.Model})
	s := Evaluate(cases, func(m Message) Result {
		r, err := l.Classify(context.Background(), m)
		if err != nil {
			t.Errorf("Classify: %v", err)
		}
		return r
	})
	for _, m := range s.Misses {
		t.Error("miss:", m)
	}
	reqs := srv.Requests()
	if len(reqs) != asked || asked < len(cases)/2 {
		t.Fatalf("%d requests, want %d (of %d cases)", len(reqs), asked, len(cases))
	}
	for _, r := range reqs {
		user := r.Chat.Messages[len(r.Chat.Messages)-1].Content
		if strings.Contains(user, "reply unsubscribe") || strings.Contains(user, "> ") {
			t.Errorf("the quoted earlier message was sent to the model: %q", user)
		}
	}
}

func TestLLMGuards(t *testing.T) {
	anchor := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := Message{From: "bob@acme.com", Contact: "bob@acme.com", Subject: "Re: demo", Body: "Talk to my colleague, she decides.", Date: anchor}
	srv := openaitest.New(t,
		answer(KindReferral, time.Time{}, "invented@acme.com"),         // not in the text
		answer(KindOutOfOffice, anchor.AddDate(0, 0, -3), ""),          // a past date
		openaitest.Content("I think this is a reply"),                  // not JSON
		answer("maybe", time.Time{}, ""),                               // an unknown kind
		openaitest.Error(http.StatusInternalServerError, "overloaded"), // a failure
	)
	l := NewLLM(LLMConfig{BaseURL: srv.BaseURL()})
	ctx := context.Background()
	if r, err := l.Classify(ctx, m); err != nil || r.Kind != KindReply || r.Referral != "" {
		t.Errorf("invented referral: %+v, %v; want a reply", r, err)
	}
	if r, err := l.Classify(ctx, m); err != nil || r.Kind != KindOutOfOffice || !r.ReturnDate.IsZero() {
		t.Errorf("past return date: %+v, %v; want out of office without a date", r, err)
	}
	for _, what := range []string{"not JSON", "unknown kind", "server error"} {
		if _, err := l.Classify(ctx, m); err == nil {
			t.Errorf("%s: no error", what)
		}
	}
	// A bounce never reaches the model (the fake would fail an unscripted request).
	b := Message{From: "mailer-daemon@x.com", Contact: "bob@acme.com", Subject: "Undeliverable", Body: "bob@acme.com Status: 5.1.1"}
	if r, err := l.Classify(ctx, b); err != nil || r.Kind != KindBounce {
		t.Errorf("bounce: %+v, %v", r, err)
	}
}
