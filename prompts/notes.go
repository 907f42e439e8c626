package prompts

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxQuoteChars caps one quoted piece of the notes.
const maxQuoteChars = 90

var (
	clauseSplit = regexp.MustCompile(`[.!?;\n]+\s*|\s+[-–—]\s+|,\s+(?:but|and also|also|plus)\s+|\s+but\s+`)
	leadIn      = regexp.MustCompile(`(?i)^(?:and|but|also|so|plus|then|ps|note|notes|fyi)\b[:,]?\s*`)
	saidThat    = regexp.MustCompile(`(?i)^(?:she|he|they|the client|the prospect|the contact)\s+(?:said|says|mentioned|mentions|noted|told me|explained|shared)\s+(?:that\s+)?`)
	subjectVerb = regexp.MustCompile(`(?i)\b(she|he|they)\s+(\w+)`)
)

// verbFix turns a third-person verb into the form that follows "you".
var verbFix = map[string]string{"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
	"isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't", "goes": "go", "are": "are", "were": "were"}

// notWords never start a verb after he/she: the rest of a third-person clause keeps its form.
var modalWords = map[string]bool{"can": true, "will": true, "would": true, "could": true, "should": true,
	"might": true, "must": true, "may": true, "did": true, "had": true, "didn't": true, "won't": true, "can't": true}

// secondPerson rewrites the rep's third-person notes as addressed to the contact: "she wants her
// team on it" is "you want your team on it". name, when given, is the contact's given name, also
// replaced when it opens the text.
func secondPerson(s, name string) string {
	s = saidThat.ReplaceAllString(s, "")
	if name != "" {
		if rest, ok := cutPrefixFold(s, name+" "); ok {
			s = "she " + rest
		}
	}
	if f := strings.Fields(s); len(f) > 1 && bareVerbs[strings.ToLower(f[0])] {
		s = "she " + s
	} else if len(f) > 1 && bareStates[strings.ToLower(f[0])] {
		s = "she is " + lowerFirst(s) // "concerned about the timeline": you are concerned about the timeline
	}
	s = subjectVerb.ReplaceAllStringFunc(s, func(m string) string {
		f := strings.Fields(m)
		v := strings.ToLower(f[1])
		if f[0] == "they" || f[0] == "They" {
			return "you " + f[1]
		}
		switch {
		case verbFix[v] != "":
			v = verbFix[v]
		case modalWords[v] || strings.HasSuffix(v, "ed"):
		case strings.HasSuffix(v, "ies") && len(v) > 4:
			v = v[:len(v)-3] + "y"
		case strings.HasSuffix(v, "sses") || strings.HasSuffix(v, "shes") || strings.HasSuffix(v, "ches") || strings.HasSuffix(v, "xes"):
			v = v[:len(v)-2]
		case strings.HasSuffix(v, "s") && !strings.HasSuffix(v, "ss") && len(v) > 3:
			v = v[:len(v)-1]
		}
		return "you " + v
	})
	w := strings.Fields(s)
	for i, t := range w {
		core := strings.TrimRight(t, ".,;:!?)'\"")
		tail := t[len(core):]
		rep := ""
		switch strings.ToLower(core) {
		case "she's", "he's", "they're":
			rep = "you're"
		case "she", "he", "they", "him", "them":
			rep = "you"
		case "his", "their":
			rep = "your"
		case "hers", "theirs":
			rep = "yours"
		case "herself", "himself", "themselves", "themself":
			rep = "yourself"
		case "her":
			rep = "you"
			if tail == "" && i+1 < len(w) && !herObject[strings.ToLower(w[i+1])] {
				rep = "your"
			}
		}
		if rep != "" {
			w[i] = rep + tail
		}
	}
	return strings.Join(w, " ")
}

// bareVerbs open a note that leaves out its subject ("wants SSO before rollout"): the subject is
// the contact.
var bareVerbs = map[string]bool{"wants": true, "needs": true, "has": true, "is": true, "uses": true,
	"prefers": true, "likes": true, "worries": true, "expects": true, "plans": true, "hopes": true, "runs": true,
	"manages": true, "owns": true, "leads": true, "thinks": true, "feels": true, "says": true, "was": true,
	"asked": true, "mentioned": true, "said": true, "loves": true, "hates": true, "struggles": true, "spends": true}

