package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// The enrollment modal. Its input blocks are named after the addInput fields (the addKeys, and
// "name"), so a fieldError lands on its input; every element has the action id modalValue.
const (
	addCallbackID = "add.submit"
	modalValue    = "value"
	maxOptions    = 100 // Slack's limit on a static_select's options
)

// openAddModal opens the enrollment modal for a click on an "add.open" button.
func (b *Bot) openAddModal(ctx context.Context, triggerID, userID string) error {
	return b.openAddModalIn(ctx, triggerID, userID, "")
}

// openAddModalIn opens the enrollment modal; channelID, when known (from a slash command), rides
// in private_metadata.
func (b *Bot) openAddModalIn(ctx context.Context, triggerID, userID, channelID string) error {
	_, err := b.api.OpenViewContext(ctx, triggerID, b.addModal(channelID))
	if err != nil {
		if strings.Contains(err.Error(), "expired_trigger_id") {
			return cadence.Errorf(cadence.EUNAVAIL, "The form took too long to open. Please try `/followup add` again.")
		}
		return fmt.Errorf("open add modal for %s: %w", userID, err)
	}
	return nil
}

// addModal builds the "New follow-up" modal.
func (b *Bot) addModal(channelID string) slack.ModalViewRequest {
	pt := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	text := func(block, label, placeholder string, optional bool, maxLen int) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(pt(placeholder), modalValue).WithMaxLength(maxLen)
		in := slack.NewInputBlock(block, pt(label), nil, el)
		in.Optional = optional
		return in
	}

	var cadOpts []*slack.OptionBlockObject
	for _, cd := range b.lib.All() {
		if len(cadOpts) == maxOptions {
			break
		}
		cadOpts = append(cadOpts, slack.NewOptionBlockObject(cd.ID, pt(truncate(cd.Name+" ("+cd.ID+")", 75)), nil))
	}
	cadSel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Choose a cadence"), modalValue, cadOpts...)
	cadBlock := slack.NewInputBlock("cadence", pt("Cadence"), pt("See the steps of each with /followup cadences"), cadSel)

	var intentOpts []*slack.OptionBlockObject
	for _, in := range cadence.Intents {
		intentOpts = append(intentOpts, slack.NewOptionBlockObject(string(in), pt(in.Label()), nil))
	}
	intentSel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Intent"), modalValue, intentOpts...)
	intentSel.InitialOption = intentOpts[1] // warm
	intentBlock := slack.NewInputBlock("intent", pt("Intent"), pt("Hot contacts are followed up faster, cold ones given more space"), intentSel)

	decision := slack.NewInputBlock("decision", pt("Decision date"), pt("For proposals: touches are paced to end before it"), slack.NewDatePickerBlockElement(modalValue))
	decision.Optional = true
	note := text("note", "Notes", "What they care about; drafts use it", true, maxNoteLen)
	note.Element.(*slack.PlainTextInputBlockElement).Multiline = true
	start := slack.NewInputBlock("start", pt("First touch date"), pt("Leave empty to start now"), slack.NewDatePickerBlockElement(modalValue))
	start.Optional = true
	on := slack.NewInputBlock("on", pt("When the demo, call or meeting happened"), pt("Leave empty for today; up to 90 days back"), slack.NewDatePickerBlockElement(modalValue))
	on.Optional = true
	sms := slack.NewInputBlock("sms", pt("Texts"), nil, slack.NewCheckboxGroupsBlockElement(modalValue,
		slack.NewOptionBlockObject("yes", pt("They agreed to texts (SMS steps are skipped without it)"), nil)))
	sms.Optional = true

	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           pt("New follow-up"),
		Submit:          pt("Enroll"),
		Close:           pt("Cancel"),
		CallbackID:      addCallbackID,
		PrivateMetadata: channelID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			text("name", "Contact name", "Dana Lee", false, maxFieldLen),
			text("email", "Email", "dana@acme.com", true, maxFieldLen),
			text("phone", "Phone", "+1 555 010 0199", true, maxFieldLen),
			text("linkedin", "LinkedIn URL", "https://www.linkedin.com/in/dana-lee", true, maxFieldLen),
			text("company", "Company", "Acme", true, maxFieldLen),
			text("role", "Role", "Head of Support", true, maxFieldLen),
			cadBlock, intentBlock, decision, note, start, on, sms,
		}},
	}
}

// onAddSubmit handles a submission of the add modal before its ack (within viewDeadline). It
// returns field errors to keep the modal open, or nil to close it.
func (b *Bot) onAddSubmit(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	values := cb.View.State.Values
	get := func(block string) string {
		a := values[block][modalValue]
		switch {
		case a.SelectedOption.Value != "":
			return a.SelectedOption.Value
		case a.SelectedDate != "":
			return a.SelectedDate
		case len(a.SelectedOptions) > 0:
			return a.SelectedOptions[0].Value
		}
		return a.Value
	}
	in := addInput{Name: get("name"), Email: get("email"), Phone: get("phone"), LinkedIn: get("linkedin"),
		Company: get("company"), Role: get("role"), Cadence: get("cadence"), Intent: get("intent"),
		Decision: get("decision"), Note: get("note"), Start: get("start"), On: get("on"), SMS: get("sms")}
	if in.SMS == "" {
		in.SMS = "no"
	}
	user := cb.User.ID

	fail := func(err error) *slack.ViewSubmissionResponse {
		msg := cadence.ErrorMessage(err)
		if cadence.ErrorCode(err) == cadence.EINTERNAL {
			msg = b.errorReply(err, "user", user).Text
		}
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"name": truncate(msg, 150)})
	}
	w, err := b.quickWindow(ctx, user)
	if err != nil {
		return fail(err)
	}
	now := b.now()
	plan, errs := b.validateAdd(in, user, w, now)
	plan.Enrollment.Link = linkOf(cb.View.PrivateMetadata) // opened from a message: link back to it
	if len(errs) > 0 {
		m := map[string]string{}
		for _, e := range errs {
			if _, dup := m[e.Field]; !dup {
				m[e.Field] = truncate(strings.ReplaceAll(e.Msg, "`", ""), 150)
			}
		}
		return slack.NewErrorsViewSubmissionResponse(m)
	}
	v, err := b.enroll(ctx, plan, w, now)
	if err != nil {
		return fail(err)
	}
	reply := enrolledReply(v, plan.Cadence, w, now)
	b.goWork("add.confirm", func(ctx context.Context) error {
		opts := []slack.MsgOption{slack.MsgOptionText(reply.Text, false), slack.MsgOptionBlocks(reply.Blocks...)}
		if _, _, err := b.api.PostMessageContext(ctx, user, opts...); err != nil {
			return fmt.Errorf("confirm enrollment %s to %s: %w", v.Enrollment.ID, user, err)
		}
		return nil
	})
	return nil
}
