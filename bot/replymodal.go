package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
)

// The "Log a reply" modal: a reply that came by any other channel (a Slack Connect thread, a
// forwarded email, a LinkedIn message's text) is pasted, the classifier proposes what it means,
// and the rep confirms with one click. It opens from the "Log a reply" button of a reminder DM or
// Home item (value: the follow-up id) and from the message shortcut (the message's text).
const (
	actionReplyOpen    = "reply.open"     // the button; value is the follow-up id
	replyShortcutID    = "reply.shortcut" // the message shortcut's callback id (manifest.yaml)
	replyClassifyID    = "reply.classify" // the first step: pick the follow-up, paste the text
	replyConfirmID     = "reply.confirm"  // the second: confirm or change the proposed outcome
	maxReplyText       = 3000             // Slack's limit on a plain_text_input
	replyOutcomeReply  = "replied"
	replyOutcomeMeet   = "meeting_booked"
	replyOutcomeOOO    = "out_of_office"
	replyOutcomeOptOut = "opted_out"
	replyOutcomeRefer  = "referral"
	replyOutcomeAsk    = "question"
)

// onReplyShortcut opens the modal for the message shortcut, with the message's text; when it
// cannot, the rep is told why.
func (b *Bot) onReplyShortcut(ctx context.Context, cb slack.InteractionCallback) error {
	if err := b.openReplyModal(ctx, cb.TriggerID, cb.User.ID, "", cb.Message.Text); err != nil {
		return b.tellClicker(ctx, cb, b.errorReply(err, "user", cb.User.ID))
	}
	return nil
}

// openReplyModal opens the first step of the modal for user: the follow-up (preselected when
// enrollmentID is given, or when the text names one of the rep's contacts) and the text.
func (b *Bot) openReplyModal(ctx context.Context, triggerID, user, enrollmentID, text string) error {
	vs, err := b.store.ListEnrollments(ctx, user, cadence.StatusActive, cadence.StatusPaused)
	if err != nil {
		return err
	}
	if enrollmentID != "" && !hasEnrollment(vs, enrollmentID) {
		if v, err := b.store.Enrollment(ctx, enrollmentID); err == nil && !v.Enrollment.Status.Ended() && b.authorize(user, v.Enrollment) == nil {
			vs = append([]cadence.EnrollmentView{v}, vs...)
		}
	}
	if enrollmentID == "" {
		enrollmentID = guessFollowUp(vs, text)
	}
	_, err = b.api.OpenViewContext(ctx, triggerID, replyModal(vs, enrollmentID, text))
	if err != nil {
		if strings.Contains(err.Error(), "expired_trigger_id") {
			return cadence.Errorf(cadence.EUNAVAIL, "The form took too long to open. Please try again.")
		}
		return fmt.Errorf("open reply modal for %s: %w", user, err)
	}
	return nil
}

func hasEnrollment(vs []cadence.EnrollmentView, id string) bool {
	for _, v := range vs {
		if v.Enrollment.ID == id {
			return true
		}
	}
	return false
}

// guessFollowUp returns the follow-up whose contact's address, or else full name, the text
// mentions; "" when none or more than one does.
func guessFollowUp(vs []cadence.EnrollmentView, text string) string {
	low := strings.ToLower(text)
	for _, byName := range []bool{false, true} {
		found := ""
		for _, v := range vs {
			key := v.Contact.Email
			if byName {
				key = strings.ToLower(v.Contact.Name)
			}
			if len(key) > 2 && strings.Contains(low, key) {
				if found != "" {
					return ""
				}
				found = v.Enrollment.ID
			}
		}
		if found != "" {
			return found
		}
	}
	return ""
}

