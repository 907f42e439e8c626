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
	trig, goal, custom   string
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
	c.trig = triggerPhrase(r.Trigger)
	if d := formatDate(r.TriggerAt, r.Location); d != "" {
		c.trig += " on " + d[:len(d)-5] // "Tue 3 Mar"
	}
	c.goal = lowerFirst(strings.TrimRight(clipWords(safe(r.Goal), 80), ".!?"))
	c.custom = lowerFirst(strings.TrimRight(clipWords(safe(r.Step.PurposeText), 90), ".!?"))
	return c
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
		s = append(s, pick(v, "Thanks again for "+c.trig+".", "Good to connect at "+c.trig+".", "A short recap of "+c.trig+"."))
		if topic != "" {
			s = append(s, pick(v, "You mentioned "+topic+", so that is where I would focus.", "What stood out: you mentioned "+topic+"."))
		}
	case cadence.PurposeAnswerConcern:
		if signal != "" {
			s = append(s, "Since you "+signal+", a fair question is whether the change is worth the effort.")
		} else {
			s = append(s, pick(v, "A fair question at this point is whether the change is worth the effort.",
				"One thing that often holds teams back after "+c.trig+" is the effort of switching."))
		}
		if topic != "" {
			s = append(s, "You mentioned "+topic+", so I would rather answer that plainly than guess.")
		}
		s = append(s, pick(v, "I am happy to walk through what it would take, step by step.", "I can lay out the effort and timing in plain terms."))
	case cadence.PurposeShareContext:
		if topic != "" {
			s = append(s, "You mentioned "+topic+".")
		}
		s = append(s, pick(v, "One piece of context that may help: how teams in a similar spot approached it.",
			"It may help to see how a similar team handled the same question."))
		if signal != "" {
			s = append(s, "You "+signal+", so the timing may be right.")
		}
		s = append(s, pick(v, "I can send a short example if useful.", "Happy to share a short example."))
	case cadence.PurposeCloseLoop:
		s = append(s, pick(v, "I have not heard back since "+c.trig+", so I will assume the timing is not right and close this out for now.",
			"Since "+c.trig+" things have gone quiet, which usually means the timing is off, so I will close this out for now."))
	case cadence.PurposeCustom:
		if c.custom != "" {
			s = append(s, pick(v, "Writing about one thing: "+c.custom+".", "One reason for this note: "+c.custom+"."))
		} else {
			s = append(s, "Writing about one thing after "+c.trig+".")
		}
		if topic != "" {
			s = append(s, "It ties to what you mentioned: "+topic+".")
		}
	}
	return strings.Join(s, " ")
}

// ask is the one request of the message, toward the cadence's goal.
func (c *composer) ask(v int, tier int) string {
	if c.r.Step.Purpose == cadence.PurposeCloseLoop {
		if c.goal != "" && tier != tierLean {
			return "If the next step (" + c.goal + ") is still on your list, a one-line reply is all it takes and I will pick it up."
		}
		return "If this is still on your list, a one-line reply is all it takes and I will pick it up."
	}
	if c.goal == "" || tier == tierLean {
		return pick(v, "Would a short call to talk it through be useful?", "Is this worth a short conversation?")
	}
	return pick(v, "The next step I would suggest: "+c.goal+". Does that work for you?",
		"Where I would go from here: "+c.goal+". Would that suit you?",
		"If useful, the next step would be: "+c.goal+". What do you think?")
}

// shortAsk is the ask in a few words, for SMS and voicemail.
func (c *composer) shortAsk(v int, tier int) string {
	if c.r.Step.Purpose == cadence.PurposeCloseLoop {
		return pick(v, "Should I close this out for now?", "OK to close this out for now?")
	}
	if c.goal == "" || tier == tierLean {
		return pick(v, "Worth a short call?", "Open to a short call?")
	}
	return pick(v, "Next step: "+c.goal+"?", "Could we "+c.goal+"?")
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
		point = "Thanks for " + c.trig + "."
	case cadence.PurposeAnswerConcern:
		point = "Happy to answer any question on effort or timing."
	case cadence.PurposeShareContext:
		point = "I have a short example that may help"
		if tier == tierRich && c.topic != "" && len(c.topic) <= 40 {
			point += " with " + c.topic
		}
		point += "."
	case cadence.PurposeCustom:
		point = "About " + orDefault(lowerFirst(c.custom), c.trig) + "."
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
