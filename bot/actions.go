package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// touchActions maps the outcome buttons of a reminder DM to the outcome they record.
var touchActions = map[string]cadence.Outcome{
	actSent:     cadence.OutcomeSent,
	actReplied:  cadence.OutcomeReplied,
	actMeeting:  cadence.OutcomeMeetingBooked,
	actOptOut:   cadence.OutcomeOptedOut,
	actSkip:     cadence.OutcomeSkipped,
	actSnooze1d: cadence.OutcomeSnoozed,
	actSnooze3d: cadence.OutcomeSnoozed,
	actSnooze1w: cadence.OutcomeSnoozed,
}

// snoozeGaps are the snooze buttons' gaps; the state machine moves the due time into working hours.
var snoozeGaps = map[string]cadence.Gap{
	actSnooze1d: {Wall: 24 * time.Hour},
	actSnooze3d: {Wall: 3 * 24 * time.Hour},
	actSnooze1w: {Wall: 7 * 24 * time.Hour},
}

// onTouchAction handles a click on a reminder DM's button (the ack was sent already). Only the
// touchpoint's owner or an admin may click; anyone else is told so and nothing changes. A click on
// a touchpoint that is no longer open (a second click, an old DM) says what already happened and
// changes nothing. An outcome goes through applyOutcome, which updates the DM; "New draft" drafts
// again from the next angle and updates the DM in place. The reply and the error are for the
// person who clicked (answerClick).
func (b *Bot) onTouchAction(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) (Reply, error) {
	user := cb.User.ID
	touchID, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || touchID <= 0 {
		return Reply{Text: "This button is out of date; nothing was changed."}, nil
	}
	tv, err := b.store.Touchpoint(ctx, touchID)
	if err != nil {
		return Reply{}, err
	}
	if err := b.authorize(user, tv.Enrollment); err != nil {
		return Reply{}, err
	}
	if !tv.Touch.State.Open() || tv.Enrollment.Status != cadence.StatusActive {
		loc := b.locOf(ctx, tv.Enrollment.Owner)
		return Reply{Text: whatHappened(tv, loc, b.now()) + " Nothing was changed."}, nil
	}

	if a.ActionID == actRedraft {
		// Each new draft may be a model call: bounded per touch and per person.
		if ok, wait := b.limits.allow("redraft:"+user, b.now(), maxRedraftsPerHour, time.Hour); !ok {
			return textReply("You asked for %d new drafts in the past hour, the most there can be; "+
				"the next one is possible in %d min. Nothing was changed.", maxRedraftsPerHour, int(wait/time.Minute)+1), nil
		}
		if err := b.store.TakeRedraft(ctx, touchID, maxRedraftsPerTouch); err != nil {
			return Reply{}, err
		}
		return Reply{}, b.redraft(ctx, touchID, angleOf(a.BlockID)+1)
	}
	o, known := touchActions[a.ActionID]
	if !known {
		b.log.Debug("unknown touchpoint action", "action_id", a.ActionID)
		return Reply{}, nil
	}
	_, err = b.applyOutcome(ctx, user, tv.Enrollment.ID, touchID, o, snoozeGaps[a.ActionID])
	return Reply{}, err
}

// Limits of "New draft": per touch, and per person an hour.
const (
	maxRedraftsPerTouch = 5
	maxRedraftsPerHour  = 30
)

// redraft makes a new draft of an open touchpoint from the given angle, stores it and shows it in
// the touchpoint's DM.
func (b *Bot) redraft(ctx context.Context, touchID int64, angle int) error {
	v, err := b.loadDM(ctx, touchID)
	if err != nil {
		return err
	}
	rep, err := b.rep(ctx, v.Enrollment.Owner)
	if err != nil {
		return err
	}
	if err := b.draftInto(ctx, &v, rep, angle, 0); err != nil {
		return fmt.Errorf("new draft for touchpoint %d: %w", touchID, err)
	}
	// Read again just before the update: a follow-up stopped, or a contact who opted out, while
	// the draft was made shows as it is now (closed, no buttons), not as it was at the click.
	if v, err = b.loadDM(ctx, touchID); err != nil {
		return err
	}
	v.Angle = angle
	if v.Touch.DMTS == "" {
		return nil
	}
	return b.updateDM(ctx, v)
}

// tellClicker answers the person who clicked, visible to them only: through the click's
// response_url, or chat.postEphemeral when there is none. It never replaces the DM itself.
func (b *Bot) tellClicker(ctx context.Context, cb slack.InteractionCallback, r Reply) error {
	if cb.ResponseURL != "" {
		return b.respond(ctx, cb.ResponseURL, r, false)
	}
	if cb.Channel.ID == "" {
		// A click in the App Home has neither: show the Home as it is now, and say what happened
		// in a DM, the one place left to tell the rep.
		if cb.View.Type == slack.VTHomeTab {
			b.refreshHome(ctx, cb.User.ID)
		}
		if _, _, err := b.api.PostMessageContext(ctx, cb.User.ID, slack.MsgOptionText(r.Text, false)); err != nil {
			return fmt.Errorf("answer a click: %w", err)
		}
		return nil
	}
	if _, err := b.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, slack.MsgOptionText(r.Text, false)); err != nil {
		return fmt.Errorf("answer a click: %w", err)
	}
	return nil
}
