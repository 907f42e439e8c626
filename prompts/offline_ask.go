package prompts

import (
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// next is what a short call would be for, by trigger.
func (c *composer) next() string {
	switch c.trigger {
	case cadence.TriggerDemo:
		return "agree what a trial should cover"
	case cadence.TriggerColdEmail:
		return "see whether this fits"
	case cadence.TriggerProposal:
		return "go through any open point together"
	case cadence.TriggerMissedMeeting:
		return "go through what we had planned"
	case cadence.TriggerFormFill:
		return "answer your questions"
	case cadence.TriggerEventChat:
		return "carry on our conversation"
	case cadence.TriggerCustomerCheckin:
		return "plan what would help next"
	}
	return "agree on a next step"
}

// ask is the one request of the message.
func (c *composer) ask(v, tier int) string {
	co := orDefault(c.company, "your team")
	at := "at " + co
	if c.company == "" {
		at = "on your team"
	}
	atCo := ""
	if c.company != "" {
		atCo = " at " + c.company
	}
	link := c.booking
	if tier == tierLean && c.r.Step.Channel != cadence.ChannelSMS || c.r.Step.Channel == cadence.ChannelPhone {
		link = "" // nobody reads a link out on a call
	}
	hotAdd := ""
	if c.hot && c.askKind != "times" && c.askKind != "close" && c.askKind != "connect" {
		switch {
		case c.r.Step.Channel == cadence.ChannelPhone:
			hotAdd = " If now is not a good time, I can call back on " + c.day1 + " or " + c.day2 + "."
		case link != "":
			hotAdd = " If a call is quicker, grab a slot here: " + link
		default:
			hotAdd = " If a call is quicker, I am free " + c.day1 + " or " + c.day2 + "."
		}
	}
	switch c.askKind {
	case "times":
		switch {
		case c.coldIntent && link != "":
			return pick(v, "If a short call would be useful to "+c.next()+", pick any time here: "+link, "No rush: if talking would help to "+c.next()+", any time here works: "+link)
		case c.coldIntent:
			return pick(v, "Would a short call to "+c.next()+" be useful, or is email easier for now?", "Would it help to talk briefly to "+c.next()+", or shall I keep to email?")
		case c.hot && link != "":
			return pick(v, "Could you pick a 20-minute slot to "+c.next()+"? Here is my calendar: "+link, "Grab any 20 minutes this week to "+c.next()+": "+link)
		case link != "":
			return pick(v, "Would "+c.day1+" or "+c.day2+" work for 20 minutes to "+c.next()+"? If neither suits, pick a time here: "+link,
				"Could we take 20 minutes on "+c.day1+" or "+c.day2+" to "+c.next()+"? Or pick any time here: "+link)
		case c.hot:
			return pick(v, "Could we take 20 minutes on "+c.day1+" morning or "+c.day2+" afternoon to "+c.next()+"?",
				"Does "+c.day1+" afternoon or "+c.day2+" morning work for 20 minutes to "+c.next()+"?")
		}
		return pick(v, "Would "+c.day1+" or "+c.day2+" work for 20 minutes to "+c.next()+"?",
			"Could we find 20 minutes on "+c.day1+" or "+c.day2+" to "+c.next()+"?")
	case "question":
		switch c.purpose {
		case cadence.PurposeAnswerConcern:
			if c.concern != "" && !c.customer {
				if strings.Contains(c.concern, " and ") {
					return pick(v, "Are "+c.concern+" the main things to settle, or is something else in the way?", "Does that settle "+c.concern+", or is there more behind it?",
						"What else would you want to know about "+c.concern+"?") + hotAdd
				}
				return pick(v, "Is "+c.concern+" the main thing to settle, or is something else in the way?", "Does that settle "+c.concern+", or is there more behind it?",
					"What else would you want to know about "+c.concern+" before deciding?") + hotAdd
			}
			return pick(v, "What would you need to see to feel sure about the next step?", "What is the one thing you would want answered first?") + hotAdd
		case cadence.PurposeShareContext:
			if c.cold {
				return pick(v, "Is this on your list"+atCo+" this year?", "Is this a priority"+atCo+" right now?") + hotAdd
			}
			return pick(v, "Does this match what you see "+at+"?", "Is this close to what you are seeing "+at+"?") + hotAdd
		}
		return pick(v, "Did I get the priorities right, or would you change one?", "Is that still the top priority for you?") + hotAdd
	case "who":
		by := ""
		if c.decision != "" && c.purpose == cadence.PurposeRecapNextStep && c.trigger == cadence.TriggerProposal {
			by = " before then"
		} else if c.decision != "" {
			by = " before " + c.decision
		}
		if c.who != "" {
			return pick(v, "Would it help if I sent your "+c.who+" a one-paragraph summary"+by+"?",
				"Should I write a one-paragraph summary your "+c.who+" can read"+by+"?") + hotAdd
		}
		return pick(v, "Who else "+at+" should see this"+by+", and is there anything they will ask that I can answer now?",
			"Is there someone else "+at+" who should weigh in"+by+"?") + hotAdd
	case "plans":
		return pick(v, "What are your plans for this over the next few months?", "Where does this sit in your plans for the coming months?") + hotAdd
	case "light":
		if link != "" {
			return pick(v, "If it is worth 15 minutes, pick a time here: "+link, "If 15 minutes would help, here is my calendar: "+link)
		}
		return pick(v, "Would 15 minutes on a call be worth it, or would a two-minute read suit you better?", "Is a 15-minute call worth it, or would you rather have a short note to read?")
	case "connect":
		return pick(v, "Glad to connect either way.", "Either way, good to be in touch.")
	case "how":
		return pick(v, "How is it going for your team so far?", "What is working well so far, and what is not?") + hotAdd
	case "useful":
		return pick(v, "What would make it more useful to your team this quarter?", "What is one thing that would make it work better for your team?") + hotAdd
	case "close":
		switch {
		case c.customer:
			if link != "" {
				return "If you ever want to talk something through, pick a time here: " + link
			}
			return pick(v, "Reply here or call me whenever it suits you.", "My door is open: reply here any time.")
		case c.trigger == cadence.TriggerProposal:
			return pick(v, "Is it a yes, a no or a not now? Whichever it is, tell me what you need from me to settle it.",
				"Where do you stand: yes, no or not now? Any of the three helps, and so does what you still need from me.")
		case c.cold:
			return pick(v, "If someone else "+at+" owns this, a name is all I need; if not now, say so and I will leave it there.",
				"Is someone else "+at+" the right person for this? A name is plenty, and so is not now.")
		case c.trigger == cadence.TriggerMissedMeeting:
			return pick(v, "Should I close this out for now, or would next quarter suit you better? Yes, no or not now is plenty.",
				"Shall I close this for now and try again next quarter? Yes, no or not now is all I need.")
		case link != "" && c.r.Step.Channel != cadence.ChannelSMS:
			return pick(v, "Should I close this out for now? A one-word reply is plenty: yes, no or not now. If the timing changes, pick a time here: "+link,
				"Is it a yes, a no or a not now? One word is plenty, and if the timing changes, my calendar is here: "+link)
		}
		return pick(v, "Should I close this out for now? A one-word reply is plenty: yes, no or not now.",
			"Is it a yes, a no or a not now? One word is plenty.")
	}
	return "Would a short call help?"
}

// voicemail is the point and ask in a sentence or two.
func (c *composer) voicemail(v int) string {
	t := c.topic()
	switch c.askKind {
	case "close":
		return "I will close this out for now unless you tell me otherwise."
	case "question":
		if c.purpose == cadence.PurposeAnswerConcern && c.concern != "" && c.straight() == "a straight answer" {
			return "I have a short answer on " + c.concern + " for you."
		}
		if c.purpose == cadence.PurposeAnswerConcern && c.concern != "" {
			return "I have a suggestion on " + c.concern + " for you."
		}
	case "times":
		return "I would like 20 minutes to " + c.next() + "."
	case "who":
		if c.trigger == cadence.TriggerProposal {
			return "I wanted to ask who else should see the proposal."
		}
		return pick(v, "I wanted to ask who else on your team should see this.", "I had a quick question about who else on your team should weigh in.")
	}
	if t != "" && !c.cold && c.purpose == cadence.PurposeAnswerConcern {
		return "I have a suggestion on " + t + " for you."
	}
	if t != "" && !c.cold {
		return "I have one thought on " + t + " for you."
	}
	if c.customer {
		return "I wanted to hear how things are going for your team."
	}
	return pick(c.stepIndex, "I have one idea that may help, and a short question.", "I have a short question for you, two minutes at most.")
}

// subject is a short, specific line for the email.
func (c *composer) subject(v int) string {
	co := c.company
	t := c.topic()
	var s string
	switch c.purpose {
	case cadence.PurposeRecapNextStep:
		switch {
		case c.trigger == cadence.TriggerMissedMeeting:
			s = "A new time to meet?"
		case c.trigger == cadence.TriggerProposal:
			s = "The proposal: who else should review it?"
		case c.customer:
			s = "What would help next" + forCo(co)
		case co != "":
			s = co + ": next step after " + triggerPhrase(c.trigger)
		default:
			s = "Next step after " + triggerPhrase(c.trigger)
		}
	case cadence.PurposeAnswerConcern:
		switch {
		case c.customer:
			s = "Anything slowing your team down?"
		case c.concern == defaultConcern[cadence.TriggerColdEmail]:
			s = "Is this worth your time now?"
		case c.concern != "" && c.straight() == "a straight answer":
			s = "A straight answer on " + c.concern
		case c.concern != "":
			s = "On " + c.concern + ": what I can do"
		default:
			s = "A question worth settling"
		}
	case cadence.PurposeShareContext:
		switch {
		case c.asset != nil:
			s = c.asset.Title
		case c.customer:
			s = "How is it going" + forCo(co) + "?"
		case t != "":
			s = "One idea on " + t
		default:
			s = "One idea" + forCo(co)
		}
	case cadence.PurposeCloseLoop:
		switch {
		case c.customer:
			s = "Here when you need me"
		case c.trigger == cadence.TriggerProposal:
			s = "Yes, no or not now?"
		default:
			s = pick(v, "Close this out for now?", "Should I step back?", "Leave it here for now?")
		}
	default:
		s = "A short note" + forCo(co)
		if c.custom != "" {
			s = capFirst(c.custom)
		}
	}
	return clipWords(capFirst(s), ChannelLimits.Subject)
}

func forCo(co string) string {
	if co == "" {
		return ""
	}
	return " for " + co
}

// sms writes the text message: the sender and company named, one point, one ask and the opt-out,
// in one segment, with letters outside GSM-7 spelled plainly so that it stays one.
func (c *composer) sms(v, tier int) string {
	who := c.hi()
	if c.first == "" {
		who = "Hi,"
	}
	if me := c.me(); me != "" {
		who += " " + me + " here"
	} else {
		who += " a quick note"
	}
	ref := c.eventRef()
	if tier != tierRich {
		ref = triggerPhrase(c.trigger) // without its day, to fit one segment
	}
	point := "about " + ref + "."
	if t := c.topic(); t != "" && tier != tierLean && c.purpose != cadence.PurposeRecapNextStep && c.purpose != cadence.PurposeCloseLoop {
		point = "about " + t + "."
	}
	var ask string
	switch {
	case c.askKind == "close":
		ask = pick(v, "Should I close this out for now?", "OK to close this out for now?")
	case c.booking != "" && tier != tierLean:
		ask = pick(v, "Pick a time for a short call: ", "Book 15 minutes here: ") + c.booking
	case c.booking != "":
		ask = c.booking
	default:
		ask = pick(v+c.stepIndex, "Worth a 15-minute call this week?", "Open to a short call this week?", "Could we talk for 10 minutes?", "Is a short call worth it?")
	}
	out := strings.Join(strings.Fields(who+" "+point+" "+ask+" Reply STOP to opt out"), " ")
	return gsmText(out)
}

// minimal is the last resort: the shortest draft that names nothing but the sender.
func (c *composer) minimal() Draft {
	d := Draft{Source: SourceOffline}
	ask := "Is this still worth a conversation? If not, I will close it out."
	switch c.r.Step.Channel {
	case cadence.ChannelEmail:
		d.Subject = "Worth a conversation?"
		d.Body = c.hi() + "\n\n" + ask
		if sg := c.sign(); sg != "" {
			d.Body += "\n\n" + sg
		}
	case cadence.ChannelSMS:
		d.Body = gsmText(strings.TrimSpace(clipWords(c.me(), 60) + " here: still worth a chat? Reply STOP to opt out"))
	case cadence.ChannelPhone:
		d.Body = "Opener: Hi, do you have two minutes?\nPoint: " + ask + "\nAsk: Shall we talk?\nVoicemail: Hi, please call me back when convenient."
	case cadence.ChannelInPerson:
		d.Body = "Talking points:\n- " + ask
	default:
		d.Body = c.hi() + "\n" + ask
	}
	return d
}
