package prompts

import (
	"context"
	"hash/fnv"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/profile"
)

// Offline drafts from fixed phrasings, with no model: it is used when no model is configured and
// whenever the model fails. It is deterministic (the same Request gives the same Draft). Every
// draft is built around one reason to reply: the phrasing is chosen per trigger and purpose (a
// customer is never asked about switching; a cold contact is never told they raised something),
// the ask moves the contact forward a little at each step (two times or the booking link, then one
// easy question, then who else should see it, then yes, no or not now), the rep's notes are quoted,
// signals become reasons ("since pricing came up"), and the profile gives a proof point or an asset
// that fits the purpose and the concern. Request.Angle picks another phrasing. It checks its own
// drafts and tries the next phrasing, then shorter forms, when one fails Check. The zero value is
// ready to use.
type Offline struct{}

var _ Drafter = Offline{}

// Draft returns the offline draft for r. It returns EOPTEDOUT for a do-not-contact contact and
// EINVALID for an unknown channel or purpose; it ignores ctx and r.Revise.
func (o Offline) Draft(_ context.Context, r Request) (Draft, error) {
	d, _, err := o.draft(r)
	return d, err
}

// draft is Draft, and says whether the draft passed Check (it fails only when no phrasing does),
// so that Checked need not check it again.
func (Offline) draft(r Request) (d Draft, passed bool, err error) {
	if err := validate(r); err != nil {
		return Draft{}, false, err
	}
	c := newComposer(r)
	var first Draft
	for i := 0; i < 4; i++ {
		for t := tierRich; t <= tierLean; t++ {
			d := c.compose(r.Angle+c.salt+i, t)
			if i == 0 && t == tierRich {
				first = d
			}
			if Check(r, d) == nil {
				return d, true, nil
			}
		}
	}
	if d := c.minimal(); Check(r, d) == nil {
		return d, true, nil
	}
	return first, false, nil
}

// The tiers of an offline draft, tried in order until one passes Check.
const (
	tierRich  = iota // everything
	tierPlain        // without the profile's proof and the second quote
	tierLean         // the shortest form (SMS with long names and links)
)

// composer holds the sanitized pieces of one request.
type composer struct {
	r                  Request
	first, rep         string // the contact's given name; the rep's name
	signoff            string
	seller             string // the seller's company, from the profile
	company, role      string // the contact's
	when               string // "today", "on Tuesday", "on 3 March" or ""
	decision           string // "Friday 20 March" when a decision date is known and not past
	quotes             []string
	concernQuote       string   // the piece of the notes that shows the concern
	concernWord        string   // the word of the notes or signals that shows it ("SSO"), as written
	sigs               []string // topics of the signals, newest first
	who                string   // someone a signal says the contact brought in
	concern, answer    string
	proof              *profile.Proof
	asset              *profile.Asset
	booking            string
	custom             string
	customIsDeed       bool
	cold, customer     bool
	day1, day2         string
	askKind            string
	purpose            cadence.Purpose
	trigger            cadence.Trigger
	hot, coldIntent    bool
	stepIndex          int
	repFirst, gsmFirst string
	said               map[string]bool // sentences of earlier sent touches
	salt               int             // from the contact's name and the step: contacts read differently
}

