package cadence

import (
	"strings"
)

// triggerCues are words that hint at the interaction a message follows, most specific first: a
// missed meeting before a demo ("missed our demo"), a proposal before pricing talk.
var triggerCues = []struct {
	trigger Trigger
	cues    []string
}{
	{TriggerMissedMeeting, []string{"missed", "no-show", "no show", "didn't make it", "did not make it", "couldn't make it", "could not make it", "reschedule", "didn't join", "did not join"}},
	{TriggerFormFill, []string{"form", "signed up", "sign-up", "signup", "submitted", "inbound", "request a demo", "requested a demo", "contact us", "webinar registration"}},
	{TriggerProposal, []string{"proposal", "quote", "contract", "pricing", "price", "order form", "sow", "msa"}},
	{TriggerDemo, []string{"demo", "walkthrough", "walk-through", "trial"}},
	{TriggerEventChat, []string{"conference", "booth", "meetup", "summit", "event", "met at", "great to meet"}},
	{TriggerColdEmail, []string{"cold email", "outreach", "introduce", "introduced", "introduction", "introducing"}},
}

// GuessTrigger guesses, from the text of a message, the interaction a follow-up on it would follow:
// a missed meeting, a form fill, a proposal, a demo (a question after it), an event chat or a cold
// email; TriggerCustomerCheckin when nothing hints at one (a customer or partner writing in a
// shared channel). It is a suggestion for a person to confirm, never a decision.
func GuessTrigger(text string) Trigger {
	t := strings.ToLower(text)
	for _, tc := range triggerCues {
		for _, c := range tc.cues {
			if containsWord(t, c) {
				return tc.trigger
			}
		}
	}
	return TriggerCustomerCheckin
}

// containsWord reports whether cue occurs in t as a word (or its plural with an "s"), so "form"
// matches "the form" and "forms" but not "platform", "information" or "former", and "event" not
// "eventually".
func containsWord(t, cue string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], cue)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(cue)
		if end < len(t) && t[end] == 's' {
			end++
		}
		if (at == 0 || !isWordByte(t[at-1])) && (end == len(t) || !isWordByte(t[end])) {
			return true
		}
		i = at + 1
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}
