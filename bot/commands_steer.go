package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// maxReasonLen bounds a stop reason, an opt-out reason and a signal's text.
const maxReasonLen = 500

// steer changes one follow-up through the state machine: it checks the id and the actor's right
// first (so a stranger learns nothing more than "not yours"), then runs decide inside the store's
// transaction, checking the right again there, and publishes the change (its DMs and Homes).
func (b *Bot) steer(ctx context.Context, actor, id string, decide decision) (cadence.UpdateResult, error) {
	v, err := b.ownEnrollment(ctx, actor, id)
	if err != nil {
		return cadence.UpdateResult{}, err
	}
	return b.steerView(ctx, actor, v, decide)
}

// steerView is steer for a follow-up the caller has just read with ownEnrollment (v): it is read
// again, fresh, only inside the store's transaction.
func (b *Bot) steerView(ctx context.Context, actor string, v cadence.EnrollmentView, decide decision) (cadence.UpdateResult, error) {
	c, err := b.change(ctx, actor, v, func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		if err := b.authorize(actor, cur.Enrollment); err != nil {
			return cadence.Change{}, err
		}
		return decide(cd, cur, w, now)
	})
	if err != nil {
		return cadence.UpdateResult{}, err
	}
	b.publish(ctx, c)
	return c.UpdateResult, nil
}

// checkAssignee asks users.info whether a follow-up may be given to user: a person (not a bot)
// whose account exists and is active. It returns EINVALID saying which is not so, and EUNAVAIL
// when Slack cannot say.
func (b *Bot) checkAssignee(ctx context.Context, user string) error {
	u, err := b.api.GetUserInfoContext(ctx, user)
	switch {
	case err != nil && (slackCode(err) == "user_not_found" || slackCode(err) == "user_not_visible"):
		return cadence.Errorf(cadence.EINVALID, "<@%s> is not a user of this workspace; mention the rep who should own it.", user)
	case err != nil:
		b.log.Warn("users.info for a reassign failed", "user", user, "err", err)
		return cadence.Errorf(cadence.EUNAVAIL, "Slack could not tell me who <@%s> is just now; nothing was changed. Try again in a minute.", user)
	case u.IsBot || u.ID == "USLACKBOT":
		return cadence.Errorf(cadence.EINVALID, "<@%s> is a bot; follow-ups go to people.", user)
	case u.Deleted:
		return cadence.Errorf(cadence.EINVALID, "<@%s> is deactivated; pick an active rep.", user)
	}
	return nil
}

// idAndRest reads "<id> [words …]": the id and the rest of the words joined, for stop and signal.
func idAndRest(name string, toks []token) (string, string, error) {
	if len(toks) == 0 || toks[0].Key != "" {
		return "", "", wantArgs(name, nil, 1, 1)
	}
	rest := make([]string, 0, len(toks)-1)
	for _, t := range toks[1:] {
		rest = append(rest, t.String())
	}
	text := strings.TrimSpace(strings.Join(rest, " "))
	if n := len([]rune(text)); n > maxReasonLen {
		return "", "", cadence.Errorf(cadence.EINVALID, "That text is %d characters long; keep it under %d.", n, maxReasonLen)
	}
	return toks[0].Value, text, nil
}

// nextText says when the follow-up's next touch is due, for confirmations.
func (b *Bot) nextText(ctx context.Context, v cadence.EnrollmentView) string {
	if v.Open == nil {
		return ""
	}
	loc := b.locOf(ctx, v.Enrollment.Owner)
	return fmt.Sprintf(" Next touch: %s (%s).", fmtWhen(v.Open.Due, loc, b.now()), fmtZone(loc))
}

