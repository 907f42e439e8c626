package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// Action ids of the reminder DM's buttons. Each button's value is the touchpoint id.
const (
	actSent     = "tp.sent"
	actReplied  = "tp.replied"
	actMeeting  = "tp.meeting"
	actOptOut   = "tp.optout"
	actSnooze1d = "tp.snooze.1d"
	actSnooze3d = "tp.snooze.3d"
	actSnooze1w = "tp.snooze.1w"
	actSkip     = "tp.skip"
	actRedraft  = "tp.redraft"
)

// touchMetaType is the event_type of the message metadata every reminder DM carries. Its payload
// names the touchpoint and the due time it was reminded for, so that a restarted dispatcher can
// find a DM it posted but did not get to record (see findPosted).
const touchMetaType = "followup_touchpoint"

// Caps that keep a DM inside Block Kit's limits whatever the content (section text 3000, header
// 150, button value 2000). Longer text is cut and marked with "…".
const (
	maxHeaderChars = 150
	maxNoteChars   = 600
	maxSignalChars = 120
	maxDMSignals   = 3
	maxFieldChars  = 200
)

// dmView is everything a reminder DM shows, loaded from the store at the moment it is rendered.
type dmView struct {
	Touch      cadence.Touchpoint
	Enrollment cadence.Enrollment
	Contact    cadence.Contact
	Cadence    cadence.Cadence      // zero value when the cadence left the library
	Earlier    []cadence.Touchpoint // the enrollment's closed touchpoints before Touch, oldest first
	Signals    []cadence.Signal     // oldest first
	Next       *cadence.Touchpoint  // the enrollment's open touchpoint when it is not Touch
	Loc        *time.Location       // the rep's time zone
	Now        time.Time
	Angle      int // how many times "New draft" was pressed; carried in the block id of the buttons

	// By and At say who snoozed the touchpoint and when, for the DM updated right after a snooze
	// (the store keeps only the new due time).
	By string
	At time.Time

	// Link is the permalink of the Slack message the follow-up was started on, or "".
	Link string
	// News is what colleagues of the contact (same company email domain) did: replies and booked
	// meetings, oldest first. The DM shows those since the previous touch (dm_native.go).
	News []cadence.CompanyNews
	// ReassignedTo, when set, is the rep the follow-up was given to: the old owner's DM then says
	// who has it now (By, At: who gave it and when) and shows no buttons.
	ReassignedTo string
}

// isOpen reports whether the DM still asks the rep for an outcome: the touchpoint is open and its
// enrollment is running.
func (v dmView) isOpen() bool {
	if v.ReassignedTo != "" {
		return false
	}
	return v.Enrollment.Status == cadence.StatusActive && (v.Touch.State == cadence.TouchReminded ||
		v.Touch.State == cadence.TouchPending && !v.snoozed())
}

// snoozed reports whether the touchpoint was reminded and then moved to a later time: it is
// pending again but already has a DM. The old DM shows the snooze; a new DM comes at the new time.
func (v dmView) snoozed() bool {
	return v.Touch.State == cadence.TouchPending && v.Touch.DMTS != ""
}

// renderDM returns the notification text and the blocks of a reminder DM: the open version with
// the outcome buttons, or the closed version with the outcome, who and when, and what comes next.
func renderDM(v dmView) (string, []slack.Block) {
	if v.isOpen() {
		return openText(v), openBlocks(v)
	}
	return closedText(v), closedBlocks(v)
}

func openText(v dmView) string {
	return truncate(fmt.Sprintf("Follow up with %s (%s, %s)", escapeText(v.Contact.Name), v.stepLabel(), v.step().Channel.Label()), maxSectionText)
}

func closedText(v dmView) string {
	return truncate(fmt.Sprintf("%s with %s: %s", capitalize(v.stepLabel()), escapeText(v.Contact.Name), v.statusLine()), maxSectionText)
}

