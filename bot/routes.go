package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Every route of the bot, in one place: the block actions, the shortcuts, the modal submissions,
// the /followup subcommands and the Events API events. handleEvent (socket.go) reads, checks and
// acks each envelope and hands it here.

// Action id prefixes route block actions to their feature: "tp." buttons act on a touchpoint (the
// reminder DM and the App Home), "home." buttons belong to the App Home, "add." opens the modal.
const (
	actionTouchPrefix = "tp."
	actionHomePrefix  = "home."
	actionAddOpen     = "add.open"
	actionMailPrefix  = "mail." // the buttons of a "seen in your mailbox" DM (mailact.go)
)

// serveBlockActions routes each action of a click to its handler, after the ack.
func (b *Bot) serveBlockActions(ctx context.Context, cb slack.InteractionCallback) error {
	for _, a := range cb.ActionCallback.BlockActions {
		var err error
		switch {
		case strings.HasPrefix(a.ActionID, actionTouchPrefix):
			err = b.answerClick(ctx, cb, *a, b.onTouchAction)
		case strings.HasPrefix(a.ActionID, actionMailPrefix):
			err = b.answerClick(ctx, cb, *a, b.onMailAction)
		case a.ActionID == actionReplyOpen:
			err = b.answerClick(ctx, cb, *a, b.onReplyOpen)
		case strings.HasPrefix(a.ActionID, actionHomePrefix):
			err = b.onHomeAction(ctx, cb, *a) // the Home's own buttons: it is the answer
		case a.ActionID == actionAddOpen:
			err = b.openAddModal(ctx, cb.TriggerID, cb.User.ID) // the modal is the answer
		default:
			b.log.Debug("ignored block action", "action_id", a.ActionID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// clickHandler handles one button of a click, after the ack. It returns the answer for the person
// who clicked (an empty Reply for none: the DM or the Home it changed shows the result), or an
// error, which answerClick renders for them.
type clickHandler func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) (Reply, error)

// answerClick runs h and tells the person who clicked its answer or its error: the one place where
// a click's error becomes a message (errorReply: a coded error's own words, or "something went
// wrong" with a ref to the log line).
func (b *Bot) answerClick(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction, h clickHandler) error {
	r, err := h(ctx, cb, a)
	return b.answerClicker(ctx, cb, r, err, "action_id", a.ActionID, "value", a.Value)
}

// answerClicker tells the person who clicked a button or used a shortcut r, or err rendered for
// them (errorReply, logged with attrs); nothing when both are empty.
func (b *Bot) answerClicker(ctx context.Context, cb slack.InteractionCallback, r Reply, err error, attrs ...any) error {
	if err != nil {
		r = b.errorReply(err, append([]any{"user", cb.User.ID}, attrs...)...)
	}
	if r.Text == "" && len(r.Blocks) == 0 {
		return nil
	}
	return b.tellClicker(ctx, cb, r)
}

// onReplyOpen opens the reply modal from a button ("Log a reply"), for the follow-up in its value.
func (b *Bot) onReplyOpen(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) (Reply, error) {
	return Reply{}, b.openReplyModal(ctx, cb.TriggerID, cb.User.ID, a.Value, "")
}

// serveShortcut handles a global or message shortcut after its ack: each opens a modal, and
// answers the person itself only when it cannot (answerClicker).
func (b *Bot) serveShortcut(ctx context.Context, cb slack.InteractionCallback) error {
	var h func(context.Context, slack.InteractionCallback) (Reply, error)
	switch {
	case cb.Type == slack.InteractionTypeMessageAction && cb.CallbackID == replyShortcutID:
		return b.onReplyShortcut(ctx, cb) // "Log a reply to a follow-up" (replymodal.go)
	case cb.Type == slack.InteractionTypeShortcut && cb.CallbackID == shortcutNew:
		h = b.onNewShortcut // shortcut.go
	case cb.Type == slack.InteractionTypeMessageAction && cb.CallbackID == shortcutMessage:
		h = b.onMessageShortcut
	default:
		b.log.Debug("ignored shortcut", "type", cb.Type, "callback_id", cb.CallbackID)
		return nil
	}
	r, err := h(ctx, cb)
	return b.answerClicker(ctx, cb, r, err)
}

// serveViewSubmission handles a modal submission before its ack (within viewDeadline). It
// returns field errors to keep the modal open, or nil to close it.
func (b *Bot) serveViewSubmission(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	switch cb.View.CallbackID {
	case addCallbackID:
		return b.onAddSubmit(ctx, cb) // modal.go
	case replyClassifyID:
		return b.onReplyClassify(ctx, cb) // replymodal.go
	case replyConfirmID:
		return b.onReplyConfirm(ctx, cb)
	default:
		b.log.Debug("ignored view submission", "callback_id", cb.View.CallbackID)
		return nil
	}
}

// subcommand is one /followup subcommand: its grammar, an example, and its handler.
type subcommand struct {
	name    string
	usage   string // the grammar after the name
	help    string
	example string // the arguments of an example; "" when the name alone is the example
	run     func(b *Bot, ctx context.Context, r request) (Reply, error)
}

// subcommands lists the subcommands in the order help shows them. It is a function, not a
// variable, because the help handler refers back to it.
func subcommands() []subcommand {
	return []subcommand{
		{"add", "[<name> [email] [key=value …]]", "enroll a contact; with nothing after it, opens a form. Keys: " + strings.Join(addKeys, ", "),
			`"Dana Lee" dana@acme.com company=Acme cadence=demo intent=hot note="response time is a challenge for her team"`, (*Bot).cmdAdd},
		{"list", "", "your running follow-ups: id, contact, cadence, step, next due", "", (*Bot).cmdList},
		{"due", "", "your follow-ups due now or overdue", "", (*Bot).cmdDue},
		{"show", "<id>", "one follow-up's timeline: past touches with outcomes, planned ones with dates", "k3f9a2", (*Bot).cmdShow},
		{"pause", "<id> [until=YYYY-MM-DD]", "pause a follow-up, for good or until a date", "k3f9a2 until=2026-04-01", (*Bot).cmdPause},
		{"resume", "<id>", "resume a paused follow-up", "k3f9a2", (*Bot).cmdResume},
		{"stop", "<id> [reason]", "stop a follow-up", "k3f9a2 went with a competitor", (*Bot).cmdStop},
		{"skip", "<id>", "skip the current touch and plan the next one", "k3f9a2", (*Bot).cmdSkip},
		{"snooze", "<id> <duration>", "move the current touch later (30m, 4h, 2d, 1w, 3bd)", "k3f9a2 2d", (*Bot).cmdSnooze},
		{"signal", "<id> <what happened>", "record an intent signal; it feeds the drafts and pulls the next touch earlier", "k3f9a2 asked for pricing", (*Bot).cmdSignal},
		{"optout", "<email or id> [reason]", "record that a contact asked not to be contacted; stops all their follow-ups, whoever owns them (admins: `optout undo <email> <reason>` lifts one recorded by mistake)", "dana@acme.com asked us to stop", (*Bot).cmdOptOut},
		{"reassign", "<id> @user", "give a follow-up to another rep", "k3f9a2 @sam", (*Bot).cmdReassign},
		{"away", "<from> <to> | off", "no reminders between two dates (YYYY-MM-DD, inclusive); touches move after them", "2026-04-06 2026-04-10", (*Bot).cmdAway},
		{"settings", "[hours=HH:MM-HH:MM] [days=Mon-Fri] [tz=Area/City] [booking=URL] [signature=\"…\"] [mailbox=you@example.com]", "show or change your working time, the booking link and sign-off of your drafts, or the mailbox read for replies", "hours=08:30-16:30 days=Mon-Thu tz=Europe/Berlin", (*Bot).cmdSettings},
		{"cadences", "", "the cadence library with each cadence's steps", "", (*Bot).cmdCadences},
		{"report", "", "the team's cadence report for the past 7 days (to the report channel if one is set)", "", (*Bot).cmdReport},
		{"help", "", "this help", "", (*Bot).cmdHelp},
	}
}

// serveEvent handles an Events API event after its ack and its redelivery check.
func (b *Bot) serveEvent(ctx context.Context, outer slackevents.EventsAPIEvent) error {
	switch ev := outer.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if ev.Tab != "" && ev.Tab != "home" {
			return nil
		}
		return b.onHomeOpened(ctx, ev.User)
	case *slackevents.FunctionExecutedEvent:
		return b.serveFunction(ctx, ev)
	default:
		b.log.Debug("ignored event", "type", outer.InnerEvent.Type)
		return nil
	}
}
