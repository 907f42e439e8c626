package prompts_test

// The LLM cost benchmark of BENCHMARKS.md (item 6). For every channel and purpose it reports the
// prompt tokens of one draft, estimated as characters/4 (prompts.EstimateTokens, not a tokenizer),
// for a typical request and for one with every quoted field at or past its cap, and the number of
// model requests that the bot's drafter (prompts.WithFallback over the OpenAI drafter) makes for
// one draft in the normal path, counted at the fake chat-completions server. The fake answers with
// the offline drafter's text, which passes Check, so the normal path is the one measured.
//
//	go test -run '^$' -bench BenchmarkDraftCost -benchtime 20x ./prompts

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/prompts/openaitest"
	"github.com/followup-bot/followup/prompts/profile"
)

// benchNow is a fixed drafting time: prompts never read the clock.
var benchNow = time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)

// benchGuidance returns the built-in library's guidance for a step with this channel and purpose,
// or the longest guidance of the library when no built-in step has that pair.
func benchGuidance(ch cadence.Channel, p cadence.Purpose) string {
	longest := ""
	for _, c := range cadence.Builtin().All() {
		for _, s := range c.Steps {
			if s.Channel == ch && s.Purpose == p {
				return s.Guidance
			}
			if len(s.Guidance) > len(longest) {
				longest = s.Guidance
			}
		}
	}
	return longest
}

// benchRequest is a draft request for one channel and purpose. Typical is what a rep's follow-up
// looks like on its third step; full fills every quoted field well past its cap, the worst case
// Render has to fit into prompts.PromptBudget.
func benchRequest(ch cadence.Channel, p cadence.Purpose, full bool) prompts.Request {
	r := prompts.Request{
		Contact: cadence.Contact{Name: "Dana Whitfield", Email: "dana@acme.example", Company: "Acme Logistics",
			Role: "Head of Operations"},
		Trigger: cadence.TriggerDemo, TriggerAt: benchNow.Add(-6 * 24 * time.Hour),
		CadenceName: "After a demo", Goal: "book a call with their team to plan a pilot",
		StepIndex: 3, StepCount: 5,
		Step:   cadence.Step{Channel: ch, Purpose: p, Guidance: benchGuidance(ch, p)},
		Intent: cadence.IntentWarm,
		Note: "Cares about cutting dispatch errors before peak season; CFO signs off on anything above 20k. " +
			"Asked whether the pilot can start with one warehouse.",
		Signals: []string{"opened the pricing page twice"},
		Earlier: []prompts.Earlier{
			{Step: 1, Channel: cadence.ChannelEmail, Purpose: cadence.PurposeRecapNextStep, Outcome: cadence.OutcomeSent,
				Draft: "Subject: Recap of our demo\n\nHi Dana, thanks for the time today. You mentioned dispatch errors..."},
			{Step: 2, Channel: cadence.ChannelLinkedIn, Purpose: cadence.PurposeShareContext, Outcome: cadence.OutcomeSent,
				Draft: "Hi Dana, a short case study from a warehouse your size that halved its dispatch errors."},
		},
		RepName: "Sam Rivera", Now: benchNow, Location: time.UTC,
		DecisionDate: benchNow.Add(20 * 24 * time.Hour), Signature: "Sam Rivera, Acme Support",
		Profile: &profile.Profile{Company: "Acme Support", Value: "One inbox for dispatch email, chat and phone, set up in a day.",
			Booking: "https://cal.example.com/acme/20min",
			Proof: []profile.Proof{{Text: "Northgate cut dispatch errors by a third in its first peak season.",
				Concerns: []string{"dispatch errors"}}},
			Assets: []profile.Asset{{Title: "The Northgate case study", URL: "https://acme.example.com/northgate"}},
			Concerns: []profile.Concern{{Name: "price", Keywords: []string{"cfo", "20k"},
				Answer: "Pricing is per seat with no setup fee, so a one-warehouse pilot stays under the CFO's limit."}}},
	}
	if p == cadence.PurposeCustom {
		r.Step.PurposeText = "invite them to the customer roundtable next month"
	}
	if !full {
		return r
	}
	long := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	r.Contact.Name, r.Contact.Company, r.Contact.Role = long("Name", 40), long("Company", 40), long("Role", 40)
	r.CadenceName, r.Goal = long("Cadence", 40), long("goal", 100)
	r.Step.Guidance = long("guidance", 100)
	if p == cadence.PurposeCustom {
		r.Step.PurposeText = long("purpose", 60)
	}
	r.Note = long("notes", 1000)
	r.RepName = long("Rep", 40)
	r.Signature, r.BookingLink, r.ContactTimeZone = long("Signature", 40), "https://cal.example.com/"+long("x", 300), long("Zone", 20)
	r.Profile = &profile.Profile{Company: long("Seller", 40), Value: long("value", 60), Booking: "https://cal.example.com/" + long("b", 200)}
	r.Profile.Proof = []profile.Proof{{Text: long("proof", 50)}}
	r.Profile.Assets = []profile.Asset{{Title: long("asset", 30), URL: "https://acme.example.com/" + long("a", 200)}}
	r.Profile.Concerns = []profile.Concern{{Name: "notes", Answer: long("answer", 60)}}
	r.Signals = nil
	r.Earlier = nil
	for i := range 6 {
		r.Signals = append(r.Signals, long(fmt.Sprintf("signal%d", i), 40))
		r.Earlier = append(r.Earlier, prompts.Earlier{Step: i + 1, Channel: cadence.ChannelEmail,
			Purpose: cadence.PurposeShareContext, Outcome: cadence.OutcomeSent, Draft: long("earlier", 200)})
	}
	r.StepIndex, r.StepCount = 7, 8
	return r
}

