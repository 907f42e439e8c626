package prompts

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

// Offline drafts from fixed phrasings, with no model: it is used when no model is configured and
// whenever the model fails. It is deterministic (the same Request gives the same Draft), shapes the
// message by purpose and channel, fills in the contact's first name, company, the trigger and its
// date, the cadence's goal, a short excerpt of the rep's notes and an intent signal, and varies
// its phrasing with Request.Angle and the step index. It checks its own drafts: when a phrasing
// fails Check (too long for an SMS with a long name, too close to an earlier touch) it tries the
// next phrasing, then a minimal one. The zero value is ready to use.
type Offline struct{}

var _ Drafter = Offline{}

// Draft returns the offline draft for r. It returns EOPTEDOUT for a do-not-contact contact and
// EINVALID for an unknown channel or purpose; it ignores ctx and r.Revise.
func (Offline) Draft(_ context.Context, r Request) (Draft, error) {
	if err := validate(r); err != nil {
		return Draft{}, err
	}
	c := newComposer(r)
	var first Draft
	for i := 0; i < 8; i++ {
		for t := tierRich; t <= tierLean; t++ {
			d := c.compose(r.Angle+r.StepIndex+i, t)
			if i == 0 && t == tierRich {
				first = d
			}
			if Check(r, d) == nil {
				return d, nil
			}
		}
	}
	if d := c.minimal(); Check(r, d) == nil {
		return d, nil
	}
	return first, nil
}

// The tiers of an offline draft, tried in order until one passes Check.
const (
	tierRich  = iota // with the note excerpt and a signal
	tierPlain        // without them
	tierLean         // and with a generic ask in place of the goal (for SMS with long names)
)

// composer holds the sanitized pieces of one request.
type composer struct {
	r                    Request
	first, rep, repFirst string
	company, topic       string // topic: a short excerpt of the notes, addressed to the contact
	signal               string // a signal that reads after "you" ("asked for pricing"), or ""
	trig, on             string // "the demo on Tue 3 Mar"; on is " on Tue 3 Mar", or "" with no date
	goal, custom         string
	goalIsNoun           bool // the goal reads as a thing ("a decision on the proposal"), not a deed
	customIsDeed         bool // the custom purpose is something the rep can say "I would like to" do
}

func newComposer(r Request) *composer {
	c := &composer{r: r}
	c.first = clipWords(firstName(safe(r.Contact.Name)), 24)
	c.rep = clipWords(safe(r.RepName), 40)
	c.repFirst = firstName(c.rep)
	if co := safe(r.Contact.Company); len(co) <= 30 {
		c.company = co
	}
	c.topic = noteTopic(r.Note)
	for i := len(r.Signals) - 1; i >= 0; i-- {
		s := clipWords(safe(r.Signals[i]), 50)
		if w := firstName(s); len(w) > 2 && strings.HasSuffix(strings.ToLower(w), "ed") {
			c.signal = lowerFirst(s)
			break
		}
	}
	if d := formatDate(r.TriggerAt, r.Location); d != "" {
		c.on = " on " + d[:len(d)-5] // "Tue 3 Mar"
	}
	c.trig = triggerPhrase(r.Trigger) + c.on
	c.goal = lowerFirst(strings.TrimRight(clipWords(safe(r.Goal), 80), ".!?"))
	c.goalIsNoun = nounPhrase(c.goal)
	c.custom = lowerFirst(strings.TrimRight(clipWords(safe(r.Step.PurposeText), 90), ".!?"))
	// "I would like to <custom>" reads well for an instruction such as "share the case study", but
	// not for a noun phrase or one that speaks of the contact as "her" or "him".
	c.customIsDeed = c.custom != "" && !nounPhrase(c.custom) && !gendered.MatchString(c.custom)
	return c
}

// nounPhrase reports whether s opens with a determiner, and so names a thing rather than a deed:
// "a decision on the proposal" as against "book a call".
func nounPhrase(s string) bool {
	switch strings.ToLower(firstName(s)) {
	case "a", "an", "the", "some", "one", "any", "your", "our", "their", "my", "this", "that", "next":
		return true
	}
	return false
}

