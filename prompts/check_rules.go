package prompts

import (
	"regexp"
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// trackingRe finds a draft telling the contact what tracking saw.
var trackingRe = guardedRe{regexp.MustCompile(`\b(?:you|you've|you have|you had)\s+(?:recently\s+|just\s+|already\s+)?` +
	`(?:visited|opened|clicked|viewed|downloaded|browsed|watched|looked at|checked out|read my|read our|were on|spent time on)\b` +
	`|\b(?:saw|noticed|see) (?:that )?you (?:visited|opened|clicked|viewed|downloaded|were (?:on|looking))\b`),
	anyOf(false, "visited", "opened", "clicked", "viewed", "downloaded", "browsed", "watched", "looked at", "checked out",
		"read my", "read our", "were on", "were looking", "spent time on")}

// gsm7 is the GSM 03.38 basic character set; gsmExt the extension characters, which count twice.
const (
	gsm7   = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExt = "^{}\\[~]|€"
)

// smsLength returns how many characters s counts in one SMS segment and the segment's size: GSM-7
// (extension characters count twice) within 160, or UCS-2 code units within 70.
func smsLength(s string) (n, max int) {
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7, r):
			n++
		case strings.ContainsRune(gsmExt, r):
			n += 2
		default:
			return len(utf16Units(s)), 70
		}
	}
	return n, ChannelLimits.SMS
}

func utf16Units(s string) []struct{} {
	out := []struct{}{}
	for _, r := range s {
		out = append(out, struct{}{})
		if r > 0xFFFF {
			out = append(out, struct{}{})
		}
	}
	return out
}

// plainLetters spells letters outside GSM-7 plainly, so an SMS stays one segment.
var plainLetters = strings.NewReplacer("á", "a", "â", "a", "ã", "a", "ç", "c", "ê", "e", "ë", "e", "í", "i",
	"î", "i", "ï", "i", "ó", "o", "ô", "o", "õ", "o", "ú", "u", "û", "u", "ý", "y", "ÿ", "y", "Á", "A",
	"À", "A", "Â", "A", "Ã", "A", "È", "E", "Ê", "E", "Ë", "E", "Í", "I", "Ì", "I", "Î", "I", "Ó", "O",
	"Ò", "O", "Ô", "O", "Õ", "O", "Ú", "U", "Ù", "U", "Û", "U", "ł", "l", "Ł", "L", "ś", "s", "ş", "s",
	"š", "s", "Š", "S", "ž", "z", "Ž", "Z", "ć", "c", "č", "c", "Č", "C", "ń", "n", "ř", "r", "ğ", "g",
	"ı", "i", "ő", "o", "ű", "u", "\u2019", "'", "\u2018", "'", "\u201c", "\"", "\u201d", "\"", "\u2013", "-", "\u2014", "-")

// gsmText is s with letters outside GSM-7 spelled plainly when a plain spelling exists, and any
// other character outside GSM-7 (an emoji) left out, so that an SMS stays one 160-character segment.
func gsmText(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(gsm7, r) || strings.ContainsRune(gsmExt, r) {
			return r
		}
		return -1
	}, plainLetters.Replace(s))
}

// checkSMS holds an SMS to its rules: it names the sender and the seller's company and says how
// to opt out.
func checkSMS(r Request, d Draft) *CheckError {
	if r.Step.Channel != cadence.ChannelSMS {
		return nil
	}
	lower := strings.ToLower(gsmText(d.Body))
	if !containsAny(lower, OptOutPhrases) {
		return reject("sms", `the SMS must carry opt-out wording such as "Reply STOP to opt out"`)
	}
	if name := firstName(gsmText(data(r.RepName))); name != "" && !strings.Contains(lower, strings.ToLower(name)) {
		return reject("sms", "the SMS must name the sender, %s", name)
	}
	if r.Profile != nil && r.Profile.Company != "" && !strings.Contains(lower, strings.ToLower(gsmText(r.Profile.Company))) {
		return reject("sms", "the SMS must name the company, %s", r.Profile.Company)
	}
	return nil
}

