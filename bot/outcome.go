package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// applyOutcome records outcome o on the open touchpoint of an enrollment for actor, through the
// cadence state machine inside one store transaction, and then brings the reminder DMs up to date:
// the closed touchpoint's DM shows the outcome, who and when and what comes next, and, when the
// contact opted out or complained, every other follow-up of the contact that it stopped has its
// open DM updated too. snooze is the gap of OutcomeSnoozed and is ignored otherwise.
//
// touchID 0 means the enrollment's open touchpoint; any other touchID must be the open one, else
// ECONFLICT says what already happened to it. Only the owner or an admin may record an outcome
// (EFORBIDDEN), except an opt-out or complaint, which anyone may record. It returns ENOTFOUND for
// an unknown enrollment and ECONFLICT when the enrollment has no open touchpoint (it ended, or is
// paused).
func (b *Bot) applyOutcome(ctx context.Context, actor, enrollmentID string, touchID int64, o cadence.Outcome, snooze cadence.Gap) (cadence.UpdateResult, error) {
	before, err := b.store.Enrollment(ctx, enrollmentID)
	if err != nil {
		return cadence.UpdateResult{}, err
	}
	return b.applyOutcomeTo(ctx, actor, before, touchID, o, snooze)
}

// applyOutcomeTo is applyOutcome for a follow-up the caller has just read (before): it is read
// again, fresh, only inside the store's transaction.
func (b *Bot) applyOutcomeTo(ctx context.Context, actor string, before cadence.EnrollmentView, touchID int64, o cadence.Outcome, snooze cadence.Gap) (cadence.UpdateResult, error) {
	enrollmentID := before.Enrollment.ID
	anyone := o == cadence.OutcomeOptedOut || o == cadence.OutcomeComplained
	if !anyone {
		if err := b.authorize(actor, before.Enrollment); err != nil {
			return cadence.UpdateResult{}, err
		}
	}
	c, err := b.change(ctx, actor, before, func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		// Checked again inside the transaction: a concurrent click or command may have won.
		if !anyone {
			if err := b.authorize(actor, cur.Enrollment); err != nil {
				return cadence.Change{}, err
			}
		}
		if cur.Open == nil || (touchID != 0 && cur.Open.ID != touchID) {
			return cadence.Change{}, errNotOpen
		}
		if cur.Enrollment.Status != cadence.StatusActive && !anyone {
			return cadence.Change{}, cadence.Errorf(cadence.ECONFLICT,
				"Follow-up %s is %s: `/followup resume %s` first.", cur.Enrollment.ID, cur.Enrollment.Status, cur.Enrollment.ID)
		}
		return cadence.Apply(cd, cur.Enrollment, *cur.Open, o, snooze, w, now)
	})
	if errors.Is(err, errNotOpen) {
		return cadence.UpdateResult{}, b.notOpenError(ctx, enrollmentID, touchID)
	}
	if err != nil {
		return cadence.UpdateResult{}, err
	}
	c.By = actor // a snoozed DM says who snoozed it
	b.publish(ctx, c)
	b.companyNews(ctx, c.View, o, c.At)
	return c.UpdateResult, nil
}

// errNotOpen stops an Update whose touchpoint is no longer open; notOpenError explains it.
var errNotOpen = errors.New("touchpoint not open")

// notOpenError returns the ECONFLICT error for a touchpoint that is no longer open, saying what
// already happened to it.
func (b *Bot) notOpenError(ctx context.Context, enrollmentID string, touchID int64) error {
	if touchID != 0 {
		if tv, err := b.store.Touchpoint(ctx, touchID); err == nil {
			loc := b.locOf(ctx, tv.Enrollment.Owner)
			// The status line is the bot's own text, with mentions it means.
			return cadence.Errorf(cadence.ECONFLICT, "%s Nothing was changed.", cadence.Markup(whatHappened(tv, loc, b.now())))
		}
	}
	v, err := b.store.Enrollment(ctx, enrollmentID)
	if err != nil {
		return err
	}
	if v.Enrollment.Status.Ended() {
		return cadence.Errorf(cadence.ECONFLICT, "Follow-up %s has ended (%s); there is nothing left to log.",
			v.Enrollment.ID, lower(v.Enrollment.StopReason.Label()))
	}
	return cadence.Errorf(cadence.ECONFLICT, "Follow-up %s has no touch waiting for an outcome.", v.Enrollment.ID)
}

// whatHappened says, for a person, what became of a touchpoint that is no longer open.
func whatHappened(tv cadence.TouchView, loc *time.Location, now time.Time) string {
	v := dmView{Touch: tv.Touch, Enrollment: tv.Enrollment, Contact: tv.Contact, Loc: loc, Now: now}
	if v.isOpen() {
		return "This touch is still open; please try again."
	}
	return "Already handled: " + v.statusLine() + "."
}

