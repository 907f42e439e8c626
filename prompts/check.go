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
// as whole words, case-insensitively, with curly apostrophes and runs of spaces folded, anywhere in
// the subject or body. A few that also occur in harmless sentences match only in their filler use
// (fillerContext): "bump this" at the end of a clause, not in "bump this year's seat count". The
// first PromptFillers entries are named to the model in the system prompt; keep the commonest first.
var FillerPhrases = []string{
	"just checking in",
	"just following up",
	"circling back",
	"touching base",
	"did you get a chance",
	"checking in",
	"just wanted to check in",
	"just wanted to follow up",
	"wanted to follow up",
	"just a follow-up",
	"quick follow-up",
	"following up on my last",
	"following up on my previous",
	"following up again",
	"circle back",
	"touch base",
	"bumping this",
	"bump this",
	"floating this",
	"just a reminder",
	"friendly reminder",
	"gentle reminder",
	"quick reminder",
	"per my last email",
	"as per my previous email",
	"as per my last email",
	"hope this email finds you well",
	"hope this finds you well",
	"hope you are well",
	"hope you're doing well",
	"hope all is well",
	"just wanted to reach out",
	"reaching out again",
	"did you have a chance",
	"any update",
	"any updates",
	"not sure if you saw",
	"in case you missed",
	"just pinging",
	"pinging you",
	"putting this back on your radar",
	"back on your radar",
	"top of your inbox",
	"resurfacing this",
	"have not heard back",
	"haven't heard back",
	"i know you're busy",
	"i know you are busy",
	"sorry to bother you",
	"sorry to bug you",
	"just making sure you saw",
	"just wanted to see",
}

// fillerContext narrows phrases that harmless sentences share: the pattern that must follow them.
var fillerContext = map[string]string{
	"bump this":    `(?:\s+(?:up|email|thread|message|note|one))?\s*(?:[.!?,;]|$)`,
	"bumping this": `(?:\s+(?:up|email|thread|message|note|one))?\s*(?:[.!?,;]|$)`,
	"checking in":  `(?:\s+(?:on|with|to|about|again|here)\b|\s*[.!?,;]|$)`,
	"any update":   `(?:\s+(?:on|here|from|regarding|about)\b|\s*[?.!]|$)`,
	"any updates":  `(?:\s+(?:on|here|from|regarding|about)\b|\s*[?.!]|$)`,
	"circle back":  `(?:\s+(?:on|with|to|about|next|later|soon)\b|\s*[.!?,;]|$)`,
	"touch base":   `(?:\s+(?:on|with|about|next|later|soon|again)\b|\s*[.!?,;]|$)`,
}

// fillerRe matches any filler phrase; built once from FillerPhrases and fillerContext.
var fillerRe = func() *regexp.Regexp {
	alts := make([]string, len(FillerPhrases))
	for i, p := range FillerPhrases {
		alts[i] = `\b` + strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`) + `\b` + fillerContext[p]
	}
	return regexp.MustCompile(`(?i)(?:` + strings.Join(alts, "|") + `)`)
}()

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
	placeholderRes = []guardedRe{
		{regexp.MustCompile(`[\[\]{}]`), anyOf(false, "[", "]", "{", "}")},
		{regexp.MustCompile(`<[A-Za-z][A-Za-z _.-]{0,30}>`), anyOf(false, "<")},
		{regexp.MustCompile(`\b(TODO|TBD|FIXME|XXX|INSERT)\b`), anyOf(false, "TODO", "TBD", "FIXME", "XXX", "INSERT")},
		{regexp.MustCompile(`(?i)\blorem ipsum\b|%!|\b(first|last|full|company|contact|rep|sender)_?name\b`), anyOf(true, "lorem", "%!", "name")},
		{regexp.MustCompile(`(?i)\bthe decision date\b|\byour company name\b|\bthe contact's name\b`), anyOf(true, "date", "name")},
	}
	// mentionRe finds Slack mention syntax (<!channel>, <!here>, <@U123>, <#C123|x>, <!subteam^S1>)
	// and the bare broadcast words.
	mentionRe = guardedRe{regexp.MustCompile(`(?i)<[!@#][^>]*>|(^|\s)@(channel|here|everyone)\b`), anyOf(false, "<", "@")}
	// linkRe finds links: with a scheme or "www.", or a bare domain under a common top-level
	// domain ("calendly.com/sam"), with or without a path.
	linkRe = guardedRe{regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"'()]+` +
		`|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.(?:` + strings.Join(linkTLDs, "|") + `)\b(?:/[^\s<>"'()]*)?`), mayHaveLink}
)

// linkTLDs are the top-level domains linkRe knows a bare domain by.
var linkTLDs = []string{"com", "net", "org", "io", "co", "ai", "app", "dev", "me", "ly", "us", "uk", "de", "fr", "eu",
	"biz", "info", "so", "to", "gl", "gg", "link"}

// mayHaveLink is linkRe's guard: a link holds "http", "www." or a dot before one of linkTLDs. The
// text is lower-cased with 'ſ' as 's', which (?i) matches too.
func mayHaveLink(s string) bool {
	s = strings.ReplaceAll(strings.ToLower(s), "ſ", "s")
	if strings.Contains(s, "http") { // "https://intranet" has no dot
		return true
	}
	if !strings.Contains(s, ".") {
		return false
	}
	if strings.Contains(s, "www.") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			continue
		}
		for _, t := range linkTLDs {
			if strings.HasPrefix(s[i+1:], t) {
				return true
			}
		}
	}
	return false
}