// checkGoal rejects a draft that pastes the cadence's goal in verbatim: the goal is the rep's aim,
// not words for the contact.
func checkGoal(r Request, d Draft) *CheckError {
	g := strings.Join(words(r.Goal), " ")
	if len(strings.Fields(g)) < 3 {
		return nil
	}
	if strings.Contains(" "+strings.Join(words(d.Subject+" "+d.Body), " ")+" ", " "+g+" ") {
		return reject("goal", "it pastes the cadence goal %q; say the next step in words for the contact", r.Goal)
	}
	return nil
}

var greetingRe = regexp.MustCompile(`^(?:Opener:\s*)?(Hi|Hello|Hey|Dear|Good morning|Good afternoon)\b([^,.!\n]*)([,.!]*)`)

// checkGreeting holds the greeting to the contact's given name: "Hi Jane," for "Dr. Jane Smith",
// "Hi," when no name can be parsed; never "Hi Dr.,", "Hi dana," or "Hi Whitfield,,".
func checkGreeting(r Request, d Draft) *CheckError {
	m := greetingRe.FindStringSubmatch(strings.TrimSpace(d.Body))
	if m == nil {
		return nil
	}
	name, punct := strings.TrimSpace(m[2]), m[3]
	if len(punct) > 1 {
		return reject("greeting", "the greeting %q has doubled punctuation", m[0])
	}
	want := GivenName(r.Contact.Name)
	switch {
	case name == "" || strings.EqualFold(name, "there"):
		return nil
	case want == "":
		return reject("greeting", "the greeting names %q, but the contact's name gives no given name; write \"Hi,\"", name)
	case name != want && name != gsmText(want) && !strings.HasPrefix(name, want+" "):
		return reject("greeting", "the greeting names %q; greet the contact by the given name %q", name, want)
	}
	return nil
}

// checkRepeat rejects a near-copy of an earlier touch that was sent, and any sentence of five or
// more words repeated from one.
func checkRepeat(r Request, d Draft) *CheckError {
	text := withoutSignature(d.Text(), r.Signature)
	mine := sentenceSet(text)
	for _, e := range r.sent() {
		earlier := withoutSignature(e.Draft, r.Signature)
		if similarity(text, earlier) >= NearCopyThreshold {
			return reject("near-copy", "it nearly repeats earlier touch #%d; give a new reason to reply from a different angle", e.Step)
		}
		for s := range sentenceSet(earlier) {
			if mine[s] {
				return reject("near-copy", "it repeats the sentence %q from earlier touch #%d; say something new", s, e.Step)
			}
		}
	}
	return nil
}

// withoutSignature leaves the rep's sign-off out of a text: every email carries it, by design, and
// a signature of five words or more ("Sam Lee, Acme Support — sam@acme.example") is no repeat.
func withoutSignature(text, sig string) string {
	if sig = strings.TrimSpace(sig); sig == "" {
		return text
	}
	return strings.ReplaceAll(text, sig, "")
}

var sentenceEnd = regexp.MustCompile(`[.!?\n]+`)

// stockSentences are the fixed parts of a channel's form (the SMS opt-out, the call script's
// frame), which every message on that channel carries and which give no reason to reply either way.
var stockSentences = map[string]bool{"reply stop to opt out": true, "do you have two minutes": true,
	"you can reach me at this number or reply to my email": true}

// sentenceSet returns the sentences of s with five or more words, as lower-case word runs, leaving
// out greetings, section labels and stockSentences.
func sentenceSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, p := range sentenceEnd.Split(s, -1) {
		w := words(p)
		if len(w) > 0 && w[0] == "open" {
			continue
		}
		for len(w) > 0 && (w[0] == "opener" || w[0] == "point" || w[0] == "ask" || w[0] == "voicemail" || w[0] == "open" || w[0] == "subject") {
			w = w[1:]
		}
		j := strings.Join(w, " ")
		if len(w) > 0 && (w[0] == "hi" || w[0] == "hello" || w[0] == "dear") || stockSentences[j] || strings.HasPrefix(j, "i am calling about") {
			continue
		}
		if len(w) >= 5 {
			out[strings.Join(w, " ")] = true
		}
	}
	return out
}