// cmdPause pauses a follow-up, open-ended or until a date: it resumes by itself at the start of
// the owner's working day on that date.
func (b *Bot) cmdPause(ctx context.Context, r request) (Reply, error) {
	pos, opts, err := splitArgs(r.args, "until")
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("pause", pos, 1, 1); err != nil {
		return Reply{}, err
	}
	var until time.Time
	if s, ok := opts["until"]; ok {
		if _, err := cadence.ParseDate(s); err != nil {
			return Reply{}, err
		}
	}
	res, err := b.steer(ctx, r.user, pos[0], func(cd cadence.Cadence, v cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		if s, ok := opts["until"]; ok { // the start of the owner's working day on that date
			t, err := w.StartOn(s)
			if err != nil {
				return cadence.Change{}, err
			}
			if !t.After(now) {
				return cadence.Change{}, cadence.Errorf(cadence.EINVALID, "until=%s is not in the future.", s)
			}
			if latest := cadence.LatestDate(dayOf(now, w.Location)); t.After(latest.AddDate(0, 0, 1)) {
				return cadence.Change{}, cadence.Errorf(cadence.EINVALID, "until=%s is more than %d years ahead; use a date up to %s, or stop the follow-up.",
					s, cadence.MaxYearsAhead, latest.Format(cadence.DateLayout))
			}
			until = t
		}
		return cadence.Pause(v.Enrollment, until, now)
	})
	if err != nil {
		return Reply{}, err
	}
	e := res.View.Enrollment
	if until.IsZero() {
		return textReply("Paused follow-up `%s` (%s). No reminders until `/followup resume %s`.", e.ID, escapeText(res.View.Contact.Label()), e.ID), nil
	}
	return textReply("Paused follow-up `%s` (%s) until %s, when it resumes by itself. The remaining touches move by the time it was paused.",
		e.ID, escapeText(res.View.Contact.Label()), fmtWhen(until, b.locOf(ctx, e.Owner), b.now())), nil
}

// cmdResume resumes a paused follow-up; its remaining touches move by the time it was paused.
func (b *Bot) cmdResume(ctx context.Context, r request) (Reply, error) {
	pos, _, err := splitArgs(r.args)
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("resume", pos, 1, 1); err != nil {
		return Reply{}, err
	}
	res, err := b.steer(ctx, r.user, pos[0], func(cd cadence.Cadence, v cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		return cadence.Resume(cd, v.Enrollment, v.Open, w, now)
	})
	if err != nil {
		return Reply{}, err
	}
	return textReply("Resumed follow-up `%s` (%s).%s", res.View.Enrollment.ID, escapeText(res.View.Contact.Label()), b.nextText(ctx, res.View)), nil
}

// cmdStop stops a follow-up for good, with the rep's reason.
func (b *Bot) cmdStop(ctx context.Context, r request) (Reply, error) {
	id, reason, err := idAndRest("stop", r.args)
	if err != nil {
		return Reply{}, err
	}
	res, err := b.steer(ctx, r.user, id, func(cd cadence.Cadence, v cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		return cadence.Stop(v.Enrollment, cadence.StopManual, reason, now)
	})
	if err != nil {
		return Reply{}, err
	}
	msg := fmt.Sprintf("Stopped follow-up `%s` (%s)", res.View.Enrollment.ID, escapeText(res.View.Contact.Label()))
	if reason != "" {
		msg += ": " + escapeText(reason)
	}
	return textReply("%s. No more reminders for it.", msg), nil
}

// cmdSkip skips the current touch without sending it and plans the next step.
func (b *Bot) cmdSkip(ctx context.Context, r request) (Reply, error) {
	pos, _, err := splitArgs(r.args)
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("skip", pos, 1, 1); err != nil {
		return Reply{}, err
	}
	return b.outcomeCommand(ctx, r.user, pos[0], cadence.OutcomeSkipped, cadence.Gap{}, "Skipped the current touch of")
}

// cmdSnooze moves the current touch later by a duration (cadence.ParseGap).
func (b *Bot) cmdSnooze(ctx context.Context, r request) (Reply, error) {
	pos, _, err := splitArgs(r.args)
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("snooze", pos, 2, 2); err != nil {
		return Reply{}, err
	}
	g, err := cadence.ParseGap(pos[1])
	if err != nil {
		return Reply{}, err
	}
	if g.IsZero() {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "Snooze by how long? Like `2d`, `4h` or `3bd`.")
	}
	return b.outcomeCommand(ctx, r.user, pos[0], cadence.OutcomeSnoozed, g, "Snoozed")
}