func openBlocks(v dmView) []slack.Block {
	id := strconv.FormatInt(v.Touch.ID, 10)
	step := v.step()
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(truncate("Follow up with "+orDash(v.Contact.Name), maxHeaderChars))),
		slack.NewSectionBlock(mrkdwn(v.whoLine()+"\n"+v.cadenceLine()+"\n"+v.channelLine()), nil, nil),
		slack.NewSectionBlock(mrkdwn(v.contextLines()), nil, nil),
	}
	blocks = append(blocks, v.draftBlocks()...)
	blocks = append(blocks,
		slack.NewActionBlock("tp.outcome",
			button(actSent, "Sent", id).WithStyle(slack.StylePrimary),
			button(actReplied, "Replied", id),
			button(actMeeting, "Meeting booked", id),
			optOutButton(id, v.Contact.Name),
		),
		slack.NewActionBlock(moreBlockID(v.Angle),
			button(actSnooze1d, "Snooze 1 day", id),
			button(actSnooze3d, "Snooze 3 days", id),
			button(actSnooze1w, "Snooze 1 week", id),
			button(actSkip, "Skip", id),
			button(actRedraft, "New draft", id),
			button(actionReplyOpen, "Log a reply", v.Enrollment.ID),
		),
		slack.NewSectionBlock(mrkdwn(truncate(fmt.Sprintf("_Due %s · %s · follow-up `%s`_",
			fmtWhen(v.Touch.Due, v.Loc, v.Now), escapeText(step.PurposeLabel()), escapeText(v.Enrollment.ID)), maxSectionText)), nil, nil),
	)
	return blocks
}

func closedBlocks(v dmView) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(mrkdwn(v.whoLine()+"\n"+v.cadenceLine()+" · "+v.step().Channel.Label()), nil, nil),
		slack.NewSectionBlock(mrkdwn(truncate(v.statusLine(), maxSectionText)), nil, nil),
		slack.NewSectionBlock(mrkdwn(truncate(v.nextLine(), maxSectionText)), nil, nil),
	}
}

// step returns the cadence step of the touchpoint, or a zero step when the cadence changed.
func (v dmView) step() cadence.Step {
	if v.Touch.Step >= 0 && v.Touch.Step < len(v.Cadence.Steps) {
		return v.Cadence.Steps[v.Touch.Step]
	}
	return cadence.Step{}
}

// stepLabel is "follow-up k of N".
func (v dmView) stepLabel() string {
	return followupLabel(v.Touch.Step, len(v.Cadence.Steps))
}

func followupLabel(step, n int) string {
	if n <= 0 {
		return fmt.Sprintf("follow-up %d", step+1)
	}
	return fmt.Sprintf("follow-up %d of %d", step+1, n)
}

// whoLine is "*Ada Lovelace* · CTO at Analytical Engines".
func (v dmView) whoLine() string {
	c := v.Contact
	line := "*" + escapeText(truncate(orDash(c.Name), maxFieldChars)) + "*"
	switch {
	case c.Role != "" && c.Company != "":
		line += " · " + escapeText(truncate(c.Role, maxFieldChars)) + " at " + escapeText(truncate(c.Company, maxFieldChars))
	case c.Role != "":
		line += " · " + escapeText(truncate(c.Role, maxFieldChars))
	case c.Company != "":
		line += " · " + escapeText(truncate(c.Company, maxFieldChars))
	}
	return line
}

// cadenceLine is "After a demo · follow-up 2 of 4".
func (v dmView) cadenceLine() string {
	name := v.Cadence.Name
	if name == "" {
		name = v.Enrollment.CadenceID
	}
	return escapeText(truncate(name, maxFieldChars)) + " · " + v.stepLabel()
}

// channelLine is "*Email:* ada@example.com", with the handle the rep should use.
func (v dmView) channelLine() string {
	ch := v.step().Channel
	handle := ""
	switch ch {
	case cadence.ChannelEmail:
		handle = v.Contact.Email
	case cadence.ChannelPhone, cadence.ChannelSMS:
		handle = v.Contact.Phone
	case cadence.ChannelLinkedIn:
		handle = v.Contact.LinkedIn
	case cadence.ChannelInPerson:
		return "*" + ch.Label() + "*"
	}
	if handle == "" {
		return "*" + ch.Label() + ":* _no " + strings.ToLower(channelHandleName(ch)) + " on file_"
	}
	return "*" + ch.Label() + ":* " + escapeText(truncate(handle, maxFieldChars))
}