// thanks opens a recap with the trigger as it happened: thanks for a demo, no blame for a missed
// meeting.
func (c *composer) thanks(v int) string {
	switch c.r.Trigger {
	case cadence.TriggerDemo:
		return pick(v, "Thanks again for making time for the demo"+c.on+".", "Good to talk at the demo"+c.on+".")
	case cadence.TriggerColdEmail:
		return pick(v, "A short addition to my first email"+c.on+".", "One more thought since my first email"+c.on+".")
	case cadence.TriggerProposal:
		return pick(v, "A short note on the proposal I sent"+c.on+".", "A short recap of where the proposal stands.")
	case cadence.TriggerMissedMeeting:
		return pick(v, "Sorry we missed each other"+c.on+"; these things happen.", "No worries about the meeting"+c.on+"; diaries get full.")
	case cadence.TriggerFormFill:
		return pick(v, "Thanks for getting in touch"+c.on+".", "Thanks for your request"+c.on+".")
	case cadence.TriggerEventChat:
		return pick(v, "Good to meet you at the event"+c.on+".", "I enjoyed our chat at the event"+c.on+".")
	case cadence.TriggerCustomerCheckin:
		return pick(v, "Thanks for the time at our check-in"+c.on+".", "Good to catch up at our check-in"+c.on+".")
	}
	return pick(v, "Thanks again for our last conversation"+c.on+".", "Good to talk"+c.on+".")
}

// pick returns the phrasing for variant v.
func pick(v int, options ...string) string {
	return options[((v%len(options))+len(options))%len(options)]
}

func (c *composer) hi() string {
	if c.first == "" {
		return "Hi,"
	}
	return "Hi " + c.first + ","
}

func (c *composer) sign() string {
	if c.rep == "" {
		return "Best"
	}
	return "Best,\n" + c.rep
}

// point is the purpose's one job in two or three sentences; rich adds the note and signal.
func (c *composer) point(v int, tier int) string {
	topic, signal := c.topic, c.signal
	if tier != tierRich {
		topic, signal = "", ""
	}
	var s []string
	switch c.r.Step.Purpose {
	case cadence.PurposeRecapNextStep:
		s = append(s, c.thanks(v))
		if topic != "" {
			s = append(s, pick(v, "The point that stayed with me: "+topic+". That is where I would focus.",
				"What I took away: "+topic+", so that is where I would start."))
		}
	case cadence.PurposeAnswerConcern:
		if signal != "" {
			s = append(s, "You "+signal+", so you may be weighing a fair question: is the change worth the effort?")
		} else {
			s = append(s, pick(v, "A fair question at this stage is whether the change is worth the effort.",
				"What often gives teams pause at this point is the effort of switching."))
		}
		if topic != "" {
			s = append(s, "You also raised a point I would rather answer plainly than guess at: "+topic+".")
		}
		s = append(s, pick(v, "I am happy to walk through what it would take, step by step.", "I can lay out the effort and timing in plain terms."))
	case cadence.PurposeShareContext:
		if topic != "" {
			s = append(s, "Something you raised has stayed with me: "+topic+".")
		}
		s = append(s, pick(v, "It may help to see how a team in a similar spot approached it.",
			"A similar team faced the same question, and how they handled it may be useful to you."))
		if signal != "" {
			s = append(s, "Since you "+signal+", this may be timely.")
		}
		s = append(s, pick(v, "I can send a short example if that would help.", "Happy to share a short example."))
	case cadence.PurposeCloseLoop:
		s = append(s, pick(v, "I have not heard back since "+c.trig+", so I will take it the timing is not right and close this out for now.",
			"Things have gone quiet since "+c.trig+", which usually means the timing is off, so I will close this out for now."))
	case cadence.PurposeCustom:
		switch {
		case c.customIsDeed:
			s = append(s, pick(v, "I am writing because I would like to "+c.custom+".", "One reason for this note: I would like to "+c.custom+"."))
		case c.custom != "" && !gendered.MatchString(c.custom):
			s = append(s, pick(v, "I am writing about one thing: "+c.custom+".", "One reason for this note: "+c.custom+"."))
		default:
			s = append(s, pick(v, "There is one thing I wanted to raise since "+c.trig+".", "One thought since "+c.trig+"."))
		}
		if topic != "" {
			s = append(s, "It ties to something you raised: "+topic+".")
		}
	}
	return strings.Join(s, " ")
}

