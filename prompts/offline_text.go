package prompts

import (
	"regexp"
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// opener recalls the trigger as it happened: thanks for a demo, no blame for a missed meeting.
func (c *composer) opener(v int) string {
	w := ""
	if c.when != "" {
		w = " " + c.when
	}
	switch c.trigger {
	case cadence.TriggerDemo:
		return pick(v, "Thanks for your time at the demo"+w+".", "Good to walk you through the product"+w+".")
	case cadence.TriggerColdEmail:
		return pick(v, "A short addition to my email"+w+".", "One more thought after my email"+w+".")
	case cadence.TriggerProposal:
		return pick(v, "I hope the proposal reached you safely.", "Now that you have the proposal, here is the short version.")
	case cadence.TriggerMissedMeeting:
		return pick(v, "Sorry we missed each other"+w+"; these things happen.", "We did not manage to meet"+w+", no problem at all.")
	case cadence.TriggerFormFill:
		return pick(v, "Thanks for getting in touch"+w+".", "Thanks for your request"+w+".")
	case cadence.TriggerEventChat:
		ev := "the event"
		if n := eventName(c.r.Note); n != "" {
			ev = n
		}
		return pick(v, "Good to meet you at "+ev+w+".", "I enjoyed our chat at "+ev+w+".")
	case cadence.TriggerCustomerCheckin:
		return pick(v, "Thanks for the time at our check-in"+w+".", "Good to catch up"+w+".")
	}
	return pick(v, "Thanks for the conversation"+w+".", "Good to talk"+w+".")
}

// point is the message's one job in two to four sentences, none said in an earlier touch.
func (c *composer) point(v, tier int) []string {
	s := c.pointAll(v, tier)
	for _, q := range c.quotes {
		if topicWord(q) { // a note of a word or two that names a topic is no quotation: "pricing"
			for i := range s {
				s[i] = strings.ReplaceAll(s[i], "\""+q+"\"", q)
			}
		}
	}
	for i := range s { // "you mentioned that you asked if …" says it twice
		s[i] = doubleReport.ReplaceAllString(s[i], "${1}ou $2")
	}
	return c.fresh(s)
}

var doubleReport = regexp.MustCompile(`([Yy])ou (?:mentioned|told me|raised)(?: that)? you (asked|said|mentioned|told me|wondered|raised)\b`)

// topicWord reports whether a piece of the notes is one or two words naming a concern ("pricing",
// "SSO rollout"): written as a topic, not quoted as something the contact said.
func topicWord(q string) bool {
	return len(strings.Fields(q)) <= 2 && !addressed(q) && concernOf(q) != ""
}

func (c *composer) pointAll(v, tier int) []string {
	rich := tier == tierRich
	q := c.quote(0)
	var s []string
	sig := ""
	if len(c.sigs) > 0 {
		sig = c.sigs[0]
	}
	switch c.purpose {
	case cadence.PurposeRecapNextStep:
		q = c.painQuote()
		s = append(s, c.opener(v))
		switch {
		case q != "" && c.cold && len(strings.Fields(q)) <= 2:
			s = append(s, "I wrote with \""+q+"\" in mind.")
		case q != "" && c.cold:
			s = append(s, c.coldReason(v, q))
		case q != "" && c.trigger == cadence.TriggerMissedMeeting && addressed(q):
			s = append(s, "The reason we were meeting still stands: "+q+".")
		case q != "" && c.trigger == cadence.TriggerMissedMeeting:
			s = append(s, "We were going to look at \""+q+"\", and that still stands.")
		case q != "" && c.trigger == cadence.TriggerFormFill && addressed(q):
			s = append(s, "In your request you mentioned that "+q+".")
		case q != "" && c.trigger == cadence.TriggerFormFill:
			s = append(s, "In your request you mentioned \""+q+"\".")
		case q != "" && c.trigger == cadence.TriggerProposal && addressed(q):
			s = append(s, "It is built around what you told me: "+q+".")
		case q != "" && c.trigger == cadence.TriggerProposal:
			s = append(s, "It is built around what you told me: \""+q+"\".")
		case q != "" && topicWord(q) && !c.cold:
			s = append(s, pick(v, "Since "+q+" came up, that is where I would start.", "You raised "+q+", so I would begin there.", "Let us start with "+q+", since you raised it."))
		case q != "" && len(strings.Fields(q)) == 1 && painWords[strings.ToLower(q)]:
			s = append(s, "You said "+strings.ToLower(q)+" was the issue, so I would start there.")
		case q != "" && len(strings.Fields(q)) == 1:
			// a lone word that names no topic reads oddly quoted back: left out
		case q != "" && addressed(q):
			s = append(s, pick(v, "You mentioned that "+q+", so that is where I would start.", "What stayed with me is that "+q+".",
				"I keep coming back to your point that "+q+"."))
		case q != "":
			s = append(s, pick(v, "You mentioned \""+q+"\", so that is where I would start.", "What I noted from you: \""+q+"\".",
				"I would start from what you told me: \""+q+"\"."))
		case sig != "":
			s = append(s, "Since "+sig+" came up, I will make sure we cover it.")
		}
		if c.trigger == cadence.TriggerProposal && c.decision != "" {
			s = append(s, "With your decision due by "+c.decision+", there is time to settle any open point.")
		}
		if c.trigger == cadence.TriggerFormFill && c.answer != "" && rich && c.concernQuote == q {
			s = append(s, c.answer)
		} else if rich && c.proof != nil && c.trigger != cadence.TriggerMissedMeeting {
			s = append(s, "A result worth knowing: "+c.proof.Text)
		}
	case cadence.PurposeAnswerConcern:
		matched := c.concernQuote != ""
		if matched {
			q = c.concernQuote
		}
		if len(c.sigs) > 0 && !matched {
			q = ""
		}
		switch {
		case q != "" && !matched && c.customer && addressed(q):
			s = append(s, "You mentioned that "+q+", and I would like to make sure nothing gets in the way.")
		case q != "" && !matched && c.customer:
			s = append(s, "You mentioned \""+q+"\", and I would like to make sure nothing gets in the way of it.")
		case q != "" && !matched && c.concern != "":
			if addressed(q) && c.cold {
				s = append(s, "If "+q+", the fair question is "+c.concern+".")
			} else if addressed(q) {
				s = append(s, "You mentioned that "+q+"; the fair question before fixing it is "+c.concern+".")
			} else {
				s = append(s, "With \""+q+"\" in view, a fair question is "+c.concern+".")
			}
		case q != "" && !matched:
			s = append(s, withQuote(q, "in view")+", I would rather hear your doubts than guess at them.")
		case q != "" && !c.cold && reported.MatchString(q):
			s = append(s, capFirst(q)+", so here is "+c.straight()+".")
		case q != "" && !c.cold && addressed(q):
			s = append(s, pick(v, "You told me "+q+", so here is "+c.straight()+".", "On your point that "+q+", here is "+c.straight()+"."))
		case q != "" && !c.cold:
			s = append(s, pick(v, "You raised \""+q+"\", so here is "+c.straight()+".", "On your point, \""+q+"\", here is "+c.straight()+"."))
		case q != "" && c.cold && c.concern != "" && c.concern != defaultConcern[cadence.TriggerColdEmail]:
			s = append(s, "Teams like yours often ask about "+c.concern+" first, so here is "+c.straight()+".")
		case sig != "" && c.cold:
			s = append(s, "In case "+sig+" raised questions, here is "+c.straight()+".")
		case sig != "":
			s = append(s, "Since "+sig+" came up, here is "+c.straight()+".")
		case c.customer:
			s = append(s, "If anything is slowing your team down, I would like to hear it and help fix it.")
		case c.concern == defaultConcern[cadence.TriggerColdEmail]:
			s = append(s, "A fair question for "+orDefault(roleOf(c.role), "someone in your seat")+" is "+c.concern+".")
		case c.concern != "" && c.cold:
			s = append(s, "A fair question for "+orDefault(roleOf(c.role), "someone in your seat")+" is whether "+c.concern+" is worth the effort.")
		case c.concern != "" && c.role != "":
			s = append(s, "A fair question for "+roleOf(c.role)+" at this point is "+c.concern+".")
		case c.concern != "":
			s = append(s, "A fair question at this point is "+c.concern+".")
		case c.trigger == cadence.TriggerEventChat:
			s = append(s, "If a question came to mind after the event, I am glad to answer it plainly.")
		default:
			s = append(s, "Before a next step, I would rather hear your doubts than guess at them.")
		}
		switch {
		case c.answer != "" && c.saidBefore(c.answer) && c.proof != nil && !c.saidBefore(c.proof.Text):
			s = append(s, c.proof.Text)
		case c.answer != "" && c.saidBefore(c.answer):
			s = append(s, "The short answer is in my earlier note; the part worth ten minutes is how it would work in your own setup.")
		case c.answer != "":
			s = append(s, c.answer)
			if rich && c.proof != nil {
				s = append(s, c.proof.Text)
			}
		case c.proof != nil:
			if a := genericAnswers[c.concern]; a != "" && !rich {
				s = append(s, a)
			} else {
				s = append(s, c.proof.Text)
			}
		case c.asset != nil && rich:
			s = append(s, c.asset.Title+" covers it: "+c.asset.URL)
		case genericAnswers[c.concern] != "":
			s = append(s, genericAnswers[c.concern])
		case !c.customer && c.trigger != cadence.TriggerEventChat:
			s = append(s, "Tell me what worries you most and I will answer it plainly, with your numbers rather than general claims.")
		}
	case cadence.PurposeShareContext:
		lead := ""
		switch {
		case c.cold && q != "" && len(strings.Fields(q)) <= 2:
			s = append(s, c.opener(v), "I wrote with \""+q+"\" in mind.")
		case c.cold && q != "":
			s = append(s, c.opener(v), c.coldReason(v, q))
		case c.cold && sig != "":
			s = append(s, c.opener(v))
			lead = "In case " + sig + " raised questions"
		case c.cold:
			s = append(s, c.opener(v))
		case c.concernQuote != "" && c.servesConcern():
			lead = withQuote(c.concernQuote, "in mind")
		case sig != "":
			lead = "Since " + sig + " came up"
		case q != "":
			lead = withQuote(q, "in mind")
		}
		switch {
		case c.asset != nil:
			if lead != "" {
				s = append(s, lead+", here is "+lowerFirst(c.asset.Title)+": "+c.asset.URL)
			} else {
				s = append(s, "Here is "+lowerFirst(c.asset.Title)+", in case it is useful: "+c.asset.URL)
			}
			if rich && c.proof != nil { // before the link, so no sentence runs on from a URL
				s = append(s[:len(s)-1], c.proof.Text, s[len(s)-1])
			}
		case c.proof != nil:
			if lead != "" {
				s = append(s, lead+", one example may help.")
			}
			s = append(s, c.proof.Text)
		case c.trigger == cadence.TriggerProposal:
			if lead != "" {
				s = append(s, lead+", a short summary may be useful.")
			}
			s = append(s, "If it helps to take it to whoever signs, I can write a one-paragraph summary of the proposal for you to forward.")
		case c.customer && sig == "" && q != "" && addressed(q):
			s = append(s, "Last time you mentioned that "+q+"; I would like to hear how that is going.")
		case c.customer && sig == "" && q != "":
			s = append(s, "Last time you mentioned \""+q+"\"; I would like to hear how that is going.")
		case c.customer && lead != "":
			s = append(s, lead+", I can walk your team through it in ten minutes whenever it suits you.")
		case c.customer:
			s = append(s, "I would like to hear how things are going and whether anything could work better.")
		case sig != "" && lead != "":
			s = append(s, lead+", I can show you in ten minutes how it would work for a team like yours.")
		case lead != "":
			s = append(s, lead+", I can show you in ten minutes how that would look in your own setup.")
		case c.r.Profile != nil && c.r.Profile.Value != "":
			s = append(s, "What we do: "+lowerFirst(strings.TrimRight(safe(c.r.Profile.Value), "."))+".")
		case c.cold && q != "":
			// the opener and the reason from the notes are enough for a light cold follow-up
		case c.cold:
			s = append(s, "I wrote because "+orDefault(c.company, "your team")+" may be weighing this kind of change this year.")
		default:
			s = append(s, c.offer())
		}
	case cadence.PurposeCloseLoop:
		switch {
		case c.customer:
			s = append(s, pick(v, "No request in this one: I am here whenever you need me.", "Nothing to answer here; just know I am around whenever you need me."))
		case c.trigger == cadence.TriggerProposal && c.decision != "":
			s = append(s, pick(v, "Your decision is due "+c.decision+", so a direct question.", "With "+c.decision+" close, one direct question about your decision."))
		case c.trigger == cadence.TriggerProposal:
			s = append(s, pick(v, "A direct question about the proposal, so it does not sit on your desk.", "One plain question about the proposal, so neither of us is left guessing."))
		case c.cold:
			s = append(s, pick(v, "This is my last note on the topic.", "I will leave this here after one last note."))
		case c.trigger == cadence.TriggerMissedMeeting:
			s = append(s, pick(v, "Happy to leave it here if the timing is off.", "If now is not the moment, that is fine."))
		default:
			s = append(s, pick(v, "I do not want to crowd your inbox, so this is my last note for now.", "I will step back after this note.",
				"This is my last note for a while."))
		}
		if t := c.topic(); t != "" && c.customer {
			s = append(s, "If anything comes up around "+t+", I am glad to help.")
		} else if q := c.quote(0); q != "" && c.customer {
			if addressed(q) {
				s = append(s, "If it still holds that "+q+", I am glad to help with that whenever it suits you.")
			} else {
				s = append(s, "If \""+q+"\" still matters, I am glad to help with it whenever it suits you.")
			}
		} else if t != "" {
			if strings.HasSuffix(t, " question") {
				s = append(s, pick(v, "If "+t+" is still open, I am glad to pick it up again.", "Should "+t+" come back, just reply and we will take it from there.",
					"Whenever "+t+" is back on the table, I am one reply away."))
			} else {
				s = append(s, pick(v, "If "+t+" is still a priority, I am glad to pick it up again.", "Should "+t+" come back up, just reply and we will take it from there.",
					"Whenever "+t+" is back on the table, I am one reply away."))
			}
		} else if q := c.quote(0); q != "" {
			if addressed(q) {
				s = append(s, pick(v, "If it still matters that "+q+", I am glad to pick it up again.", "If it is still true that "+q+", a reply is all it takes to start again.",
					"Should it still hold that "+q+", I am one reply away."))
			} else {
				s = append(s, pick(v, "If \""+q+"\" still matters, I am glad to pick it up again.", "If \""+q+"\" is still on your mind, a reply is all it takes to start again.",
					"Should \""+q+"\" come back up, I am one reply away."))
			}
		}
	case cadence.PurposeCustom:
		switch {
		case c.askKind == "connect":
			about := "with an idea for " + orDefault(c.company, "your team")
			switch q := c.quote(0); {
			case c.concernWord != "":
				about = "about the " + c.concernWord + " question" + forCo(c.company)
			case q != "" && len(strings.Fields(q)) <= 6 && !addressed(q):
				about = "with an idea on \"" + q + "\""
			case q != "" && len(strings.Fields(q)) <= 12 && addressed(q):
				about += ", since " + q
			case sig != "":
				about = "about " + sig + forCo(c.company)
			}
			s = append(s, "I wrote to you "+orDefault(c.when, "recently")+" "+about+".")
			if c.role != "" {
				s = append(s, pick(v, "I work with people in "+c.role+" roles, so it seemed worth connecting here too.", "Much of my work is with people in "+c.role+" roles, so I hoped to connect here."))
			} else {
				s = append(s, pick(v, "It seemed worth connecting here too.", "Connecting here as well, in case it is easier.", "It seemed natural to connect here as well."))
			}
			return s
		case c.customIsDeed:
			s = append(s, pick(v, "I am writing because I would like to "+c.custom+".", "One reason for this note: I would like to "+c.custom+"."))
		case c.custom != "" && !gendered.MatchString(c.custom):
			s = append(s, pick(v, "I am writing about one thing: "+c.custom+".", "One reason for this note: "+c.custom+"."))
		default:
			s = append(s, c.opener(v))
		}
		if q != "" && !c.cold && addressed(q) {
			s = append(s, "It ties to your point that "+q+".")
		} else if q != "" && !c.cold {
			s = append(s, "It ties to what you mentioned: \""+q+"\".")
		} else if sig != "" {
			s = append(s, "It ties to "+sig+".")
		}
	}
	if len(s) == 0 {
		s = append(s, c.opener(v))
	}
	return s
}

// coldReason ties a cold note to a piece of the notes without presuming the contact's need: "I
// wrote in case your team loses tickets …", or the topic when the note reports a question.
func (c *composer) coldReason(v int, q string) string {
	switch t := c.topic(); {
	case reported.MatchString(q) && t != "" && !strings.HasPrefix(t, "\""):
		return "I wrote with " + t + " in mind."
	case reported.MatchString(q):
		return "I wrote with your question in mind."
	case addressed(q):
		return pick(v, "I wrote in case "+q+"; that is where we tend to help.", "I wrote because this may help if "+q+".")
	}
	return "I wrote with \"" + q + "\" in mind."
}

// offer is something concrete the rep can do without a profile: no invented fact, one step
// that makes the next one easier.
func (c *composer) offer() string {
	switch c.trigger {
	case cadence.TriggerDemo:
		return "If it helps to share it internally, I can send a one-page summary of what we covered in the demo."
	case cadence.TriggerEventChat:
		return "If useful, I can send a one-page summary of what we talked about, ready to pass on to your team."
	case cadence.TriggerMissedMeeting:
		return "The conversation is still worth 20 minutes: we can cover what we had planned and nothing more."
	case cadence.TriggerFormFill:
		return "You can get a straight answer to your request in one short call, with no sales pitch."
	}
	return "If it helps, I can put what we discussed on one page for your team."
}

// saidBefore reports whether an earlier sent touch already carried the sentence s.
func (c *composer) saidBefore(s string) bool {
	for k := range sentenceSet(s) {
		if c.said[k] {
			return true
		}
	}
	return false
}

// straight names what the message gives on the concern: an answer when the profile has one,
// else what the rep can do about it.
func (c *composer) straight() string {
	fresh := c.answer != "" && !c.saidBefore(c.answer) || c.proof != nil && !c.saidBefore(c.proof.Text)
	if fresh {
		return "a straight answer"
	}
	return "what I can do"
}

// servesConcern reports whether the profile's asset or proof chosen for this step is tagged with
// the contact's concern, so the message may lead with it.
func (c *composer) servesConcern() bool {
	var tags []string
	if c.asset != nil {
		tags = c.asset.Concerns
	} else if c.proof != nil {
		tags = c.proof.Concerns
	}
	for _, t := range tags {
		if strings.EqualFold(t, c.concern) {
			return true
		}
	}
	return false
}

// genericAnswers answer a concern without a profile: what it depends on and what the rep can do,
// with no invented fact.
var genericAnswers = map[string]string{
	"price":                             "The price depends mostly on your team size and the channels you need, so I can give you an exact figure once I know those two.",
	"price and setup time":              "Price and setup time both depend on your team size and the channels you need, so I can give you exact answers once I know those two.",
	"security":                          "I can answer your security questionnaire in writing, or take your security team's questions on a short call.",
	"switching effort":                  "The effort depends mostly on how much history you want to bring over, and I can map it out with you step by step.",
	"the effort to switch":              "The effort depends mostly on how much history you want to bring over, and I can map it out with you step by step.",
	"the rollout effort":                "The rollout can be planned in stages, so your team is never asked to change everything at once.",
	"integration":                       "What matters is which systems need to talk to each other, and I can check each one against your setup.",
	"whether it is worth your time now": "Finding out takes 15 minutes, and if it is not a fit I will say so.",
	"timing":                            "If the timing is tight, we can plan the start around your calendar rather than ours.",
	"adoption":                          "Adoption mostly comes down to the first week, and I can help you plan that week with your team.",
}

// reported finds a quote that already reports what the contact said ("you asked whether …").
var reported = regexp.MustCompile(`^you (?:asked|said|mentioned|told me|wondered|raised)\b`)

// withQuote opens a sentence on a piece of the notes: "Since you want SSO" for one that speaks
// to the contact, `With "SSO first" in mind` for any other.
func withQuote(q, tail string) string {
	if addressed(q) {
		return "Since " + q
	}
	return "With \"" + q + "\" " + tail
}

// addressed reports whether a quote already speaks to the contact ("you want SSO"), and so reads
// best without quotation marks.
func addressed(q string) bool {
	for _, w := range words(q) {
		switch w {
		case "you", "your", "you're", "yours", "yourself", "youre":
			return true // rewritten to speak to the contact: no longer their words, so never quoted
		}
	}
	return false
}

// roleOf names the contact's role for a sentence: "a Head of Support".
func roleOf(role string) string {
	if role == "" {
		return ""
	}
	if strings.ContainsAny(strings.ToLower(role[:1]), "aeiou") {
		return "an " + role
	}
	return "a " + role
}