func newComposer(r Request) *composer {
	c := &composer{r: r, purpose: r.Step.Purpose, trigger: r.Trigger, stepIndex: max(r.StepIndex, 1)}
	c.first = GivenName(r.Contact.Name)
	h := fnv.New32a()
	h.Write([]byte(r.Contact.Name))
	c.salt = int(h.Sum32()%6) + c.stepIndex
	c.rep = clipWords(safe(r.RepName), 40)
	c.repFirst = firstName(c.rep)
	c.signoff = clipWords(safe(r.Signature), 80)
	if c.signoff == "" {
		c.signoff = c.rep
	}
	if r.Profile != nil {
		c.seller = clipWords(safe(r.Profile.Company), 40)
	}
	if co := safe(r.Contact.Company); utf8.RuneCountInString(co) <= 40 {
		c.company = co
	}
	if ro := safe(r.Contact.Role); utf8.RuneCountInString(ro) <= 40 {
		c.role = ro
	}
	c.when = whenPhrase(r.TriggerAt, r.Now, r.Location)
	if !r.DecisionDate.IsZero() && (r.Now.IsZero() || dayNumber(r.DecisionDate.In(loc(r))) >= dayNumber(r.Now.In(loc(r)))) {
		c.decision = dayDate(r.DecisionDate, r.Now, r.Location)
	}
	c.quotes = noteClauses(r.Note, c.first)
	for i := len(r.Signals) - 1; i >= 0; i-- {
		if t := signalTopic(r.Signals[i]); t != "" {
			c.sigs = append(c.sigs, t)
		}
		if w := signalWho(r.Signals[i]); w != "" && c.who == "" {
			c.who = clipWords(w, 30)
		}
	}
	c.cold = r.Trigger == cadence.TriggerColdEmail
	c.customer = r.Trigger == cadence.TriggerCustomerCheckin
	c.hot, c.coldIntent = r.Intent == cadence.IntentHot, r.Intent == cadence.IntentCold
	var texts []string
	for i := range c.quotes {
		texts = append(texts, c.quote(i))
	}
	texts = append(texts, r.Signals...)
	for _, t := range texts {
		if pc := r.Profile.ConcernIn(t); pc != nil {
			c.concern, c.answer = strings.ToLower(pc.Name), pc.Answer
			break
		}
		if c.concern = concernOf(t); c.concern != "" {
			break
		}
	}
	for i := range c.quotes {
		if t := c.quote(i); c.concern != "" && (concernOf(t) == c.concern || r.Profile.ConcernIn(t) != nil) {
			c.concernQuote = t
			break
		}
	}
	var kws []string
	for _, cw := range concernWords {
		if cw.name == c.concern {
			kws = cw.words
		}
	}
	if pc := r.Profile.ConcernIn(texts...); pc != nil && strings.EqualFold(pc.Name, c.concern) {
		kws = append(append([]string{}, pc.Keywords...), strings.ToLower(pc.Name))
	}
	c.concernWord = keywordIn(strings.Join(append([]string{r.Note}, r.Signals...), " "), kws)

	if c.concern == "" {
		c.concern = defaultConcern[r.Trigger]
	}
	used := map[string]bool{}
	for _, e := range r.sent() {
		if r.Profile != nil {
			for _, p := range r.Profile.Proof {
				used[p.Text] = used[p.Text] || strings.Contains(e.Draft, p.Text)
			}
			for _, a := range r.Profile.Assets {
				used[a.URL] = used[a.URL] || strings.Contains(e.Draft, a.URL)
			}
		}
	}
	// A story about the contact's own company is no proof to them ("the Brightline case study" to
	// Brightline): counted as used.
	if co := strings.ToLower(c.company); co != "" && r.Profile != nil {
		for _, p := range r.Profile.Proof {
			used[p.Text] = used[p.Text] || strings.Contains(strings.ToLower(p.Text), co)
		}
		for _, a := range r.Profile.Assets {
			used[a.URL] = used[a.URL] || strings.Contains(strings.ToLower(a.Title+" "+a.URL), co)
		}
	}
	// A customer is never sold the switch: proof and assets about switching are left out.
	if c.customer && r.Profile != nil {
		for _, p := range r.Profile.Proof {
			used[p.Text] = used[p.Text] || concernOf(p.Text+" "+strings.Join(p.Concerns, " ")) == "switching effort"
		}
		for _, a := range r.Profile.Assets {
			used[a.URL] = used[a.URL] || concernOf(a.Title+" "+strings.Join(a.Concerns, " ")) == "switching effort"
		}
	}
	// A concern guessed from the trigger, not said by the contact, rules no proof out.
	said := c.concern
	if said == defaultConcern[r.Trigger] {
		said = ""
	}
	// Notes that name no known concern still say what the contact cares about: an asset or proof
	// tagged with another concern than the one the draft raises would answer the wrong question
	// ("loses tickets" with a security overview), so only untagged or matching ones remain.
	if said == "" && len(c.quotes) > 0 && r.Profile != nil {
		for _, p := range r.Profile.Proof {
			used[p.Text] = used[p.Text] || !tagsFit(p.Concerns, c.concern)
		}
		for _, a := range r.Profile.Assets {
			used[a.URL] = used[a.URL] || !tagsFit(a.Concerns, c.concern)
		}
	}
	c.proof = r.Profile.ProofFor(r.Step.Purpose, said, used)
	if r.Step.Purpose == cadence.PurposeShareContext || r.Step.Purpose == cadence.PurposeAnswerConcern {
		c.asset = r.Profile.AssetFor(r.Step.Purpose, said, used)
	}
	c.booking = r.booking()
	c.custom = lowerFirst(strings.TrimRight(clipWords(safe(r.Step.PurposeText), 90), ".!?"))
	c.customIsDeed = c.custom != "" && !nounPhrase(c.custom) && !gendered.MatchString(c.custom)
	dayLoc := r.Location
	if l, err := time.LoadLocation(r.ContactTimeZone); err == nil && r.ContactTimeZone != "" {
		dayLoc = l // the days proposed are the contact's
	}
	c.day1, c.day2 = nextWorkdays(r.Now, dayLoc)
	c.askKind = askFor(r)
	c.said = map[string]bool{}
	for _, e := range r.sent() {
		for k := range sentenceSet(e.Draft) {
			c.said[k] = true
		}
	}
	return c
}