// contextLines is the purpose and why now: the trigger and its date, what was done last, the
// signals and the rep's note.
func (v dmView) contextLines() string {
	e := v.Enrollment
	var b strings.Builder
	fmt.Fprintf(&b, "*Purpose:* %s", escapeText(truncate(v.step().PurposeLabel(), maxFieldChars)))
	fmt.Fprintf(&b, "\n*Why now:* %s", escapeText(e.Trigger.Label()))
	if !e.TriggerAt.IsZero() {
		fmt.Fprintf(&b, " on %s", fmtDay(e.TriggerAt.In(orUTC(v.Loc)), v.Now))
	}
	if !e.DecisionDate.IsZero() {
		fmt.Fprintf(&b, "; decision date %s", fmtDay(e.DecisionDate, v.Now))
	}
	fmt.Fprintf(&b, "\n*Last:* %s", v.lastLine())
	if sigs := v.signalTexts(); len(sigs) > 0 {
		fmt.Fprintf(&b, "\n*Signals:* %s", strings.Join(sigs, "; "))
	}
	if e.Note != "" {
		fmt.Fprintf(&b, "\n*Note:* %s", escapeText(truncate(oneLine(e.Note), maxNoteChars)))
	}
	b.WriteString(v.originLines())
	return truncate(b.String(), maxSectionText)
}

// lastLine says what was done last in this enrollment.
func (v dmView) lastLine() string {
	for i := len(v.Earlier) - 1; i >= 0; i-- {
		t := v.Earlier[i]
		if t.State != cadence.TouchDone {
			continue
		}
		ch := ""
		if t.Step < len(v.Cadence.Steps) {
			ch = " (" + v.Cadence.Steps[t.Step].Channel.Label() + ")"
		}
		when := ""
		if !t.DoneAt.IsZero() {
			when = ", " + fmtDay(t.DoneAt.In(orUTC(v.Loc)), v.Now)
		}
		return fmt.Sprintf("%s%s: %s%s", capitalize(followupLabel(t.Step, len(v.Cadence.Steps))), ch,
			strings.ToLower(t.Outcome.Label()), when)
	}
	return "nothing logged yet"
}

// signalTexts returns the most recent signals, newest last, cut to fit.
func (v dmView) signalTexts() []string {
	sigs := v.Signals
	if len(sigs) > maxDMSignals {
		sigs = sigs[len(sigs)-maxDMSignals:]
	}
	out := make([]string, 0, len(sigs))
	for _, s := range sigs {
		out = append(out, escapeText(truncate(oneLine(s.Text), maxSignalChars)))
	}
	return out
}

// statusLine says what happened to the touchpoint: the outcome, who and when; or why it is not
// open any more.
func (v dmView) statusLine() string {
	t, e := v.Touch, v.Enrollment
	if v.ReassignedTo != "" && t.State != cadence.TouchDone && t.State != cadence.TouchCancelled {
		return ":arrows_counterclockwise: *Reassigned* to " + mention(v.ReassignedTo) + ", who gets this reminder now" + v.byAt(v.By, v.At)
	}
	switch t.State {
	case cadence.TouchDone:
		return outcomeEmoji(t.Outcome) + " *" + t.Outcome.Label() + "*" + v.byAt(t.DoneBy, t.DoneAt)
	case cadence.TouchCancelled:
		line := ":no_entry_sign: *Cancelled*"
		if e.StopReason != "" {
			line += ": the follow-up was stopped (" + lower(e.StopReason.Label()) + ")"
		}
		return line + v.byAt(t.DoneBy, t.DoneAt)
	}
	// Still open, but the enrollment is not running, or the touch was snoozed.
	switch e.Status {
	case cadence.StatusActive:
		if v.snoozed() {
			return ":zzz: *Snoozed* until " + fmtWhen(t.Due, v.Loc, v.Now) + v.byAt(v.By, v.At)
		}
	case cadence.StatusPaused:
		if !e.PausedUntil.IsZero() {
			return ":double_vertical_bar: *Paused* until " + fmtDay(e.PausedUntil, v.Now)
		}
		return ":double_vertical_bar: *Paused*"
	case cadence.StatusCompleted, cadence.StatusStopped:
		return ":no_entry_sign: *" + capitalize(string(e.Status)) + "* (" + lower(e.StopReason.Label()) + ")"
	}
	return "*Open*"
}

