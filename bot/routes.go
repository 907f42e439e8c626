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
			err = b.onTouchAction(ctx, cb, *a)
		case strings.HasPrefix(a.ActionID, actionHomePrefix):
			err = b.onHomeAction(ctx, cb, *a)
		case strings.HasPrefix(a.ActionID, actionMailPrefix):
			err = b.onMailAction(ctx, cb, *a)
		case a.ActionID == actionAddOpen:
			err = b.openAddModal(ctx, cb.TriggerID, cb.User.ID)
		case a.ActionID == actionReplyOpen:
			if err = b.openReplyModal(ctx, cb.TriggerID, cb.User.ID, a.Value, ""); err != nil {
				err = b.tellClicker(ctx, cb, b.errorReply(err, "user", cb.User.ID))
			}
		default:
			b.log.Debug("ignored block action", "action_id", a.ActionID)
		}
		if err != nil {
			return err
		}
	}
	return nil
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
