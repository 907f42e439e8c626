package prompts

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

// FillerPhrases is the one list of filler that no draft may contain. The domain rule is that a
// follow-up gives a new reason to reply; these phrases announce that it has none. They are matched
// case-insensitively, with curly apostrophes and runs of spaces folded, anywhere in the subject or
// body, not only in the first sentence: filler in the middle of a message is still filler, and a
// false positive costs only a retry or the offline draft. The first PromptFillers entries are named
// to the model in the system prompt, which renders them from this list; keep the commonest first.
var FillerPhrases = []string{
	"just checking in",
	"just following up",
	"circling back",
	"touching base",
	"bumping this",
	"just wanted to check in",
	"just wanted to follow up",
	"just a follow-up",
	"following up on my last",
	"following up on my previous",
	"circle back",
	"touch base",
	"bump this",
	"floating this",
	"just a reminder",
	"friendly reminder",
	"per my last email",
	"hope this email finds you well",
	"hope this finds you well",
	"just wanted to reach out",
}

// PromptFillers is how many of FillerPhrases the system prompt names as examples: all of them
// would cost about a hundred prompt tokens, and Check catches the rest.
const PromptFillers = 5

// OptOutPhrases are the wordings of which an SMS must carry at least one, matched case-insensitively.
var OptOutPhrases = []string{"reply stop", "text stop", "opt out", "opt-out", "unsubscribe"}

// NearCopyThreshold is the Jaccard similarity of word 3-shingles (lower-cased words, punctuation
// dropped) at or above which a draft counts as a near-copy of an earlier touch.
const NearCopyThreshold = 0.8

// CheckError is why Check rejected a draft. Rule names the check in a word fit for info logs and
// metrics; Reason says what is wrong in a sentence written for the model's retry, and may quote
// part of the draft, so it is logged at debug level only.
type CheckError struct {
	Rule   string // "empty", "filler", "length", "sms", "placeholder", "mention", "link" or "near-copy"
	Reason string
}

// Error implements the error interface.
func (e *CheckError) Error() string { return "draft rejected (" + e.Rule + "): " + e.Reason }