// ask is the one request of the message, toward the cadence's goal.
func (c *composer) ask(v int, tier int) string {
	if c.r.Step.Purpose == cadence.PurposeCloseLoop {
		switch {
		case c.goal != "" && tier != tierLean && c.goalIsNoun:
			return "If " + c.goal + " is still on your list, a one-line reply is all it takes and I will pick it up."
		case c.goal != "" && tier != tierLean:
			return "If you would still like to " + c.goal + ", a one-line reply is all it takes and I will pick it up."
		}
		return "If this is still on your list, a one-line reply is all it takes and I will pick it up."
	}
	if c.goal == "" || tier == tierLean {
		return pick(v, "Would a short call to talk it through be useful?", "Is this worth a short conversation?")
	}
	if c.goalIsNoun {
		return pick(v, "The next step I would suggest is "+c.goal+". Would that work for you?",
			"What I would hope for next is "+c.goal+". Does that seem fair?")
	}
	return pick(v, "Would it make sense to "+c.goal+"?",
		"If it would help, the natural next step is to "+c.goal+". Would that work for you?",
		"Could we "+c.goal+"? If so, tell me what suits you.")
}

// shortAsk is the ask in a few words, for SMS and voicemail.
func (c *composer) shortAsk(v int, tier int) string {
	if c.r.Step.Purpose == cadence.PurposeCloseLoop {
		return pick(v, "Should I close this out for now?", "OK to close this out for now?")
	}
	if c.goal == "" || tier == tierLean {
		return pick(v, "Worth a short call?", "Open to a short call?")
	}
	if c.goalIsNoun {
		return pick(v, "Is "+c.goal+" still the plan?", "Next step: "+c.goal+"?")
	}
	return pick(v, "Could we "+c.goal+"?", "Would it help to "+c.goal+"?")
}

func (c *composer) compose(v int, tier int) Draft {
	d := Draft{Source: SourceOffline}
	switch c.r.Step.Channel {
	case cadence.ChannelEmail:
		d.Subject = c.subject(v)
		d.Body = c.hi() + "\n\n" + c.point(v, tier) + "\n\n" + c.ask(v, tier) + "\n\n" + c.sign()
	case cadence.ChannelLinkedIn:
		d.Body = c.hi() + "\n" + c.point(v, tier) + " " + c.ask(v, tier)
		if c.repFirst != "" {
			d.Body += "\n" + c.repFirst
		}
	case cadence.ChannelSMS:
		d.Body = c.sms(v, tier)
	case cadence.ChannelPhone:
		me := ""
		if c.rep != "" {
			me = " this is " + c.rep + ","
		}
		d.Body = "Opener: " + c.hi() + me + " following " + c.trig + ". Do you have two minutes?\n" +
			"Point: " + c.point(v, tier) + "\n" +
			"Ask: " + c.ask(v, tier) + "\n" +
			"Voicemail: " + c.hi() + me + " about " + c.trig + ". " + c.shortAsk(v, tier) + " You can call me back at this number."
	case cadence.ChannelInPerson:
		d.Body = "Talking points:\n- Open: " + c.trig + "\n- " + c.point(v, tier) + "\n- Ask: " + c.ask(v, tier)
	}
	return d
}

func (c *composer) subject(v int) string {
	who := orDefault(c.company, "you")
	var s string
	switch c.r.Step.Purpose {
	case cadence.PurposeRecapNextStep:
		s = pick(v, "Next step after "+c.trig, "Recap for "+who+" and a next step")
	case cadence.PurposeAnswerConcern:
		s = pick(v, "A fair question about the effort", "What switching would take for "+who)
	case cadence.PurposeShareContext:
		s = pick(v, "Context that may help "+who, "How a similar team handled it")
	case cadence.PurposeCloseLoop:
		s = pick(v, "Close this out for now?", "Should I close the loop?")
	default:
		s = pick(v, "One thing for "+who, "A quick note for "+who)
	}
	return clipWords(s, ChannelLimits.Subject)
}

