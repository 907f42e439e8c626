// Package classify reads a message from a contact and says what it means for their follow-up: a
// reply, an out-of-office with its return date, a bounce, an opt-out ("remove me") or a referral
// to someone else. The rules here work offline, in English, German, French, Spanish, Portuguese,
// Italian and Dutch; an OpenAI-compatible model can be asked instead (see LLM), and both are tested
// on the same case set (testdata/cases).
//
// The package never keeps a message: callers store the Result and at most Snippet's 280 characters.
package classify

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is what a message means for a follow-up.
type Kind string

// The kinds of message. KindNone is a message that says nothing about the follow-up (unrelated
// mail, or a delivery notice about someone else).
const (
	KindNone        Kind = "none"
	KindReply       Kind = "reply"
	KindOutOfOffice Kind = "out_of_office"
	KindBounce      Kind = "bounce"
	KindOptOut      Kind = "opt_out"
	KindReferral    Kind = "referral"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{KindReply, KindOutOfOffice, KindBounce, KindOptOut, KindReferral, KindNone}

// Label returns the kind for people.
func (k Kind) Label() string {
	switch k {
	case KindReply:
		return "Reply"
	case KindOutOfOffice:
		return "Out of office"
	case KindBounce:
		return "Bounce"
	case KindOptOut:
		return "Opt-out"
	case KindReferral:
		return "Referral"
	}
	return "Nothing to act on"
}

// Message is one message as the classifier reads it: the sender's address, the headers (keys in
// canonical MIME form, "Auto-Submitted"), the subject and the plain-text body (HTML already turned
// into text). Contact is the address of the enrolled contact the message is checked against.
type Message struct {
	From    string
	Subject string
	Headers map[string]string
	Body    string
	Date    time.Time // when it was sent or received; the anchor for "back on Monday"
	Contact string
}

// Result is what a message means, and why.
type Result struct {
	Kind Kind
	// ReturnDate is the first day the contact is back, for an out-of-office that names one; zero
	// otherwise (or when the date named has already passed).
	ReturnDate time.Time
	// Referral is the address of the person the contact points to, for KindReferral.
	Referral string
	// Meeting is the contact asking for a meeting; MeetingText the time they named, if any.
	Meeting     bool
	MeetingText string
	// Question is the first question or objection in the reply, for an intent signal.
	Question string
	// Reason says for people why the message was read so: "subject “Automatic reply”".
	Reason string
}

// maxBody bounds the text the rules read: a 10 MB message costs no more than its first 64 KB.
const maxBody = 64 << 10

// Rules classifies m by its headers and words. It never fails: a message it cannot place is a
// reply when it comes from the contact, and KindNone otherwise.
func Rules(m Message) Result {
	body := m.Body
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	body = strings.ToValidUTF8(body, "\uFFFD")
	from := Address(m.From)
	contact := Address(m.Contact)
	subject := strings.TrimSpace(m.Subject)
	fresh := Unquote(body)
	lowFresh := fold(fresh)
	lowSubj := fold(subject)

	if r, ok := bounce(m, from, contact, lowSubj, body); ok {
		return r
	}
	if contact != "" && from != contact {
		return Result{Kind: KindNone, Reason: "not from the contact's address"}
	}
	if why, ok := forged(m.Headers); ok {
		return Result{Kind: KindNone, Reason: why}
	}
	if why, ok := autoReply(m.Headers, lowSubj, lowFresh); ok {
		r := Result{Kind: KindOutOfOffice, Reason: why}
		r.ReturnDate = ReturnDate(subject+"\n"+fresh, m.Date)
		return r
	}
	if why, ok := bulk(m.Headers); ok {
		return Result{Kind: KindNone, Reason: why}
	}
	if p, ok := findOptOut(fold(withoutFooter(fresh))); ok {
		return Result{Kind: KindOptOut, Reason: "it says “" + p + "”"}
	}
	if p, ok := findPhrase(lowSubj, optOutSubjects); ok {
		return Result{Kind: KindOptOut, Reason: "the subject says “" + p + "”"}
	}
	r := Result{Kind: KindReply, Reason: "a message from the contact"}
	if addr, p, ok := referral(fresh, lowFresh, from); ok {
		r = Result{Kind: KindReferral, Referral: addr, Reason: "it says “" + p + "” and names " + addr}
	}
	if p, ok := findPhrase(lowFresh, meetingPhrases); ok {
		r.Meeting = true
		r.MeetingText = meetingTime(fresh)
		if r.Kind == KindReply {
			r.Reason = "a reply asking to meet (“" + p + "”)"
		}
	}
	r.Question = question(fresh)
	return r
}

// Address returns the bare lower-case address of a From or To value ("Jane <Jane@X.com>" is
// "jane@x.com"), or "" when there is none.
func Address(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	// Not RFC 5322 but common ("Stone, Bob <bob@acme.com>"): the address in the closing angle
	// brackets, or a bare address. An address only in a display name ("\"Bob <bob@acme.com>\""
	// with no address of its own) is no sender's address.
	if strings.Count(s, "@") != 1 {
		return ""
	}
	if strings.HasSuffix(s, ">") {
		if i := strings.LastIndexByte(s, '<'); i >= 0 {
			s = s[i+1 : len(s)-1]
		}
	}
	if m := addrRE.FindString(s); m != "" && m == s {
		return strings.ToLower(m)
	}
	return ""
}

var addrRE = regexp.MustCompile(`[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)

// Snippet returns at most the first 280 characters of the fresh part of a body, on one line:
// all a reply's text that followup keeps.
func Snippet(body string) string {
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(Unquote(body), "")), " ")
	if utf8.RuneCountInString(s) <= 280 {
		return s
	}
	r := []rune(s)
	return string(r[:279]) + "…"
}

// fold lower-cases s and turns typographic apostrophes into plain ones.
func fold(s string) string {
	return strings.NewReplacer("’", "'", "‘", "'", "\u00a0", " ").Replace(strings.ToLower(s))
}

// findPhrase returns the first of phrases found in s (already folded).
func findPhrase(s string, phrases []string) (string, bool) {
	for _, p := range phrases {
		if i := strings.Index(s, p); i >= 0 && !negated(s[:i]) {
			return p, true
		}
	}
	return "", false
}

// negated reports whether the words just before a phrase deny it ("please don't unsubscribe me").
func negated(before string) bool {
	before = strings.TrimSpace(before)
	for _, n := range []string{"don't", "do not", "never", "not to", "no need to"} {
		if strings.HasSuffix(before, n) {
			return true
		}
	}
	return false
}

// Classifier reads what a message means. The rules never fail; a model may, and then the caller
// falls back to the rules.
type Classifier interface {
	Classify(ctx context.Context, m Message) (Result, error)
}

// RulesClassifier is Rules as a Classifier.
type RulesClassifier struct{}

// Classify returns Rules(m).
func (RulesClassifier) Classify(_ context.Context, m Message) (Result, error) { return Rules(m), nil }

// forged reports a message the receiving server could not authenticate as from its From's domain,
// by the Authentication-Results it added (the first one; a sender can add more below it): DMARC
// failed, Microsoft's composite check failed, or SPF failed outright with no DKIM signature passing
// (a domain without DMARC says dmarc=none, so that is looked at too).
func forged(h map[string]string) (string, bool) {
	ar := fold(h["Authentication-Results"])
	switch {
	case ar == "":
		return "", false
	case strings.Contains(ar, "dmarc=fail"):
		return "it failed DMARC: the From may be forged", true
	case strings.Contains(ar, "compauth=fail"):
		return "it failed the receiving server's sender check (compauth=fail): the From may be forged", true
	case strings.Contains(ar, "spf=fail") && !strings.Contains(ar, "dkim=pass"):
		return "it failed SPF and has no valid DKIM signature: the From may be forged", true
	}
	return "", false
}