func reject(rule, format string, args ...any) *CheckError {
	return &CheckError{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

var (
	// placeholderRes find template leftovers: any square bracket or brace (so "[Name]", "{company}"
	// and "{{" alike), angle-bracket fields like "<first name>", shouty markers and snake-case fields.
	placeholderRes = []*regexp.Regexp{
		regexp.MustCompile(`[\[\]{}]`),
		regexp.MustCompile(`<[A-Za-z][A-Za-z _.-]{0,30}>`),
		regexp.MustCompile(`\b(TODO|TBD|FIXME|XXX|INSERT)\b`),
		regexp.MustCompile(`(?i)\blorem ipsum\b|%!|\b(first|last|full|company|contact|rep|sender)_?name\b`),
	}
	// mentionRe finds Slack mention syntax (<!channel>, <!here>, <@U123>, <#C123|x>, <!subteam^S1>)
	// and the bare broadcast words.
	mentionRe = regexp.MustCompile(`(?i)<[!@#][^>]*>|(^|\s)@(channel|here|everyone)\b`)
	// linkRe finds links: with a scheme or "www.", or a bare domain under a common top-level
	// domain ("calendly.com/sam"), with or without a path.
	linkRe = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"'()]+` +
		`|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|ai|app|dev|me|ly|us|uk|de|fr|eu|biz|info|so|to|gl|gg|link)\b(?:/[^\s<>"'()]*)?`)
)

// Check returns a *CheckError when d is not fit to show the rep for r, and nil when it is. The
// rules, in order: the body is not empty; no FillerPhrases; the channel's length (ChannelLimits:
// email subject present and at most 80 characters with a body of at most 120 words; LinkedIn at
// most 300 characters; SMS at most 160 characters; phone at most 200 words with a "Voicemail:"
// section; in person at most 150 words), counting characters as Unicode code points; an SMS names
// the sender (the first word of RepName, when known) and carries OptOutPhrases wording; no leftover
// placeholders or template braces; no Slack mentions; no links (http://, https://, www.) that the
// contact's context (notes, signals, LinkedIn URL, step guidance and purpose text) does not
// contain; and not a near-copy (NearCopyThreshold) of an earlier touch of the enrollment.
func Check(r Request, d Draft) error {
	body := strings.TrimSpace(d.Body)
	if body == "" {
		return reject("empty", "the body is empty")
	}
	all := d.Subject + "\n" + body
	if p := findFiller(all); p != "" {
		return reject("filler", "it uses the filler phrase %q; open with the new reason to reply instead", p)
	}
	if err := checkLength(r, d.Subject, body); err != nil {
		return err
	}
	for _, re := range placeholderRes {
		if m := re.FindString(all); m != "" {
			return reject("placeholder", "it contains %q, a placeholder or template leftover; write the real words or leave the detail out", m)
		}
	}
	if m := mentionRe.FindString(all); m != "" {
		return reject("mention", "it contains the Slack mention %q; remove it", strings.TrimSpace(m))
	}
	if l := foreignLink(r, all); l != "" {
		return reject("link", "it contains the link %q, which the contact's context does not; remove it and invent no links", l)
	}
	text := d.Text()
	for _, e := range r.Earlier {
		if e.Draft != "" && similarity(text, e.Draft) >= NearCopyThreshold {
			return reject("near-copy", "it nearly repeats earlier touch #%d; give a new reason to reply from a different angle", e.Step)
		}
	}
	return nil
}

func checkLength(r Request, subject, body string) error {
	l := ChannelLimits
	switch r.Step.Channel {
	case cadence.ChannelEmail:
		if strings.TrimSpace(subject) == "" {
			return reject("length", "an email needs a subject")
		}
		if n := utf8.RuneCountInString(subject); n > l.Subject {
			return reject("length", "the subject has %d characters; at most %d", n, l.Subject)
		}
		if n := len(strings.Fields(body)); n > l.EmailWords {
			return reject("length", "the email body has %d words; at most %d", n, l.EmailWords)
		}
	case cadence.ChannelLinkedIn:
		if n := utf8.RuneCountInString(body); n > l.LinkedIn {
			return reject("length", "the LinkedIn message has %d characters; at most %d", n, l.LinkedIn)
		}
	case cadence.ChannelSMS:
		if n := utf8.RuneCountInString(body); n > l.SMS {
			return reject("length", "the SMS has %d characters; at most %d", n, l.SMS)
		}
		lower := strings.ToLower(body)
		if !containsAny(lower, OptOutPhrases) {
			return reject("sms", `the SMS must carry opt-out wording such as "Reply STOP to opt out"`)
		}
		if name := firstName(data(r.RepName)); name != "" && !strings.Contains(lower, strings.ToLower(name)) {
			return reject("sms", "the SMS must name the sender, %s", name)
		}
	case cadence.ChannelPhone:
		if n := len(strings.Fields(body)); n > l.PhoneWords {
			return reject("length", "the call script has %d words; at most %d", n, l.PhoneWords)
		}
		if !strings.Contains(strings.ToLower(body), "voicemail:") {
			return reject("length", `the call script needs a "Voicemail:" section`)
		}
	case cadence.ChannelInPerson:
		if n := len(strings.Fields(body)); n > l.InPersonWords {
			return reject("length", "the talking points have %d words; at most %d", n, l.InPersonWords)
		}
	}
	return nil
}

// fold lower-cases s, straightens curly apostrophes and folds runs of whitespace to one space, so
// that phrase matching is not fooled by typography.
func fold(s string) string {
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u2010", "-", "\u2011", "-").Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// findFiller returns the first filler phrase in s, or "".
func findFiller(s string) string {
	f := fold(s)
	for _, p := range FillerPhrases {
		if strings.Contains(f, p) {
			return p
		}
	}
	return ""
}

func containsAny(s string, subs []string) bool {
	for _, p := range subs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// foreignLink returns the first link in s that the request's context does not contain, or "".
// Links are whole tokens compared without scheme, "www.", trailing punctuation or slash,
// case-insensitively: a link is known only when the context holds that very link, so a shortened
// or altered one is foreign. A domain inside an email address is not a link, and the contact's
// company may be named even when it looks like a domain ("Monday.com").
func foreignLink(r Request, s string) string {
	found := linksIn(s)
	if len(found) == 0 {
		return ""
	}
	ctx := []string{r.Note, r.Contact.LinkedIn, r.Contact.Company, r.Step.Guidance, r.Step.PurposeText}
	ctx = append(ctx, r.Signals...)
	known := map[string]bool{}
	for _, l := range linksIn(strings.Join(ctx, " ")) {
		known[normLink(l)] = true
	}
	for _, l := range found {
		if n := normLink(l); n == "" || !known[n] {
			return strings.TrimRight(l, ".,;:!?")
		}
	}
	return ""
}

// linksIn returns the links in s, leaving out the domains of email addresses.
func linksIn(s string) []string {
	var out []string
	for _, m := range linkRe.FindAllStringIndex(s, -1) {
		if m[0] > 0 && s[m[0]-1] == '@' {
			continue
		}
		out = append(out, s[m[0]:m[1]])
	}
	return out
}

func normLink(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("https://", "", "http://", "", "www.", "").Replace(s)
	return strings.TrimRight(s, "/.,;:!?")
}

// similarity is the Jaccard similarity of the word 3-shingles of a and b (of their word sets when
// either has fewer than three words).
func similarity(a, b string) float64 {
	wa, wb := words(a), words(b)
	n := 3
	if len(wa) < n || len(wb) < n {
		n = 1
	}
	sa, sb := shingles(wa, n), shingles(wb, n)
	if len(sa) == 0 || len(sb) == 0 {
		return 0
	}
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

func shingles(w []string, n int) map[string]bool {
	out := make(map[string]bool)
	for i := 0; i+n <= len(w); i++ {
		out[strings.Join(w[i:i+n], " ")] = true
	}
	return out
}