// sms writes the text message: the sender named, one point, one ask and the opt-out wording.
func (c *composer) sms(v int, tier int) string {
	who := c.hi()
	if c.first == "" {
		who = "Hello."
	}
	if c.repFirst != "" {
		who += " " + c.repFirst + " here."
	}
	var point string
	switch c.r.Step.Purpose {
	case cadence.PurposeRecapNextStep:
		point = c.thanks(v)
	case cadence.PurposeAnswerConcern:
		point = "Happy to answer any question on effort or timing."
	case cadence.PurposeShareContext:
		point = "I have a short example from a similar team that may help."
	case cadence.PurposeCustom:
		if c.customIsDeed {
			point = "I would like to " + c.custom + "."
		} else {
			point = "One thought since " + c.trig + "."
		}
	}
	out := strings.Join(strings.Fields(who+" "+point+" "+c.shortAsk(v, tier)+" Reply STOP to opt out"), " ")
	return out
}

// minimal is the last resort: the shortest draft that names nothing but the sender.
func (c *composer) minimal() Draft {
	d := Draft{Source: SourceOffline}
	ask := "Is this still worth a conversation? If not, I will close it out."
	switch c.r.Step.Channel {
	case cadence.ChannelEmail:
		d.Subject = "Worth a conversation?"
		d.Body = "Hi,\n\n" + ask + "\n\n" + c.sign()
	case cadence.ChannelSMS:
		d.Body = strings.TrimSpace(clipWords(c.repFirst, 40) + " here: still worth a chat? Reply STOP to opt out")
	case cadence.ChannelPhone:
		d.Body = "Opener: Hi, do you have two minutes?\nPoint: " + ask + "\nAsk: Shall we talk?\nVoicemail: Hi, please call me back when convenient."
	case cadence.ChannelInPerson:
		d.Body = "Talking points:\n- " + ask
	default:
		d.Body = "Hi,\n" + ask
	}
	return d
}

// triggerPhrase names the trigger as something that happened between the rep and the contact.
func triggerPhrase(t cadence.Trigger) string {
	switch t {
	case cadence.TriggerDemo:
		return "the demo"
	case cadence.TriggerColdEmail:
		return "my first email"
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

var (
	unsafeRes = []*regexp.Regexp{mentionRe, placeholderRes[1], placeholderRes[2], placeholderRes[3]}
	// thirdPerson swaps the rep's "they/their" for "you/your" so a note reads as addressed to the
	// contact; he/she forms cannot be swapped without breaking verbs, so such notes are not quoted.
	thirdPerson = strings.NewReplacer(" they're ", " you're ", " they are ", " you are ", " they ", " you ",
		" their ", " your ", " theirs ", " yours ", " them ", " you ", " themselves ", " yourselves ")
	gendered = regexp.MustCompile(`(?i)\b(he|she|him|his|her|hers)\b`)
)

// safe makes rep-supplied text fit to appear in a draft: delimiters, brackets, braces, angle
// fields, Slack mentions and placeholder markers go; text with filler phrases is dropped.
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
	if findFiller(s) != "" {
		return ""
	}
	return strings.Join(strings.Fields(s), " ")
}

// noteTopic is the first sentence of the notes, addressed to the contact, at most 90 characters,
// or "" when it cannot be quoted well.
func noteTopic(note string) string {
	s := safe(note)
	if i := strings.IndexAny(s, ".!?;:(\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(thirdPerson.Replace(" " + s + " "))
	if gendered.MatchString(s) {
		return ""
	}
	return strings.TrimRight(lowerFirst(clipWords(s, 90)), " ,:-")
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

// lowerFirst lower-cases the first letter of s unless the second is upper case too (an acronym).
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsUpper(r) {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