// promptTokens is the estimated size of the system and user prompts Render makes for r.
func promptTokens(tb testing.TB, r prompts.Request) int {
	tb.Helper()
	system, user, err := prompts.Render(r)
	if err != nil {
		tb.Fatalf("render %s/%s: %v", r.Step.Channel, r.Step.Purpose, err)
	}
	return prompts.EstimateTokens(system) + prompts.EstimateTokens(user)
}

// BenchmarkDraftCost reports, per channel and purpose: tokens-typical and tokens-full (prompt
// tokens per draft, characters/4), llm-calls/draft (model requests per draft through
// WithFallback, normal path) and sent-tokens/draft (characters/4 of the messages the fake
// server received, which must equal tokens-typical).
func BenchmarkDraftCost(b *testing.B) {
	ctx := context.Background()
	for _, ch := range cadence.Channels {
		for _, p := range cadence.Purposes {
			b.Run(fmt.Sprintf("%s/%s", ch, p), func(b *testing.B) {
				r := benchRequest(ch, p, false)
				typical, full := promptTokens(b, r), promptTokens(b, benchRequest(ch, p, true))
				answer, err := prompts.Offline{}.Draft(ctx, r)
				if err != nil {
					b.Fatalf("offline draft: %v", err)
				}
				srv := openaitest.New(b)
				drafter := prompts.WithFallback(prompts.NewOpenAI(prompts.OpenAIConfig{BaseURL: srv.BaseURL()}), prompts.Offline{}, nil)
				b.ResetTimer()
				for range b.N {
					srv.Enqueue(openaitest.Draft(answer.Subject, answer.Body))
					d, err := drafter.Draft(ctx, r)
					if err != nil {
						b.Fatal(err)
					}
					if d.Source != prompts.SourceLLM {
						b.Fatalf("draft source %q (fallback %q), want the model's draft", d.Source, d.Fallback)
					}
				}
				b.StopTimer()
				reqs := srv.Requests()
				sent := 0
				for _, m := range reqs[0].Chat.Messages {
					sent += prompts.EstimateTokens(m.Content)
				}
				b.ReportMetric(float64(typical), "tokens-typical")
				b.ReportMetric(float64(full), "tokens-full")
				b.ReportMetric(float64(sent), "sent-tokens/draft")
				b.ReportMetric(float64(len(reqs))/float64(b.N), "llm-calls/draft")
			})
		}
	}
}
