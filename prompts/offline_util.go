package prompts

import (
	"strings"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

// triggerPhrase names the trigger as something that happened between the rep and the contact.
func triggerPhrase(t cadence.Trigger) string {
	switch t {
	case cadence.TriggerDemo:
		return "the demo"
	case cadence.TriggerColdEmail:
		return "my email"
	case cadence.TriggerProposal:
		return "the proposal"
	case cadence.TriggerMissedMeeting:
		return "the meeting we missed"
	case cadence.TriggerFormFill:
		return "your request"
	case cadence.TriggerEventChat:
		return "our chat at the event"
	case cadence.TriggerCustomerCheckin:
		return "our check-in"
	}
	return "our last conversation"
}

var unsafeRes = []guardedRe{mentionRe, placeholderRes[1], placeholderRes[2], placeholderRes[3]}

// safe makes rep-supplied text fit to appear in a draft: delimiters, brackets, braces, angle
// fields, Slack mentions and placeholder markers go; filler phrases are cut out.
func safe(s string) string {
	s = data(s)
	for _, re := range unsafeRes {
		s = re.ReplaceAllString(s, "")
	}
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune("[]{}<>", r) {
			return -1
		}
		return r
	}, s)
	for i := 0; i < 5 && mayHaveFiller(strings.Join(strings.Fields(strings.ToLower(s)), " ")); i++ {
		loc := fillerRe.FindStringIndex(s)
		if loc == nil {
			break
		}
		s = s[:loc[0]] + " " + s[loc[1]:]
	}
	return strings.Join(strings.Fields(s), " ")
}

// clipWords cuts s to at most n bytes at a word boundary, without an ellipsis.
func clipWords(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if i := strings.LastIndexByte(s[:cut], ' '); i > 0 {
		cut = i
	}
	return strings.TrimRight(s[:cut], " ,;:-")
}
