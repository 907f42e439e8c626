package bot

import (
	"context"
	"slices"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// One path for every change of a follow-up: change decides and stores it, publish shows it. The
// steering commands, the buttons, the reply modal, the resumer, the dispatcher's stops and skips,
// company news, mailbox actions and opt-outs all go through these two, so whatever changed a
// follow-up, its reminder DMs and its owners' App Homes end up current.

// decision is the state machine's decision about one follow-up: cur is the follow-up as it is
// inside the store's transaction, cd its cadence, w its owner's working window, now the time of
// the change. It must be quick and must not call the store (see Store.Update).
type decision func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error)

// changed is what one change did, for publish.
type changed struct {
	cadence.UpdateResult
	// Before is the follow-up as the change found it, inside the transaction: its open touchpoint
	// (and that touchpoint's DM) and its owner before the change.
	Before cadence.EnrollmentView
	// Actor made the change; At is when. By is whom the DM of a touch that moved without closing
	// (a snooze) names; "" names no one.
	Actor, By string
	At        time.Time
}

// change runs decide on the follow-up v (as the caller has just read it, to check the actor's
// right before revealing anything) inside one store transaction, after loading what the decision
// needs: the cadence, the owner's working window and the time. The change's event names actor.
// decide's error is returned as it is (keep it coded; a sentinel tells a caller that nothing was
// to be done). change does not publish: the caller does, once it has finished its own writes.
func (b *Bot) change(ctx context.Context, actor string, v cadence.EnrollmentView, decide decision) (changed, error) {
	cd, err := b.lib.Get(v.Enrollment.CadenceID)
	if err != nil {
		return changed{}, err
	}
	w, _, err := b.repWindow(ctx, v.Enrollment.Owner)
	if err != nil {
		return changed{}, err
	}
	return b.changeIn(ctx, actor, v.Enrollment.ID, cd, w, decide)
}

// changeIn is change for a caller that has the cadence and the window already (the dispatcher).
func (b *Bot) changeIn(ctx context.Context, actor, id string, cd cadence.Cadence, w cadence.Window, decide decision) (changed, error) {
	now := b.now()
	c := changed{Actor: actor, At: now}
	res, err := b.store.Update(ctx, id, func(cur cadence.EnrollmentView) (cadence.Change, error) {
		c.Before = cur
		ch, err := decide(cd, cur, w, now)
		if err != nil {
			return cadence.Change{}, err
		}
		ch.Event.Actor = actor
		return ch, nil
	})
	if err != nil {
		return c, err
	}
	c.UpdateResult = res
	return c, nil
}

// stoppedBy is an opt-out's result as a change: the follow-ups it stopped.
func stoppedBy(vs []cadence.EnrollmentView, actor string, at time.Time) changed {
	return changed{UpdateResult: cadence.UpdateResult{Also: vs}, Actor: actor, At: at}
}

// publish brings every view of what c changed up to date: the reminder DMs of the touchpoint it
// closed, of the one open before it and of the one open after it, and of the contact's other
// follow-ups it stopped; and the App Homes of every owner concerned, the old and the new one after
// a reassign. When the follow-up changed hands, the old owner's open DM says who has it now
// instead of offering buttons that would only answer "not yours". Failures are logged, not
// returned: the change is stored either way, and the Homes are refreshed beside the caller
// (refreshHomes).
func (b *Bot) publish(ctx context.Context, c changed) {
	before, after := c.Before, c.View
	reassigned := before.Enrollment.Owner != "" && after.Enrollment.Owner != "" &&
		before.Enrollment.Owner != after.Enrollment.Owner
	seen := map[int64]bool{}
	sync := func(t *cadence.Touchpoint, by string, at time.Time) {
		if t == nil || seen[t.ID] {
			return
		}
		seen[t.ID] = true
		b.syncDMLogged(ctx, *t, by, at)
	}
	sync(c.ClosedTouch, "", time.Time{})
	if t := before.Open; reassigned && t != nil && !seen[t.ID] && t.DMTS != "" && t.DMChannel != "" {
		seen[t.ID] = true
		b.tellReassigned(ctx, *t, after.Enrollment.Owner, c.Actor, c.At)
	}
	sync(before.Open, "", time.Time{})
	if c.ClosedTouch == nil {
		sync(after.Open, c.By, c.At) // moved, not closed: a snooze names who snoozed it
	} else {
		sync(after.Open, "", time.Time{})
	}
	owners := []string{before.Enrollment.Owner, after.Enrollment.Owner}
	for _, v := range c.Also {
		sync(v.Open, "", time.Time{})
		owners = append(owners, v.Enrollment.Owner)
	}
	b.refreshHomes(ctx, distinct(owners)...)
}

// tellReassigned re-renders the old owner's reminder DM t of a follow-up given to to by actor.
func (b *Bot) tellReassigned(ctx context.Context, t cadence.Touchpoint, to, actor string, at time.Time) {
	v, err := b.loadDM(ctx, t.ID)
	if err != nil {
		b.log.Warn("old owner's reminder DM not updated after a reassign", "touchpoint", t.ID, "err", err)
		return
	}
	v.Touch.DMChannel, v.Touch.DMTS = t.DMChannel, t.DMTS
	v.ReassignedTo, v.By, v.At = to, actor, at
	if err := b.updateDM(ctx, v); err != nil {
		b.log.Warn("old owner's reminder DM not updated after a reassign", "touchpoint", t.ID, "err", err)
	}
}

// distinct returns the non-empty strings of ss, each once, in their first order.
func distinct(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