// byAt is " by @who · Tue 3 Mar 10:00" for a status line, leaving out what is not known.
func (v dmView) byAt(by string, at time.Time) string {
	s := ""
	if by != "" {
		s += " by " + mention(by)
	}
	if !at.IsZero() {
		s += " · " + fmtWhen(at, v.Loc, v.Now)
	}
	return s
}

// nextLine says what comes next: "Next: follow-up 3 of 4, email, Tue 10:00", or why nothing does.
func (v dmView) nextLine() string {
	e := v.Enrollment
	switch e.Status {
	case cadence.StatusCompleted:
		return "No more follow-ups: completed (" + lower(e.StopReason.Label()) + ")."
	case cadence.StatusStopped:
		return "No more follow-ups: stopped (" + lower(e.StopReason.Label()) + ")."
	case cadence.StatusPaused:
		if !e.PausedUntil.IsZero() {
			return "Paused until " + fmtDay(e.PausedUntil, v.Now) + "."
		}
		return "Paused: `/followup resume " + escapeText(e.ID) + "` starts it again."
	}
	n := v.Next
	if n == nil && v.Touch.State.Open() {
		n = &v.Touch // snoozed: the same touchpoint comes back
	}
	if n == nil {
		return "Nothing else is planned."
	}
	ch := ""
	if n.Step < len(v.Cadence.Steps) {
		ch = ", " + v.Cadence.Steps[n.Step].Channel.Label()
	}
	return fmt.Sprintf("Next: %s%s, %s", followupLabel(n.Step, len(v.Cadence.Steps)), ch, fmtWhen(n.Due, v.Loc, v.Now))
}

func button(actionID, label, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(label))
}

// optOutButton is the "Opted out" button of a touchpoint, in the reminder DM and the App Home. It
// asks for a confirmation first, because the opt-out stops every follow-up of the contact.
func optOutButton(touchID, contactName string) *slack.ButtonBlockElement {
	return button(actOptOut, "Opted out", touchID).WithStyle(slack.StyleDanger).WithConfirm(
		slack.NewConfirmationBlockObject(plain("Record an opt-out?"),
			mrkdwn(truncate(escapeText(orDash(contactName))+" will be marked do-not-contact, and every follow-up with them stops, whoever owns it.", 300)),
			plain("Opted out"), plain("Cancel")))
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func capitalize(s string) string { return cadence.Capitalize(s) }

func channelHandleName(c cadence.Channel) string {
	switch c {
	case cadence.ChannelEmail:
		return "email address"
	case cadence.ChannelPhone, cadence.ChannelSMS:
		return "phone number"
	case cadence.ChannelLinkedIn:
		return "LinkedIn URL"
	}
	return "contact"
}

func outcomeEmoji(o cadence.Outcome) string {
	switch o {
	case cadence.OutcomeSent:
		return ":white_check_mark:"
	case cadence.OutcomeReplied, cadence.OutcomeMeetingBooked, cadence.OutcomeDealClosed:
		return ":tada:"
	case cadence.OutcomeOptedOut, cadence.OutcomeComplained, cadence.OutcomeBounced:
		return ":no_entry_sign:"
	case cadence.OutcomeSnoozed:
		return ":zzz:"
	case cadence.OutcomeSkipped:
		return ":fast_forward:"
	}
	return ":white_check_mark:"
}

// mention is how the DM names who did something: a Slack mention, or "followup" for the bot.
func mention(id string) string {
	if id == "bot" || id == "" {
		return "followup"
	}
	return "<@" + id + ">"
}

// moreBlockID is the block id of the second row of buttons. It carries the draft angle, so that
// each "New draft" asks for the next one without any state kept outside the message.
func moreBlockID(angle int) string { return "tp.more." + strconv.Itoa(angle) }

// angleOf reads the draft angle back from a block id made by moreBlockID (0 when absent).
func angleOf(blockID string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(blockID, "tp.more."))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func lower(s string) string { return strings.ToLower(s) }