// outcomeCommand records an outcome on a follow-up's open touch through applyOutcome, after
// the same id and ownership checks as the other commands.
func (b *Bot) outcomeCommand(ctx context.Context, actor, id string, o cadence.Outcome, g cadence.Gap, verb string) (Reply, error) {
	v, err := b.ownEnrollment(ctx, actor, id)
	if err != nil {
		return Reply{}, err
	}
	res, err := b.applyOutcomeTo(ctx, actor, v, 0, o, g)
	if err != nil {
		return Reply{}, err
	}
	e := res.View.Enrollment
	msg := fmt.Sprintf("%s follow-up `%s` (%s).", verb, e.ID, escapeText(res.View.Contact.Label()))
	if e.Status.Ended() {
		return textReply("%s That was the last step: the follow-up has ended (%s).", msg, strings.ToLower(e.StopReason.Label())), nil
	}
	return textReply("%s%s", msg, b.nextText(ctx, res.View)), nil
}

// cmdSignal records an intent signal: it feeds the drafts and pulls the next touch earlier.
func (b *Bot) cmdSignal(ctx context.Context, r request) (Reply, error) {
	id, text, err := idAndRest("signal", r.args)
	if err != nil {
		return Reply{}, err
	}
	if text == "" {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "What happened? For example `/followup signal %s asked for pricing`.", truncate(id, 20))
	}
	v, err := b.ownEnrollment(ctx, r.user, id)
	if err != nil {
		return Reply{}, err
	}
	if v.Enrollment.Status.Ended() {
		return Reply{}, cadence.Errorf(cadence.ECONFLICT, "Follow-up %s has ended (%s); start a new one with `/followup add`.", v.Enrollment.ID, strings.ToLower(v.Enrollment.StopReason.Label()))
	}
	// The signal is stored first: the drafts use it even when the touch cannot move (paused).
	if err := b.store.AddSignal(ctx, cadence.Signal{EnrollmentID: v.Enrollment.ID, Text: text, At: b.now(), By: r.user}); err != nil {
		return Reply{}, err
	}
	msg := fmt.Sprintf("Noted for `%s` (%s): “%s”. The drafts will use it.", v.Enrollment.ID, escapeText(v.Contact.Label()), escapeText(text))
	res, err := b.steerView(ctx, r.user, v, func(cd cadence.Cadence, v cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		return cadence.RecordSignal(cd, v.Enrollment, v.Open, w, text, now)
	})
	if err != nil {
		return Reply{}, err
	}
	return textReply("%s%s", msg, b.nextText(ctx, res.View)), nil
}

