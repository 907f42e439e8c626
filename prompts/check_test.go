package prompts

import (
	"errors"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
)

func TestCheck(t *testing.T) {
	email := func(subject, body string) (cadence.Channel, Draft) {
		return cadence.ChannelEmail, Draft{Subject: subject, Body: body}
	}
	on := func(ch cadence.Channel, body string) (cadence.Channel, Draft) { return ch, Draft{Body: body} }
	for _, tc := range []struct {
		name string
		ch   cadence.Channel
		d    Draft
		mod  func(*Request)
		rule string // "" means the draft passes
	}{
		{name: "good email", rule: ""},
		{name: "empty", rule: "empty"},
		{name: "filler anywhere", rule: "filler"},
		{name: "filler curly case", rule: "filler"},
		{name: "no subject", rule: "length"},
		{name: "long subject", rule: "length"},
		{name: "121 words", rule: "length"},
		{name: "linkedin 301", rule: "length"},
		{name: "sms good", rule: ""},
		{name: "sms 161", rule: "length"},
		{name: "sms no opt-out", rule: "sms"},
		{name: "sms no sender", rule: "sms"},
		{name: "phone no voicemail", rule: "length"},
		{name: "braces", rule: "placeholder"},
		{name: "bracket name", rule: "placeholder"},
		{name: "angle field", rule: "placeholder"},
		{name: "todo", rule: "placeholder"},
		{name: "slack channel", rule: "mention"},
		{name: "slack user", rule: "mention"},
		{name: "foreign link", rule: "link"},
		{name: "link from note", rule: ""},
		{name: "bare domain", rule: "link"},
		{name: "shortened known link", rule: "link"},
		{name: "company that looks like a domain", rule: ""},
		{name: "email address is no link", rule: ""},
		{name: "near copy", rule: "near-copy"},
		{name: "different from earlier", rule: ""},
	} {
		ch, d := email("Ticket waits at Acme", "Hi Dana, you mentioned tickets wait two days. Would a call with your ops lead help? Sam")
		var mod func(*Request)
		switch tc.name {
		case "empty":
			d.Body = " \n"
		case "filler anywhere":
			d.Body = "Hi Dana. Thanks for the demo, and I am just following up on pricing."
		case "filler curly case":
			d.Subject = "Circling\u00a0Back"
		case "no subject":
			d.Subject = ""
		case "long subject":
			d.Subject = strings.Repeat("a", 81)
		case "121 words":
			d.Body = strings.Repeat("word ", 121)
		case "linkedin 301":
			ch, d = on(cadence.ChannelLinkedIn, strings.Repeat("é", 301))
		case "sms good":
			ch, d = on(cadence.ChannelSMS, "Hi Dana, Sam here. Call with your ops lead this week? Reply STOP to opt out")
		case "sms 161":
			ch, d = on(cadence.ChannelSMS, "Sam here. Reply STOP to opt out "+strings.Repeat("x", 129))
		case "sms no opt-out":
			ch, d = on(cadence.ChannelSMS, "Hi Dana, Sam here. Call with your ops lead this week?")
		case "sms no sender":
			ch, d = on(cadence.ChannelSMS, "Hi Dana. Call with your ops lead this week? Reply STOP to opt out")
		case "phone no voicemail":
			ch, d = on(cadence.ChannelPhone, "Opener: Hi Dana.\nPoint: wait times.\nAsk: a call?")
		case "braces":
			d.Body += " {{.Company}}"
		case "bracket name":
			d.Body = "Hi [Name], thanks."
		case "angle field":
			d.Body = "Hi <first name>, thanks."
		case "todo":
			d.Body += " TODO add numbers"
		case "slack channel":
			d.Body += " <!channel>"
		case "slack user":
			d.Body += " cc <@U024BE7LH>"
		case "foreign link":
			d.Body += " See https://example.com/pricing."
		case "link from note":
			d.Body += " The case study: https://acme.example/case."
			mod = func(r *Request) { r.Note += " Liked www.acme.example/case" }
		case "bare domain":
			d.Body += " Pick a time at calendly.com/sam-rep."
		case "shortened known link":
			d.Body += " Your profile linkedin.com/in/dan came up."
			mod = func(r *Request) { r.Contact.LinkedIn = "https://www.linkedin.com/in/danalee" }
		case "company that looks like a domain":
			d.Body += " Teams like yours at Monday.com ask this too."
			mod = func(r *Request) { r.Contact.Company = "Monday.com" }
		case "email address is no link":
			d.Body += " Or write to sam@rep.example.com."
		case "near copy":
			mod = func(r *Request) { r.Earlier[0].Draft = "Subject: Ticket waits at Acme\n\n" + d.Body + " Thanks." }
		}
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRequest(ch, cadence.PurposeRecapNextStep)
			if mod != nil {
				mod(&r)
			}
			err := Check(r, d)
			var ce *CheckError
			switch {
			case tc.rule == "" && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tc.rule != "" && (!errors.As(err, &ce) || ce.Rule != tc.rule):
				t.Errorf("Check = %v, want rule %q", err, tc.rule)
			}
		})
	}
}

func TestSimilarity(t *testing.T) {
	a := "You mentioned tickets wait two days; a call with your ops lead would show where the time goes."
	if s := similarity(a, a); s != 1 {
		t.Errorf("similarity(a, a) = %v", s)
	}
	if s := similarity(a, "Should I close this out for now? A yes or no is fine."); s > 0.1 {
		t.Errorf("unrelated texts: %v", s)
	}
	if s := similarity(a, strings.ToUpper(a)+"!"); s < NearCopyThreshold {
		t.Errorf("case and punctuation change: %v", s)
	}
}

func TestEstimateTokens(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 1, "abcd": 1, "abcde": 2} {
		if got := EstimateTokens(s); got != want {
			t.Errorf("EstimateTokens(%q) = %d, want %d", s, got, want)
		}
	}
}