// tagsFit reports whether a profile item with these concern tags may serve a draft that raises
// concern: untagged items serve any, tagged ones only their own concern.
func tagsFit(tags []string, concern string) bool {
	if len(tags) == 0 {
		return true
	}
	want := concernOf(concern)
	for _, t := range tags {
		if strings.EqualFold(t, concern) || want != "" && concernOf(t) == want {
			return true
		}
	}
	return false
}

// fresh leaves out the sentences an earlier sent touch already said, keeping at least one.
func (c *composer) fresh(s []string) []string {
	var out []string
	for _, x := range s {
		w := words(x)
		if len(w) < 5 || !c.said[strings.Join(w, " ")] {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return s
	}
	return out
}

func loc(r Request) *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// defaultConcern is the doubt buyers at this point usually have, when nothing names one. A
// customer is never asked about switching.
var defaultConcern = map[cadence.Trigger]string{
	cadence.TriggerDemo:      "the effort to switch",
	cadence.TriggerProposal:  "the rollout effort",
	cadence.TriggerFormFill:  "price and setup time",
	cadence.TriggerColdEmail: "whether it is worth your time now",
}

// ladders give the ask of each step by trigger: the contact moves forward a little each time.
var ladders = map[cadence.Trigger][]string{
	cadence.TriggerDemo:            {"times", "question", "who"},
	cadence.TriggerColdEmail:       {"question", "connect", "light", "who"},
	cadence.TriggerProposal:        {"who", "question", "times"},
	cadence.TriggerMissedMeeting:   {"times", "question"},
	cadence.TriggerFormFill:        {"times", "times", "question"},
	cadence.TriggerEventChat:       {"times", "question", "plans"},
	cadence.TriggerCustomerCheckin: {"how", "useful", "times"},
}

// askFor returns the kind of ask of r's step.
func askFor(r Request) string {
	if r.Step.Purpose == cadence.PurposeCloseLoop {
		return "close"
	}
	l, ok := ladders[r.Trigger]
	if !ok {
		l = []string{"times", "question", "who", "question"}
	}
	return l[min(max(r.StepIndex, 1), len(l))-1]
}

// nounPhrase reports whether s opens with a determiner, and so names a thing rather than a deed.
func nounPhrase(s string) bool {
	switch strings.ToLower(firstName(s)) {
	case "a", "an", "the", "some", "one", "any", "your", "our", "their", "my", "this", "that", "next":
		return true
	}
	return false
}

// pick returns the phrasing for variant v.
func pick(v int, options ...string) string {
	return options[((v%len(options))+len(options))%len(options)]
}

// quote returns the piece of the notes for this step: each step quotes another piece when there
// are several.
func (c *composer) quote(shift int) string {
	if len(c.quotes) == 0 {
		return ""
	}
	return c.quotes[(c.stepIndex-1+shift+c.r.Angle)%len(c.quotes)]
}

// topic is the shortest name of what the contact cares about: a signal, the concern the notes
// show, or the first words of the notes.
func (c *composer) topic() string {
	if c.concernWord != "" {
		return "the " + c.concernWord + " question"
	}
	if len(c.sigs) > 0 {
		return c.sigs[0]
	}
	if q := c.quote(0); q != "" && len(strings.Fields(q)) <= 5 && !addressed(q) {
		return "\"" + q + "\""
	}
	if c.concern != "" && defaultConcern[c.trigger] != c.concern {
		return c.concern
	}
	return ""
}

// painWords mark a piece of the notes that says what hurts or what the contact wants, the best
// piece for a recap to open with.
var painWords = map[string]bool{"worried": true, "worries": true, "worry": true, "pain": true, "problem": true,
	"problems": true, "slow": true, "takes": true, "hours": true, "days": true, "lose": true, "loses": true,
	"lost": true, "manual": true, "struggle": true, "struggles": true, "want": true, "need": true, "needs": true,
	"wants": true, "frustrated": true, "late": true, "miss": true, "missed": true, "nobody": true, "cannot": true,
	"can't": true, "hard": true, "costly": true, "expensive": true, "waste": true, "wait": true, "waits": true, "goal": true}

// painQuote returns the piece of the notes with the most painWords (the first on a tie), or "".
func (c *composer) painQuote() string {
	best, score := "", -1
	for _, q := range c.quotes {
		n := 0
		for _, w := range words(q) {
			if painWords[w] {
				n++
			}
		}
		if n > score {
			best, score = q, n
		}
	}
	return best
}

// notNoun are concern keywords that do not read well as "the … question".
var notNoun = map[string]bool{"busy": true, "later": true, "expensive": true, "switch": true, "switching": true,
	"migrate": true, "integrate": true, "effort": true, "quarter": true, "q1": true, "q2": true, "q3": true,
	"q4": true, "costs": true, "spend": true, "usage": true, "buy-in": true, "integrations": true, "next": true}

// properNames are keywords that name a product, written as the notes write them.
var properNames = map[string]bool{"salesforce": true, "hubspot": true, "zendesk": true, "slack": true}

// keywordIn returns the first of kws found as a word in text, spelled as text spells it; "".
func keywordIn(text string, kws []string) string {
	for _, w := range strings.FieldsFunc(safe(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}) {
		for _, k := range kws {
			if strings.EqualFold(w, k) && !notNoun[strings.ToLower(w)] {
				if properNames[strings.ToLower(w)] || strings.ToUpper(w) == w || strings.ToLower(w[1:]) != w[1:] {
					return w // Zendesk, SSO, NetSuite
				}
				return strings.ToLower(w)
			}
		}
	}
	return ""
}

func (c *composer) hi() string {
	if c.first == "" {
		return "Hi,"
	}
	return "Hi " + c.first + ","
}

func (c *composer) sign() string {
	if c.signoff == "" && c.seller == "" {
		return ""
	}
	if c.signoff == "" {
		return "Best,\n" + c.seller
	}
	return "Best,\n" + c.signoff
}

// me introduces the rep: "Sam Lee from Acme" or "Sam Lee".
func (c *composer) me() string {
	switch {
	case c.rep != "" && c.seller != "":
		return c.rep + " from " + c.seller
	case c.rep != "":
		return c.rep
	}
	return c.seller
}

func (c *composer) compose(v int, tier int) Draft {
	d := Draft{Source: SourceOffline}
	switch c.r.Step.Channel {
	case cadence.ChannelEmail:
		d.Subject = c.subject(v)
		d.Body = c.hi() + "\n\n" + sentences(c.point(v, tier)) + "\n\n" + c.ask(v, tier)
		if sg := c.sign(); sg != "" {
			d.Body += "\n\n" + sg
		}
	case cadence.ChannelLinkedIn:
		d.Body = c.linkedin(v, tier)
	case cadence.ChannelSMS:
		d.Body = c.sms(v, tier)
	case cadence.ChannelPhone:
		d.Body = c.phone(v, tier)
	case cadence.ChannelInPerson:
		pts := c.point(v, tier)
		d.Body = "Talking points:\n- Open: " + capFirst(c.eventRef()) + "."
		for _, p := range pts {
			d.Body += "\n- " + p
		}
		d.Body += "\n- Ask: " + c.ask(v, tier)
	}
	return d
}

func sentences(s []string) string { return strings.Join(s, " ") }

// eventRef names the trigger with its day: "the demo today".
func (c *composer) eventRef() string {
	return strings.TrimSpace(triggerPhrase(c.trigger) + " " + c.when)
}

// linkedin is a short note: one line of context, one ask, the rep's first name.
func (c *composer) linkedin(v, tier int) string {
	p := c.point(v, tier)
	// The longest form that fits: both sentences with the full ask, then with the short ask, then
	// the contact's own point alone (before the pleasantry), then the first sentence.
	both := strings.Join(p[:min(len(p), 2)], " ")
	forms := []string{both + " " + c.ask(v, tier), both + " " + c.ask(v, tierLean)}
	if len(p) > 1 {
		forms = append(forms, p[1]+" "+c.ask(v, tierLean))
	}
	forms = append(forms, p[0]+" "+c.ask(v, tierLean))
	if tier == tierLean {
		forms = forms[len(forms)-1:]
	}
	body := ""
	for _, f := range forms {
		body = c.hi() + "\n" + f
		if utf8.RuneCountInString(body) <= ChannelLimits.LinkedIn-20 {
			break
		}
	}
	if c.repFirst != "" {
		body += "\n" + c.repFirst
	}
	return body
}

// phone is a call script with an opener, one point, the ask and a voicemail under 30 seconds.
func (c *composer) phone(v, tier int) string {
	intro, vmIntro := "", ""
	if me := c.me(); me != "" {
		intro, vmIntro = " this is "+me+".", " "+me+" here."
	}
	about := c.eventRef()
	if t := c.topic(); t != "" && !c.cold {
		about = t
	}
	if c.purpose == cadence.PurposeAnswerConcern && c.concern != "" && (!c.customer || c.concernQuote != "") {
		about = c.concern
	}
	return "Opener: " + c.hi() + intro + " I am calling about " + about + ". Do you have two minutes?\n" +
		"Point: " + spoken(sentences(c.point(v, tier))) + "\n" +
		"Ask: " + c.ask(v, tier) + "\n" +
		"Voicemail: " + c.hi() + vmIntro + " " + vmFirst(vmIntro, c.voicemail(v)) + " You can reach me at this number, or reply to my email."
}

// vmFirst writes the voicemail's first sentence after the greeting: in lower case when no "Sam
// here." stands between them ("Hi Dana, one quick idea for you.").
func vmFirst(intro, s string) string {
	if intro != "" {
		return s
	}
	return lowerFirst(s)
}

// Links in a call's point become an offer to send them: nobody reads a URL out on a call.
var (
	hereIsLink  = regexp.MustCompile(`\b([Hh])ere is ([^:.]+?)(?:, in case it is useful)?: https?://\S+`)
	coversLink  = regexp.MustCompile(`\bcovers it: https?://\S+`)
	anyLinkSaid = regexp.MustCompile(`:? https?://\S+`)
)

// spoken says a call's point without links: "here is the case study: https://…" is "I can send
// you the case study after the call".
func spoken(s string) string {
	s = hereIsLink.ReplaceAllStringFunc(s, func(m string) string {
		g := hereIsLink.FindStringSubmatch(m)
		return "I can send you " + g[2] + " after the call."
	})
	s = strings.ReplaceAll(s, "after the call.. ", "after the call. ")
	s = strings.TrimSuffix(s, "after the call..") // a point that ended on the link
	s = coversLink.ReplaceAllString(s, "covers it, and I can send it to you after the call.")
	s = anyLinkSaid.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, "..", ".")
}

var gendered = regexp.MustCompile(`(?i)\b(he|she|him|his|her|hers)\b`)

// capFirst upper-cases the first letter of s.
func capFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