var (
	numberRe   = regexp.MustCompile(`[$€£]?\d[\d,.]*\s*(?:%|percent|x\b|k\b|m\b)?`)
	clockRe    = regexp.MustCompile(`(?i)\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\b\d{1,2}:\d\d\b|\b\d{1,3}[- ]?(?:minutes?|mins?)\b`)
	capWordRe  = regexp.MustCompile(`[\p{Lu}][\p{L}\d&'-]+`)
	commonCaps = map[string]bool{"i": true, "hi": true, "hello": true, "best": true, "thanks": true, "stop": true,
		"opener": true, "point": true, "ask": true, "voicemail": true, "talking": true, "open": true, "subject": true,
		"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
		"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
		"august": true, "september": true, "october": true, "november": true, "december": true, "ok": true,
		"q1": true, "q2": true, "q3": true, "q4": true, "linkedin": true, "sms": true, "ps": true, "cheers": true}
)

// clauseEnd splits text where a capital letter starts a sentence, a label or a quotation.
var clauseEnd = regexp.MustCompile(`[.!?\n:;"“”(]+`)

// functionWords are English words that may be capitalised anywhere a sentence starts.
var functionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the a an you your we our my me if is it its with on in at for to and but or so since
		here there what when where who how why would could should can will do does did are was were this that these
		those please let thanks thank good great happy sorry one two no yes not now before after hope any all kind
		regards glad nice dear okay reply call could i'm i'd i'll we'd we'll you're let's some as by from about
		just also most more many each every whichever whatever still then once while because though although
		happy pick grab sure could shall may might sounds looking`) {
		m[w] = true
	}
	return m
}()

// checkFacts rejects a model's draft that brings a number, a percentage or a name found nowhere in
// the request (its notes, signals, contact, rep, profile, dates and earlier drafts): a model must
// not invent proof. Offline drafts are built from the request alone and are not held to it.
func checkFacts(r Request, d Draft) *CheckError {
	if d.Source != SourceLLM {
		return nil
	}
	corpus := requestCorpus(r)
	known := " " + strings.Join(words(corpus+" "+gsmText(corpus)), " ") + " "
	body := clockRe.ReplaceAllString(d.Subject+"\n"+d.Body, " ")
	for _, l := range linksIn(body) {
		body = strings.Replace(body, l, " ", 1)
	}
	for _, m := range numberRe.FindAllString(body, -1) {
		digits := strings.Join(words(m), " ")
		if digits != "" && !strings.Contains(known, " "+digits+" ") && !strings.Contains(known, digits) {
			return reject("fact", "it states %q, which nothing in the request says; use only the facts given or the profile's", strings.TrimSpace(m))
		}
	}
	for _, sent := range clauseEnd.Split(body, -1) {
		sent = strings.TrimSpace(sent)
		for _, loc := range capWordRe.FindAllStringIndex(sent, -1) {
			w := sent[loc[0]:loc[1]]
			lw := strings.ToLower(strings.Trim(w, "'-"))
			if loc[0] == 0 || commonCaps[lw] || functionWords[lw] {
				continue
			}
			if !strings.Contains(known, " "+strings.Join(words(lw), " ")+" ") {
				return reject("fact", "it names %q, which nothing in the request mentions; invent no companies or names", w)
			}
		}
	}
	return nil
}

// requestCorpus is all the text a model was given.
func requestCorpus(r Request) string {
	parts := []string{r.Contact.Name, r.Contact.Company, r.Contact.Role, r.Contact.Email, r.Note, r.RepName,
		r.Signature, r.BookingLink, r.Goal, r.CadenceName, r.Step.Guidance, r.Step.PurposeText, r.ContactTimeZone,
		formatDate(r.TriggerAt, r.Location), formatDate(r.DecisionDate, r.Location), formatDate(r.Now, r.Location),
		dayDate(r.DecisionDate, r.Now, r.Location), string(r.Trigger)}
	if !r.DecisionDate.IsZero() {
		parts = append(parts, r.DecisionDate.In(loc(r)).Format("2 January 2006 Jan 02/01/2006 01/02"))
	}
	parts = append(parts, r.Signals...)
	parts = append(parts, r.Profile.Facts()...)
	parts = append(parts, r.Profile.Links()...)
	for _, e := range r.Earlier {
		parts = append(parts, e.Draft)
	}
	return strings.Join(parts, " ")
}