func pt(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// replyModal is the first step: which follow-up, and the reply's text.
func replyModal(vs []cadence.EnrollmentView, selected, text string) slack.ModalViewRequest {
	view := slack.ModalViewRequest{Type: slack.VTModal, Title: pt("Log a reply"), Close: pt("Cancel"), CallbackID: replyClassifyID}
	if len(vs) == 0 {
		view.Blocks = slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(mrkdwn(
			"You have no running follow-ups to log a reply to. Start one with `/followup add`."), nil, nil)}}
		return view
	}
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, v := range vs {
		if len(opts) == maxOptions {
			break
		}
		o := slack.NewOptionBlockObject(v.Enrollment.ID, pt(truncate(v.Contact.Label()+" · "+v.Enrollment.CadenceID+" · "+v.Enrollment.ID, 75)), nil)
		opts = append(opts, o)
		if v.Enrollment.ID == selected {
			initial = o
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Choose a follow-up"), modalValue, opts...)
	sel.InitialOption = initial
	in := slack.NewPlainTextInputBlockElement(pt("Paste what they wrote"), modalValue).WithMaxLength(maxReplyText)
	in.Multiline = true
	in.InitialValue = truncate(text, maxReplyText)
	view.Submit = pt("Next")
	view.Blocks = slack.Blocks{BlockSet: []slack.Block{
		slack.NewInputBlock("followup", pt("Follow-up"), nil, sel),
		slack.NewInputBlock("text", pt("Their reply"), pt("Only the first 280 characters are kept, and only in the event log"), in),
	}}
	return view
}

// replyProposal rides in the confirm step's private_metadata.
type replyProposal struct {
	ID       string `json:"id"`
	Referral string `json:"referral,omitempty"`
	Question string `json:"question,omitempty"`
	Snippet  string `json:"snippet,omitempty"`
}

// onReplyClassify handles the first step: it checks the follow-up, classifies the text and
// answers with the confirm step, the proposed outcome preselected.
func (b *Bot) onReplyClassify(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	values := cb.View.State.Values
	id := values["followup"][modalValue].SelectedOption.Value
	text := strings.TrimSpace(values["text"][modalValue].Value)
	if text == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"text": "Paste what they wrote."})
	}
	v, err := b.store.Enrollment(ctx, id)
	if err == nil {
		err = b.authorize(cb.User.ID, v.Enrollment)
	}
	if err == nil && v.Enrollment.Status.Ended() {
		err = cadence.Errorf(cadence.ECONFLICT, "Follow-up %s has ended (%s).", v.Enrollment.ID, lower(v.Enrollment.StopReason.Label()))
	}
	if err != nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"followup": truncate(cadence.ErrorMessage(err), 150)})
	}
	// The answer travels in the ack: a model gets a second of the deadline, then the rules decide.
	cctx, cancel := context.WithTimeout(ctx, viewDeadline/2)
	res := b.classify(cctx, classify.Message{From: v.Contact.Email, Contact: v.Contact.Email, Body: text, Date: b.now()})
	cancel()
	if res.Kind == classify.KindNone || res.Kind == classify.KindBounce {
		res.Kind = classify.KindReply // a pasted text is the contact's own words
	}
	p := replyProposal{ID: v.Enrollment.ID, Referral: res.Referral, Question: truncate(res.Question, 200), Snippet: classify.Snippet(text)}
	return slack.NewUpdateViewSubmissionResponse(b.confirmModal(ctx, v, res, p))
}

// proposedOutcome is the modal's outcome for a classification.
func proposedOutcome(r classify.Result) string {
	switch r.Kind {
	case classify.KindOutOfOffice:
		return replyOutcomeOOO
	case classify.KindOptOut:
		return replyOutcomeOptOut
	case classify.KindReferral:
		return replyOutcomeRefer
	}
	switch {
	case r.Meeting:
		return replyOutcomeMeet
	case r.Question != "":
		return replyOutcomeAsk
	}
	return replyOutcomeReply
}

// confirmModal is the second step: what the reply was read as and why, and the outcome to log.
func (b *Bot) confirmModal(ctx context.Context, v cadence.EnrollmentView, r classify.Result, p replyProposal) *slack.ModalViewRequest {
	meta, _ := json.Marshal(p)
	labels := []struct{ value, label string }{
		{replyOutcomeReply, "Replied: complete the follow-up"},
		{replyOutcomeMeet, "Meeting asked for: complete as meeting booked"},
		{replyOutcomeAsk, "A question to answer next: keep going, the next draft answers it"},
		{replyOutcomeOOO, "Out of office: pause until they are back"},
		{replyOutcomeOptOut, "Opt-out: never contact them again (every rep)"},
	}
	if p.Referral != "" {
		labels = append(labels, struct{ value, label string }{replyOutcomeRefer, "Referral: complete, and enroll " + p.Referral})
	}
	proposed := proposedOutcome(r)
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, l := range labels {
		o := slack.NewOptionBlockObject(l.value, pt(truncate(l.label, 75)), nil)
		opts = append(opts, o)
		if l.value == proposed {
			initial = o
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Outcome"), modalValue, opts...)
	sel.InitialOption = initial
	read := fmt.Sprintf("*%s* (`%s`): read as *%s*. _Why: %s._", escapeText(v.Contact.Label()), v.Enrollment.ID,
		lower(r.Kind.Label()), escapeText(r.Reason))
	if r.Meeting && r.MeetingText != "" {
		read += fmt.Sprintf("\nThey asked to meet: “%s”.", escapeText(r.MeetingText))
	}
	if p.Question != "" {
		read += fmt.Sprintf("\nTheir question: “%s”.", escapeText(p.Question))
	}
	until := slack.NewDatePickerBlockElement(modalValue)
	loc := b.locOf(ctx, v.Enrollment.Owner)
	if !r.ReturnDate.IsZero() {
		until.InitialDate = r.ReturnDate.Format(cadence.DateLayout)
		read += "\nBack on " + r.ReturnDate.Format("Mon 2 Jan") + "."
	}
	untilBlock := slack.NewInputBlock("until", pt("Back on (out of office only)"), pt(fmt.Sprintf("Resumes one working day later; empty means 14 days (%s)", loc)), until)
	untilBlock.Optional = true
	return &slack.ModalViewRequest{
		Type: slack.VTModal, Title: pt("Log a reply"), Submit: pt("Log it"), Close: pt("Cancel"),
		CallbackID: replyConfirmID, PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(truncate(read, maxSectionText)), nil, nil),
			slack.NewInputBlock("outcome", pt("Outcome"), nil, sel),
			untilBlock,
		}},
	}
}