// Check returns a *CheckError when d is not fit to show the rep for r, and nil when it is: the
// first failing rule of Rules, in order. Checks gives every rule's verdict.
func Check(r Request, d Draft) error {
	for _, rule := range Rules {
		if err := rule.Fn(r, d); err != nil {
			return err
		}
	}
	return nil
}

// Verdict is one rule's judgement of a draft: Reason is "" when it passes.
type Verdict struct {
	Rule   string `json:"rule"`
	Pass   bool   `json:"pass"`
	Reason string `json:"reason,omitempty"`
}

// Checks returns every rule's verdict on d, in the order of Rules.
func Checks(r Request, d Draft) []Verdict {
	out := make([]Verdict, 0, len(Rules))
	for _, rule := range Rules {
		v := Verdict{Rule: rule.Name, Pass: true}
		if err := rule.Fn(r, d); err != nil {
			v.Pass, v.Reason = false, err.Reason
		}
		out = append(out, v)
	}
	return out
}

// Rule is one check of a draft.
type Rule struct {
	Name string
	Fn   func(r Request, d Draft) *CheckError
}

// Rules are the checks of a draft, in order: the body is not empty; no FillerPhrases; the
// channel's length (ChannelLimits: email subject present and at most 80 characters with a body of
// at most 120 words; LinkedIn at most 300 characters; an SMS of one segment, 160 GSM-7 characters
// or 70 when it needs UCS-2; phone at most 200 words with a "Voicemail:" section; in person at most
// 150 words); an SMS names the sender and the seller's company and says how to opt out; no
// leftover placeholders ("[Company]", "{{", "the decision date"); no Slack mentions; no links but
// the contact's context's and the profile's; no tracking disclosure ("you visited"); the cadence
// goal not pasted verbatim; a sane greeting; not a near-copy of an earlier touch that was sent, and
// no sentence of five or more words repeated from one; and, for a model's draft, no number,
// percentage or name found nowhere in the request.
var Rules = []Rule{
	{"empty", func(_ Request, d Draft) *CheckError {
		if strings.TrimSpace(d.Body) == "" {
			return reject("empty", "the body is empty")
		}
		return nil
	}},
	{"filler", func(_ Request, d Draft) *CheckError {
		if p := findFiller(d.Subject + "\n" + d.Body); p != "" {
			return reject("filler", "it uses the filler phrase %q; open with the new reason to reply instead", p)
		}
		return nil
	}},
	{"length", func(r Request, d Draft) *CheckError { return checkLength(r, d.Subject, strings.TrimSpace(d.Body)) }},
	{"sms", checkSMS},
	{"placeholder", func(r Request, d Draft) *CheckError {
		all := d.Subject + "\n" + d.Body
		for _, re := range placeholderRes {
			if m := re.FindString(all); m != "" {
				return reject("placeholder", "it contains %q, a placeholder or template leftover; write the real words or leave the detail out", m)
			}
		}
		return nil
	}},
	{"mention", func(_ Request, d Draft) *CheckError {
		if m := mentionRe.FindString(d.Subject + "\n" + d.Body); m != "" {
			return reject("mention", "it contains the Slack mention %q; remove it", strings.TrimSpace(m))
		}
		return nil
	}},
	{"link", func(r Request, d Draft) *CheckError {
		if l := foreignLink(r, d.Subject+"\n"+d.Body); l != "" {
			return reject("link", "it contains the link %q, which neither the contact's context nor the profile has; remove it and invent no links", l)
		}
		return nil
	}},
	{"tracking", func(_ Request, d Draft) *CheckError {
		if m := trackingRe.FindString(fold(d.Subject + "\n" + d.Body)); m != "" {
			return reject("tracking", "it says %q, which tells the contact they were tracked; give the reason, not the tracking", m)
		}
		return nil
	}},
	{"goal", checkGoal},
	{"greeting", checkGreeting},
	{"near-copy", checkRepeat},
	{"fact", checkFacts},
}

func checkLength(r Request, subject, body string) *CheckError {
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
		if n, max := smsLength(body); n > max {
			return reject("length", "the SMS has %d characters; at most %d for one segment (70 when a character is outside GSM-7)", n, max)
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

var typography = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u2010", "-", "\u2011", "-", "ſ", "s")

// fold lower-cases s, straightens curly apostrophes and folds runs of whitespace to one space, so
// that phrase matching is not fooled by typography.
func fold(s string) string {
	s = typography.Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// findFiller returns the first filler phrase in s, or "".
func findFiller(s string) string {
	f := fold(s)
	if !mayHaveFiller(f) {
		return ""
	}
	m := fillerRe.FindString(f)
	return strings.TrimRight(m, " .!?,;")
}

// mayHaveFiller reports whether s, lower-cased with its white space folded to single spaces,
// contains a filler phrase as plain text: fillerRe can match only then, and it costs far more
// than these look-ups (it ran for every draft checked, most of a draft's CPU time).
func mayHaveFiller(s string) bool {
	for _, p := range FillerPhrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
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
	ctx := []string{r.Note, r.Contact.LinkedIn, r.Contact.Company, r.Step.Guidance, r.Step.PurposeText, r.BookingLink}
	ctx = append(ctx, r.Signals...)
	ctx = append(ctx, r.Profile.Links()...)
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