// cmdOptOut records that a contact asked not to be contacted, by email or by follow-up id.
// Anyone may record it; it stops every follow-up of the contact, whoever owns it.
func (b *Bot) cmdOptOut(ctx context.Context, r request) (Reply, error) {
	if len(r.args) > 0 && r.args[0].Key == "" && strings.EqualFold(r.args[0].Value, "undo") {
		return b.cmdOptOutUndo(ctx, request{cmd: r.cmd, user: r.user, args: r.args[1:]})
	}
	who, reason, err := idAndRest("optout", r.args)
	if err != nil {
		return Reply{}, err
	}
	if reason == "" {
		reason = "asked not to be contacted"
	}
	var res cadence.OptOutResult
	if strings.Contains(who, "@") {
		email, err := cadence.NormalizeEmail(who)
		if err != nil {
			return Reply{}, cadence.Errorf(cadence.EINVALID, "%q is not an email address.", truncate(who, 60))
		}
		// Recorded also for an address no follow-up named yet: a later add is then refused.
		if res, err = b.optOutEmail(ctx, r.user, email, reason); err != nil {
			return Reply{}, err
		}
	} else {
		id := strings.ToLower(who)
		if !validID(id) {
			return Reply{}, cadence.Errorf(cadence.ENOTFOUND, "There is no follow-up with id %q; give the contact's email or a follow-up id.", truncate(who, 40))
		}
		v, err := b.store.Enrollment(ctx, id)
		if err != nil {
			return Reply{}, err
		}
		if res, err = b.optOut(ctx, r.user, v.Contact.ID, reason); err != nil {
			return Reply{}, err
		}
	}
	msg := fmt.Sprintf("Recorded: %s will not be contacted again.", escapeText(res.Contact.Label()))
	switch n := len(res.Stopped); n {
	case 0:
	case 1:
		msg += fmt.Sprintf(" Stopped follow-up `%s`.", res.Stopped[0].Enrollment.ID)
	default:
		ids := make([]string, n)
		for i, v := range res.Stopped {
			ids[i] = v.Enrollment.ID
		}
		msg += fmt.Sprintf(" Stopped %d follow-ups: %s.", n, codeList(ids, ""))
	}
	return textReply("%s", msg), nil
}

// cmdOptOutUndo lifts an opt-out recorded by mistake: "/followup optout undo <email> <reason>",
// for admins only, with a reason that the event log keeps beside the opt-out.
func (b *Bot) cmdOptOutUndo(ctx context.Context, r request) (Reply, error) {
	if !b.isAdmin(r.user) {
		return Reply{}, cadence.Errorf(cadence.EFORBIDDEN, "Only an admin can undo an opt-out; ask one of them, saying why.")
	}
	email, reason, err := idAndRest("optout undo", r.args)
	if err != nil || email == "" {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "Usage: `/followup optout undo %s` — for example `/followup optout undo dana@acme.com recorded for the wrong Dana`.", cadence.Markup("<email> <reason>"))
	}
	if reason == "" {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "Say why the opt-out of %s is undone: `/followup optout undo %s recorded for the wrong person`. Nothing was changed.", email, email)
	}
	c, err := b.store.UndoOptOut(ctx, email, reason, r.user, b.now())
	if err != nil {
		return Reply{}, err
	}
	b.log.Info("opt-out undone", "contact", c.ID, "by", r.user)
	return textReply("The opt-out of %s is undone (kept in the log with your reason). Their stopped follow-ups stay stopped; they can be enrolled again.",
		escapeText(c.Label())), nil
}

// cmdReassign gives a follow-up to another rep.
func (b *Bot) cmdReassign(ctx context.Context, r request) (Reply, error) {
	pos, _, err := splitArgs(r.args)
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("reassign", pos, 2, 2); err != nil {
		return Reply{}, err
	}
	to, ok := userRef(pos[1])
	if !ok {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "%q is not a Slack user: mention them, like `/followup reassign %s @sam`.", truncate(pos[1], 40), truncate(pos[0], 20))
	}
	if to == b.botUserID {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "I can't own follow-ups; pick a person.")
	}
	if err := b.checkAssignee(ctx, to); err != nil {
		return Reply{}, err
	}
	res, err := b.steer(ctx, r.user, pos[0], func(cd cadence.Cadence, v cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		if v.Enrollment.Owner == to {
			return cadence.Change{}, cadence.Errorf(cadence.ECONFLICT, "Follow-up %s already belongs to <@%s>.", v.Enrollment.ID, to)
		}
		ch, err := cadence.Reassign(v.Enrollment, to, now)
		if err == nil && v.Open != nil && v.Open.State == cadence.TouchReminded {
			// The old owner was reminded and did not act: the touch is due again, for the new one.
			ch.MoveTo = v.Open.Due
		}
		return ch, err
	})
	if err != nil {
		return Reply{}, err
	}
	return textReply("Follow-up `%s` (%s) now belongs to <@%s>; reminders go to them from now on.",
		res.View.Enrollment.ID, escapeText(res.View.Contact.Label()), to), nil
}