// onReplyConfirm logs the confirmed outcome, closes the modal and tells the rep what was done.
func (b *Bot) onReplyConfirm(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	var p replyProposal
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &p); err != nil || p.ID == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"outcome": "This form is out of date; open it again."})
	}
	values := cb.View.State.Values
	outcome := values["outcome"][modalValue].SelectedOption.Value
	user := cb.User.ID
	msg, err := b.logReply(ctx, user, p, outcome, values["until"][modalValue].SelectedDate)
	if err != nil {
		text := cadence.ErrorMessage(err)
		if cadence.ErrorCode(err) == cadence.EINTERNAL {
			text = b.errorReply(err, "user", user).Text
		}
		field := "outcome"
		if strings.Contains(text, "date") {
			field = "until"
		}
		return slack.NewErrorsViewSubmissionResponse(map[string]string{field: truncate(text, 150)})
	}
	b.goWork("reply.confirm", func(ctx context.Context) error {
		if _, _, err := b.api.PostMessageContext(ctx, user, slack.MsgOptionText(msg, false)); err != nil {
			return fmt.Errorf("confirm a logged reply to %s: %w", user, err)
		}
		return nil
	})
	return nil
}

// logReply records what a pasted reply meant for follow-up p.ID and says what was done.
func (b *Bot) logReply(ctx context.Context, user string, p replyProposal, outcome, until string) (string, error) {
	v, err := b.ownEnrollment(ctx, user, p.ID)
	if err != nil {
		return "", err
	}
	who := escapeText(v.Contact.Label())
	switch outcome {
	case replyOutcomeReply, replyOutcomeMeet, replyOutcomeRefer:
		o := cadence.OutcomeReplied
		if outcome == replyOutcomeMeet {
			o = cadence.OutcomeMeetingBooked
		}
		res, err := b.applyOutcome(ctx, user, p.ID, 0, o, cadence.Gap{})
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("Logged: %s %s; follow-up `%s` is %s.", who, lower(o.Label()), p.ID, lower(res.View.Enrollment.StopReason.Label()))
		if outcome == replyOutcomeRefer && p.Referral != "" {
			r, err := b.enrollReferralOf(ctx, user, v, p.Referral)
			if err != nil {
				return msg + " Enrolling " + escapeText(cadence.StripBidi(p.Referral)) + " failed: " + cadence.ErrorMessage(err), nil
			}
			msg += " " + r.Text
		}
		return msg, nil
	case replyOutcomeAsk:
		q := p.Question
		if q == "" {
			q = p.Snippet
		}
		q = "asked: " + truncate(q, 200)
		if err := b.store.AddSignal(ctx, cadence.Signal{EnrollmentID: v.Enrollment.ID, Text: q, At: b.now(), By: user}); err != nil {
			return "", err
		}
		res, err := b.steer(ctx, user, p.ID, func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
			return cadence.RecordSignal(cd, cur.Enrollment, cur.Open, w, q, now)
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Logged %s's question for `%s` (“%s”): the next draft answers it.%s", who, p.ID, escapeText(q), b.nextText(ctx, res.View)), nil
	case replyOutcomeOOO:
		var back time.Time
		if until != "" {
			d, err := cadence.ParseDate(until)
			if err != nil {
				return "", err
			}
			back = d
		}
		res, err := b.steer(ctx, user, p.ID, func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
			if !back.IsZero() && back.Before(dayOf(now, w.Location)) {
				return cadence.Change{}, cadence.Errorf(cadence.EINVALID, "The return date %s has passed; leave it empty to pause for 14 days.", until)
			}
			if latest := cadence.LatestDate(dayOf(now, w.Location)); back.After(latest) {
				return cadence.Change{}, cadence.Errorf(cadence.EINVALID, "The return date %s is more than %d years ahead; use a date up to %s, or leave it empty to pause for 14 days.",
					until, cadence.MaxYearsAhead, latest.Format(cadence.DateLayout))
			}
			ch, err := cadence.Pause(cur.Enrollment, oooUntil(back, w, now), now)
			ch.Event.Detail = joinWords(ch.Event.Detail, "out of office (logged)")
			return ch, err
		})
		if err != nil {
			return "", err
		}
		loc := b.locOf(ctx, v.Enrollment.Owner)
		return fmt.Sprintf("Logged: %s is out of the office; follow-up `%s` is paused until %s and resumes by itself.", who, p.ID,
			fmtWhen(res.View.Enrollment.PausedUntil, loc, b.now())), nil
	case replyOutcomeOptOut:
		if _, err := b.optOut(ctx, user, v.Contact.ID, "asked in a reply"); err != nil {
			return "", err
		}
		return fmt.Sprintf("Logged: %s opted out. Every follow-up of theirs is stopped, for every rep.", who), nil
	}
	return "", cadence.Errorf(cadence.EINVALID, "Choose an outcome.")
}
