package cadence

import (
	"strings"
)

// normWord turns a word typed by a person into the form of an enum value: trimmed, lower case,
// with dashes and spaces read as underscores ("Meeting booked" and "meeting-booked" are
// "meeting_booked").
func normWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer("-", "_", " ", "_").Replace(s)
}

// orList joins words for a person: "a", "a or b", "a, b or c".
func orList[T ~string](vals []T) string {
	var b strings.Builder
	for i, v := range vals {
		switch {
		case i == 0:
		case i == len(vals)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

// parseEnum finds s among vals, or returns a coded EINVALID error naming kind and the valid values.
func parseEnum[T ~string](kind, s string, vals []T) (T, error) {
	w := normWord(s)
	for _, v := range vals {
		if string(v) == w {
			return v, nil
		}
	}
	return "", Errorf(EINVALID, "unknown %s %q; use %s", kind, s, orList(vals))
}

// ParseTrigger returns the trigger named by s ("demo", "cold_email", "cold-email", ...); case,
// dashes and spaces do not matter. It returns a coded EINVALID error listing the valid triggers.
func ParseTrigger(s string) (Trigger, error) { return parseEnum("trigger", s, Triggers) }

// ParseChannel returns the channel named by s ("email", "phone", "linkedin", "sms", "in_person").
// It returns a coded EINVALID error listing the valid channels.
func ParseChannel(s string) (Channel, error) { return parseEnum("channel", s, Channels) }

// ParsePurpose returns the purpose named by s ("recap_next_step", ..., "custom"). It returns a
// coded EINVALID error listing the valid purposes.
func ParsePurpose(s string) (Purpose, error) { return parseEnum("purpose", s, Purposes) }

// ParseIntent returns the intent named by s ("hot", "warm" or "cold"). It returns a coded EINVALID
// error such as `unknown intent "lukewarm"; use hot, warm or cold`.
func ParseIntent(s string) (Intent, error) { return parseEnum("intent", s, Intents) }

// ParseOutcome returns the outcome named by s ("sent", "replied", "meeting_booked", ...). It
// returns a coded EINVALID error listing the valid outcomes.
func ParseOutcome(s string) (Outcome, error) { return parseEnum("outcome", s, Outcomes) }

// ParseStopReason returns the stop reason named by s ("replied", "manual", ...). It returns a coded
// EINVALID error listing the valid reasons.
func ParseStopReason(s string) (StopReason, error) { return parseEnum("stop reason", s, StopReasons) }

// Label returns the trigger for people: "After a demo".
func (t Trigger) Label() string {
	switch t {
	case TriggerDemo:
		return "After a demo"
	case TriggerColdEmail:
		return "After a cold email"
	case TriggerProposal:
		return "After a proposal"
	case TriggerMissedMeeting:
		return "After a missed meeting"
	case TriggerFormFill:
		return "After a form fill"
	case TriggerEventChat:
		return "After an event chat"
	case TriggerCustomerCheckin:
		return "Customer check-in"
	case TriggerCustom:
		return "Custom"
	}
	return string(t)
}

// Label returns the channel for people: "Email", "Phone call", "LinkedIn message", "Text message
// (SMS)", "In person".
func (c Channel) Label() string {
	switch c {
	case ChannelEmail:
		return "Email"
	case ChannelPhone:
		return "Phone call"
	case ChannelLinkedIn:
		return "LinkedIn message"
	case ChannelSMS:
		return "Text message (SMS)"
	case ChannelInPerson:
		return "In person"
	}
	return string(c)
}

// Label returns the purpose for people, in the words of the domain text: "Recap and next step",
// "Answer a likely concern", "Share useful context", "Close the loop", "Custom". A custom step's
// own words are in Step.PurposeLabel.
func (p Purpose) Label() string {
	switch p {
	case PurposeRecapNextStep:
		return "Recap and next step"
	case PurposeAnswerConcern:
		return "Answer a likely concern"
	case PurposeShareContext:
		return "Share useful context"
	case PurposeCloseLoop:
		return "Close the loop"
	case PurposeCustom:
		return "Custom"
	}
	return string(p)
}

// PurposeLabel returns the step's purpose for people: its PurposeText for a custom purpose, else
// the purpose's Label.
func (s Step) PurposeLabel() string {
	if s.Purpose == PurposeCustom && s.PurposeText != "" {
		return s.PurposeText
	}
	return s.Purpose.Label()
}

// Label returns the intent for people: "Hot", "Warm", "Cold".
func (in Intent) Label() string {
	switch in {
	case IntentHot:
		return "Hot"
	case IntentWarm:
		return "Warm"
	case IntentCold:
		return "Cold"
	}
	return string(in)
}

// Label returns the outcome for people: "Sent", "Meeting booked", ...
func (o Outcome) Label() string {
	switch o {
	case OutcomeSent:
		return "Sent"
	case OutcomeReplied:
		return "Replied"
	case OutcomeMeetingBooked:
		return "Meeting booked"
	case OutcomeOptedOut:
		return "Opted out"
	case OutcomeBounced:
		return "Bounced"
	case OutcomeComplained:
		return "Complained"
	case OutcomeSnoozed:
		return "Snoozed"
	case OutcomeSkipped:
		return "Skipped"
	case OutcomeDealClosed:
		return "Deal closed"
	}
	return string(o)
}

// Label returns the stop reason for people: "Replied", "Final follow-up sent", "Decision date
// passed", ...
func (r StopReason) Label() string {
	switch r {
	case StopReplied:
		return "Replied"
	case StopMeetingBooked:
		return "Meeting booked"
	case StopDealClosed:
		return "Deal closed"
	case StopFinalSent:
		return "Final follow-up sent"
	case StopOptedOut:
		return "Opted out"
	case StopComplained:
		return "Complained"
	case StopBounced:
		return "Bounced"
	case StopTimelinePassed:
		return "Decision date passed"
	case StopManual:
		return "Stopped by the rep"
	case StopRepGone:
		return "Rep no longer in Slack"
	}
	return string(r)
}

// Completes reports whether the reason completes an enrollment (the cadence reached its goal or
// its end: replied, meeting booked, deal closed, final sent) rather than stopping it.
func (r StopReason) Completes() bool {
	switch r {
	case StopReplied, StopMeetingBooked, StopDealClosed, StopFinalSent:
		return true
	}
	return false
}

// Status returns the final status an enrollment ends in for this reason: StatusCompleted when the
// reason Completes, else StatusStopped.
func (r StopReason) Status() Status {
	if r.Completes() {
		return StatusCompleted
	}
	return StatusStopped
}

// Ended reports whether the status is final (completed or stopped).
func (s Status) Ended() bool { return s == StatusCompleted || s == StatusStopped }

// Open reports whether the touchpoint state is open (pending or reminded).
func (s TouchState) Open() bool { return s == TouchPending || s == TouchReminded }

// DefaultStopOn is the StopOn of every built-in cadence, and of a cadence file entry without a
// stop_on key: replied, meeting booked and deal closed.
func DefaultStopOn() []StopReason {
	return []StopReason{StopReplied, StopMeetingBooked, StopDealClosed}
}

// stopOnChoices are the reasons a cadence may list in StopOn; the others always stop.
var stopOnChoices = []StopReason{StopReplied, StopMeetingBooked, StopDealClosed}

// StopsOn reports whether an outcome with this stop reason ends the cadence. A nil StopOn means
// DefaultStopOn; an empty, non-nil StopOn means none of replied, meeting booked or deal closed
// ends it. Opted out, complained, bounced, final sent and timeline passed always end it.
func (c Cadence) StopsOn(r StopReason) bool {
	switch r {
	case StopReplied, StopMeetingBooked, StopDealClosed:
	default:
		return true
	}
	list := c.StopOn
	if list == nil {
		list = DefaultStopOn()
	}
	for _, s := range list {
		if s == r {
			return true
		}
	}
	return false
}
