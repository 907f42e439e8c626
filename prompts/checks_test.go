package prompts

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/profile"
)

// TestFillerPhrasings: the list catches the common ways of saying nothing (at least 40), as
// words, in subject and body; harmless look-alikes pass.
func TestFillerPhrasings(t *testing.T) {
	if n := len(FillerPhrases); n < 40 {
		t.Errorf("%d filler phrases; want at least 40", n)
	}
	for _, s := range []string{
		"Did you get a chance to look?", "Any update?", "Any updates on this?", "I wanted to follow up on the demo.",
		"Just checking in.", "Checking in on the proposal.", "A gentle reminder about Friday.", "Not sure if you saw my note.",
		"Just pinging you here.", "Putting this back on your radar.", "As per my previous email, the price holds.",
		"Circling back on pricing.", "I hope this email finds you well.", "Bumping this.", "Bump this up, please.",
		"Let's touch base next week.", "I know you're busy, but", "Sorry to bother you again.", "Hope all is well!",
		"Have not heard back from you.", "Just wanted to see where things stand.", "Following up again on the quote.",
		"Friendly reminder: the demo link.", "Just a quick reminder", "Quick follow-up on the trial.",
	} {
		if p := findFiller(s); p == "" {
			t.Errorf("no filler found in %q", s)
		}
	}
	for _, s := range []string{
		"We can bump this year's seat count.", "The touch baseline is 3 touches.", "Checking invoices takes hours.",
		"Does any update to the API break your setup?", "Our check-in on Monday went well.", "The reminder emails feature.",
		"Circled in red on the slide.", "A follow-up cadence has four steps.", "The circle backs onto the lake.",
	} {
		if p := findFiller(s); p != "" {
			t.Errorf("harmless %q flagged as filler %q", s, p)
		}
	}
}

func TestCheckRules(t *testing.T) {
	base := func() Request {
		r := sampleRequest(cadence.ChannelEmail, cadence.PurposeShareContext)
		r.Earlier = nil
		return r
	}
	email := func(body string) Draft { return Draft{Subject: "A short idea", Body: body, Source: SourceOffline} }
	prof := &profile.Profile{Company: "Acme Support", Booking: "https://cal.example.com/acme",
		Proof: []profile.Proof{{Text: "Brightline cut first response from 9 hours to 2."}}}
	for _, tc := range []struct {
		name string
		mod  func(*Request)
		d    Draft
		rule string
	}{
		{"tracking", nil, email("Hi Dana,\n\nI saw you visited our pricing page twice.\n\nSam"), "tracking"},
		{"tracking opened", nil, email("Hi Dana,\n\nYou opened my email, so here is more.\n\nSam"), "tracking"},
		{"goal pasted", func(r *Request) { r.Goal = "agree on the next step (a trial, a second call or a proposal)" },
			email("Hi Dana,\n\nCould we agree on the next step (a trial, a second call or a proposal)?\n\nSam"), "goal"},
		{"decision placeholder", nil, email("Hi Dana,\n\nCan we decide by the decision date?\n\nSam"), "placeholder"},
		{"bracket company", nil, email("Hi Dana,\n\nHow is [Company] doing?\n\nSam"), "placeholder"},
		{"title greeting", func(r *Request) { r.Contact.Name = "Dr. Jane Smith" }, email("Hi Dr.,\n\nOne idea.\n\nSam"), "greeting"},
		{"double comma", func(r *Request) { r.Contact.Name = "Whitfield, Tom" }, email("Hi Tom,,\n\nOne idea.\n\nSam"), "greeting"},
		{"lower-case name", func(r *Request) { r.Contact.Name = "dana" }, email("Hi dana,\n\nOne idea.\n\nSam"), "greeting"},
		{"no given name", func(r *Request) { r.Contact.Name = "ops@acme.com" }, email("Hi,\n\nOne idea for your team.\n\nSam"), ""},
		{"profile link allowed", func(r *Request) { r.Profile = prof },
			email("Hi Dana,\n\nPick a time here: https://cal.example.com/acme\n\nSam"), ""},
		{"foreign link", func(r *Request) { r.Profile = prof }, email("Hi Dana,\n\nSee https://evil.example.com/x\n\nSam"), "link"},
		{"model invents a number", func(r *Request) { r.Profile = prof },
			Draft{Subject: "An idea", Body: "Hi Dana,\n\nTeams cut costs by 37% with us.\n\nSam", Source: SourceLLM}, "fact"},
		{"model invents a company", func(r *Request) { r.Profile = prof },
			Draft{Subject: "An idea", Body: "Hi Dana,\n\nWe helped Globex with the same problem.\n\nSam", Source: SourceLLM}, "fact"},
		{"model uses the profile's proof", func(r *Request) { r.Profile = prof },
			Draft{Subject: "An idea", Body: "Hi Dana,\n\nBrightline cut first response from 9 hours to 2. Worth 20 minutes on Thursday?\n\nSam", Source: SourceLLM}, ""},
		{"sms two segments", func(r *Request) { r.Step.Channel = cadence.ChannelSMS; r.RepName = "Sam" },
			Draft{Body: "Hi Dana, Sam here 😀 " + strings.Repeat("a", 60) + " Reply STOP to opt out"}, "length"},
		{"sms without company", func(r *Request) { r.Step.Channel = cadence.ChannelSMS; r.RepName = "Sam"; r.Profile = prof },
			Draft{Body: "Hi Dana, Sam here. Worth a call? Reply STOP to opt out"}, "sms"},
		{"sms good", func(r *Request) { r.Step.Channel = cadence.ChannelSMS; r.RepName = "Sam"; r.Profile = prof },
			Draft{Body: "Hi Dana, Sam from Acme Support here. Worth a call? Reply STOP to opt out"}, ""},
		{"repeats a sentence of a sent touch", func(r *Request) {
			r.Earlier = []Earlier{{Step: 1, Draft: "Hi Dana,\n\nThe rollout can be planned in stages for you.\n\nSam", Outcome: cadence.OutcomeSent}}
		}, email("Hi Dana,\n\nNew idea. The rollout can be planned in stages for you.\n\nSam"), "near-copy"},
		{"a snoozed touch does not count", func(r *Request) {
			r.Earlier = []Earlier{{Step: 1, Draft: "Hi Dana,\n\nThe rollout can be planned in stages for you.\n\nSam", Outcome: cadence.OutcomeSnoozed}}
		}, email("Hi Dana,\n\nNew idea. The rollout can be planned in stages for you.\n\nSam"), ""},
	} {
		r := base()
		if tc.mod != nil {
			tc.mod(&r)
		}
		err := Check(r, tc.d)
		got := ""
		if ce, ok := err.(*CheckError); ok {
			got = ce.Rule
		}
		if got != tc.rule {
			t.Errorf("%s: rule %q (%v), want %q", tc.name, got, err, tc.rule)
		}
		vs := Checks(r, tc.d)
		if len(vs) != len(Rules) {
			t.Errorf("%s: %d verdicts", tc.name, len(vs))
		}
	}
}