// optOut records that a contact asked not to be contacted again. Anyone may record it. It marks
// the contact do-not-contact, stops every running follow-up of the contact whoever owns it,
// cancels their pending reminders and updates the reminder DMs that were still open. It returns
// ENOTFOUND for an unknown contact.
func (b *Bot) optOut(ctx context.Context, actor string, contactID int64, reason string) (cadence.OptOutResult, error) {
	res, err := b.store.OptOut(ctx, contactID, reason, actor, b.now())
	if err != nil {
		return cadence.OptOutResult{}, err
	}
	b.publish(ctx, stoppedBy(res.Stopped, actor, b.now()))
	return res, nil
}

// optOutEmail is optOut by email address, also for a person no follow-up has named yet: the
// address is kept as do-not-contact, so enrolling it later is refused. It returns EINVALID for an
// address that is not an email address.
func (b *Bot) optOutEmail(ctx context.Context, actor, email, reason string) (cadence.OptOutResult, error) {
	res, err := b.store.OptOutEmail(ctx, email, reason, actor, b.now())
	if err != nil {
		return cadence.OptOutResult{}, err
	}
	b.publish(ctx, stoppedBy(res.Stopped, actor, b.now()))
	return res, nil
}

// syncDMLogged re-renders the reminder DM of touchpoint t, if it has one, from the current state
// of the touchpoint and its enrollment; by and at name who snoozed it and when. A failed
// chat.update is logged, not returned: the change the DM shows is stored either way.
func (b *Bot) syncDMLogged(ctx context.Context, t cadence.Touchpoint, by string, at time.Time) {
	if t.DMTS == "" {
		return
	}
	if err := b.syncDMBy(ctx, t.ID, by, at); err != nil {
		b.log.Warn("reminder DM not updated", "touchpoint", t.ID, "err", err)
	}
}

// syncDMBy re-renders the reminder DM of a touchpoint with who acted and when, for a snooze (the
// store does not keep them).
func (b *Bot) syncDMBy(ctx context.Context, touchID int64, by string, at time.Time) error {
	v, err := b.loadDM(ctx, touchID)
	if err != nil {
		return err
	}
	if v.Touch.DMTS == "" || v.Touch.DMChannel == "" {
		return nil
	}
	v.By, v.At = by, at
	return b.updateDM(ctx, v)
}

// updateDM replaces a reminder DM with the rendering of v; the message metadata stays.
func (b *Bot) updateDM(ctx context.Context, v dmView) error {
	text, blocks := renderDM(v)
	_, _, _, err := b.api.UpdateMessageContext(ctx, v.Touch.DMChannel, v.Touch.DMTS,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		return fmt.Errorf("update reminder DM of touchpoint %d: %w", v.Touch.ID, err)
	}
	return nil
}

// loadDM loads everything the DM of a touchpoint shows.
func (b *Bot) loadDM(ctx context.Context, touchID int64) (dmView, error) {
	tv, err := b.store.Touchpoint(ctx, touchID)
	if err != nil {
		return dmView{}, err
	}
	return b.dmViewOf(ctx, tv, b.locOf(ctx, tv.Enrollment.Owner))
}

// dmViewOf completes a touchpoint and its enrollment with the cadence, the earlier touches and
// the signals. loc is the rep's time zone; it is passed in because the dispatcher has read the
// rep's window already.
func (b *Bot) dmViewOf(ctx context.Context, tv cadence.TouchView, loc *time.Location) (dmView, error) {
	d, err := b.store.Details(ctx, tv.Enrollment.ID)
	if err != nil {
		return dmView{}, fmt.Errorf("load details of %s: %w", tv.Enrollment.ID, err)
	}
	return b.dmViewWith(tv, loc, d), nil
}

// dmViewWith is dmViewOf with the follow-up's details d already read.
func (b *Bot) dmViewWith(tv cadence.TouchView, loc *time.Location, d cadence.Details) dmView {
	v := dmView{Touch: tv.Touch, Enrollment: tv.Enrollment, Contact: tv.Contact, Loc: loc, Now: b.now()}
	if cd, err := b.lib.Get(tv.Enrollment.CadenceID); err == nil {
		v.Cadence = cd
	}
	for i := range d.Touches {
		switch {
		case d.Touches[i].ID == tv.Touch.ID:
		case d.Touches[i].State.Open():
			v.Next = &d.Touches[i]
		case d.Touches[i].ID < tv.Touch.ID:
			v.Earlier = append(v.Earlier, d.Touches[i])
		}
	}
	v.Signals, v.Link, v.News = d.Signals, d.Link, d.News
	return v
}

// locOf returns the rep's time zone, or the team's when the rep's cannot be read.
func (b *Bot) locOf(ctx context.Context, user string) *time.Location {
	w, _, err := b.repWindow(ctx, user)
	if err != nil || w.Location == nil {
		return orUTC(b.cfg.Team.Location)
	}
	return w.Location
}
