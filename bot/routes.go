package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

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
	if err != nil {
		r = b.errorReply(err, "user", cb.User.ID, "action_id", a.ActionID, "value", a.Value)
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