// bareStates open a note that leaves out "she is" ("concerned about the security review").
var bareStates = map[string]bool{"concerned": true, "worried": true, "interested": true, "keen": true, "unhappy": true,
	"happy": true, "frustrated": true, "excited": true, "skeptical": true, "sceptical": true, "nervous": true,
	"unsure": true, "open": true, "busy": true, "focused": true, "stuck": true, "locked": true, "committed": true}

// herObject are the words after which "her" is the object ("told her about"), not the possessive.
var herObject = map[string]bool{"to": true, "for": true, "with": true, "about": true, "and": true, "or": true,
	"that": true, "a": true, "an": true, "the": true, "on": true, "in": true, "at": true, "up": true, "back": true}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// metAt finds where the rep met the contact: "Met at SupportConf" names the event.
var metAt = regexp.MustCompile(`(?i)^(?:we )?met (?:at|during) (?:the )?([^,;]{2,40})$`)

// eventName returns the event the notes say the rep met the contact at, or "".
func eventName(note string) string {
	for _, p := range clauseSplit.Split(safe(note), -1) {
		if m := metAt.FindStringSubmatch(strings.TrimSpace(p)); m != nil {
			return strings.TrimSpace(m[1])
		}
	}
	return ""
}

// noteClauses splits the notes into the pieces a draft can quote: each sentence or clause,
// addressed to the contact, without a trailing full stop, cut to maxQuoteChars at a word. None is
// discarded for its grammar or length; only pieces without a letter or with filler are left out.
func noteClauses(note, given string) []string {
	var pieces []string
	for _, p := range clauseSplit.Split(safe(note), -1) {
		pieces = append(pieces, splitAnd(p)...)
	}
	var out, mine []string
	for _, p := range pieces {
		p = strings.TrimSpace(leadIn.ReplaceAllString(strings.TrimSpace(p), ""))
		p = strings.Trim(secondPerson(p, given), " ,:-\"'")
		if !strings.ContainsFunc(p, unicode.IsLetter) || metAt.MatchString(p) {
			continue
		}
		p = lowerFirst(clipWords(p, maxQuoteChars))
		if repSays.MatchString(p) {
			mine = append(mine, p)
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return mine // only the rep's own words: better than nothing
	}
	return out
}

// repSays finds a piece of the notes about the rep, not the contact ("I told them we would send
// the guide"): quoted back, it would put the rep's words in the contact's mouth.
var repSays = regexp.MustCompile(`(?i)^(?:i|we|i'll|we'll|i've|we've|i'm|my|our)\b`)

// splitAnd splits "…, and she …" where a new subject follows, but not a list ("email, chat, and phone").
func splitAnd(p string) []string {
	var out []string
	for {
		i := strings.Index(p, ", and ")
		if i < 0 {
			break
		}
		next := strings.ToLower(firstName(p[i+6:]))
		switch next {
		case "she", "he", "they", "her", "his", "their", "i", "we", "the", "it", "our":
			out = append(out, p[:i])
			p = p[i+6:]
			continue
		}
		break
	}
	return append(out, p)
}

var (
	trackingVerbs = regexp.MustCompile(`(?i)^(?:has |have |had )?(?:re-?)?(?:visited|viewed|opened|clicked(?: on)?|downloaded|read|watched|checked(?: out)?|looked at|saw|browsed|asked (?:for|about)|requested|mentioned|raised|brought up|wants?|needs?|interested in|is interested in|replied about|attended|registered for|signed up for)\s+`)
	noiseWords    = map[string]bool{"our": true, "your": true, "page": true, "pages": true,
		"twice": true, "again": true, "times": true, "time": true, "site": true, "website": true, "link": true, "email": true,
		"emails": true, "yesterday": true, "today": true, "recently": true, "more": true, "than": true, "once": true,
		"three": true, "two": true, "several": true, "this": true, "week": true, "morning": true, "on": true}
	forwardRe = regexp.MustCompile(`(?i)\b(?:forwarded|shared|sent)\b.*?\b(?:to|with)\s+(?:their|her|his|the)?\s*([A-Za-z][\w &-]{1,30})`)
)

// signalTopic turns an intent signal into the topic it shows, with no trace of tracking: "visited
// pricing page twice" is "pricing", "asked for a security review" is "a security review". It returns
// "" when nothing is left.
func signalTopic(s string) string {
	s = strings.TrimSpace(safe(s))
	if forwardRe.MatchString(s) {
		return ""
	}
	s = trackingVerbs.ReplaceAllString(s, "")
	var keep []string
	fields := strings.Fields(s)
	for i, w := range fields {
		lw := strings.ToLower(strings.Trim(w, ".,;:!?()"))
		if countWords[lw] && i+1 < len(fields) && !noiseWords[strings.ToLower(fields[i+1])] {
			keep = append(keep, strings.Trim(w, ".,;:!?()")) // "pricing for three entities" keeps its count
			continue
		}
		if noiseWords[lw] || lw == "" {
			continue
		}
		if strings.IndexFunc(lw, unicode.IsDigit) >= 0 {
			// A count ("4 times") is tracking; a number naming a thing ("SOC 2", "Q1") is kept.
			if n := len(keep); n == 0 || strings.ToUpper(keep[n-1]) != keep[n-1] {
				continue
			}
		}
		keep = append(keep, strings.Trim(w, ".,;:!?()"))
	}
	for len(keep) > 0 && articles[strings.ToLower(keep[len(keep)-1])] {
		keep = keep[:len(keep)-1]
	}
	if len(keep) == 0 || len(keep) > 6 {
		return ""
	}
	if f := keep[0]; strings.HasSuffix(f, "ed") && strings.ToLower(f) == f {
		return "" // still a deed ("liked the post"), not a topic: "since liked the post came up" reads badly
	}
	if len(keep) > 1 && !determiners[strings.ToLower(keep[0])] {
		keep = append([]string{"the"}, keep...) // "since the SOC 2 report came up"
	}
	return lowerFirst(strings.Join(keep, " "))
}

// determiners open a noun phrase that needs no "the".
var determiners = map[string]bool{"a": true, "an": true, "the": true, "my": true, "your": true, "our": true,
	"their": true, "her": true, "his": true, "some": true, "any": true, "this": true, "that": true}

// countWords are noise only as a count of visits ("two times"), not in a topic ("three entities").
var countWords = map[string]bool{"two": true, "three": true, "several": true}

var articles = map[string]bool{"a": true, "an": true, "the": true, "of": true, "for": true, "to": true, "about": true}

// signalWho returns whom a signal says the contact brought in ("forwarded to CFO" is "CFO"), or "".
func signalWho(s string) string {
	if m := forwardRe.FindStringSubmatch(safe(s)); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// concernWords maps words in notes and signals to the concern they show, for drafts without a
// profile (or whose profile names none of them).
var concernWords = []struct {
	name  string
	words []string
}{
	{"price", []string{"price", "pricing", "cost", "costs", "budget", "expensive", "quote", "discount", "roi", "spend"}},
	{"security", []string{"security", "soc", "soc2", "gdpr", "compliance", "sso", "privacy", "infosec", "audit", "hipaa"}},
	{"switching effort", []string{"migration", "migrate", "switch", "switching", "setup", "onboarding", "rollout", "implementation", "effort"}},
	{"integration", []string{"integration", "integrations", "integrate", "api", "salesforce", "hubspot", "zendesk", "slack", "crm"}},
	{"timing", []string{"timing", "timeline", "quarter", "q1", "q2", "q3", "q4", "busy", "later", "next year", "deadline"}},
	{"adoption", []string{"adoption", "training", "usage", "team buy-in", "buy-in", "learning curve"}},
}

// concernOf returns the concern that texts show by their words, or "".
func concernOf(texts ...string) string {
	all := " " + strings.Join(words(strings.Join(texts, " ")), " ") + " "
	for _, c := range concernWords {
		for _, w := range c.words {
			if strings.Contains(all, " "+w+" ") {
				return c.name
			}
		}
	}
	return ""
}

// lowerFirst lower-cases the first letter of s unless the second is upper case too (an acronym).
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsUpper(r) {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) || r2 == ' ' {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
