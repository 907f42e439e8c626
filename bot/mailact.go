package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
)

// Action ids of the buttons on a "seen in your mailbox" DM; the value is the kept message's id.
const (
	actionMailUndo  = "mail.undo"
	actionMailRefer = "mail.refer"
)

// errMailNoop stops an Update that has nothing to do (the follow-up ended or paused meanwhile).
var errMailNoop = errors.New("nothing to do")

// actOnMail changes the follow-up a kept message is about, records what it did and how the
// follow-up was before, and tells the rep in a DM with an Undo button:
//
//   - a reply (and a referral, which is a reply pointing elsewhere) completes it as replied;
//   - an out-of-office pauses it until the return date plus one working day, or for 14 days;
//   - a bounce stops it as bounced;
//   - an opt-out marks the contact do-not-contact for every rep, as the button does.
//
// A follow-up that ended meanwhile is left alone. It is safe to call again for a message whose
// action a crash interrupted: the state machine refuses to do the same thing twice.
func (b *Bot) actOnMail(ctx context.Context, m cadence.MailSeen) error {
	now := b.now()
	kind := classify.Kind(m.Kind)
	if kind == classify.KindOptOut {
		res, err := b.store.OptOut(ctx, m.ContactID, "asked by email: "+m.Reason, "bot", now)
		if err != nil {
			return err
		}
		b.publish(ctx, stoppedBy(res.Stopped, "bot", now))
		action := "recorded an opt-out for every rep"
		if err := b.store.MailActed(ctx, m.ID, action, "", 0, time.Time{}, now); err != nil {
			return err
		}
		m.Action = action
		// Undo is offered only when this message made the mark (not a contact who had opted out
		// before): the classifier can misread "remove me from this thread, add Jane instead".
		mine := res.Contact.DNCBy == "bot" && !res.Contact.DNCAt.Before(m.SeenAt)
		return b.tellMail(ctx, m, res.Contact, mine)
	}
	before, err := b.store.Enrollment(ctx, m.EnrollmentID)
	if err != nil {
		return err
	}
	var w cadence.Window
	res, err := b.change(ctx, "bot", before, func(cd cadence.Cadence, cur cadence.EnrollmentView, win cadence.Window, _ time.Time) (cadence.Change, error) {
		w = win
		if cur.Enrollment.Status.Ended() {
			return cadence.Change{}, errMailNoop
		}
		return mailChange(cd, cur, kind, m, win, now)
	})
	prior := res.Before
	if errors.Is(err, errMailNoop) {
		what := "nothing: the follow-up had ended"
		if prior.Enrollment.Status == cadence.StatusPaused {
			what = "nothing: the follow-up was paused already"
		}
		return b.store.MailActed(ctx, m.ID, what, prior.Enrollment.Status, prior.Enrollment.Step, time.Time{}, now)
	}
	if err != nil {
		return err
	}
	res.By, res.At = "bot", now
	b.publish(ctx, res)
	var due time.Time
	if prior.Open != nil {
		due = prior.Open.Due
	}
	action := mailActionText(res.View.Enrollment, w.Location, now)
	if err := b.store.MailActed(ctx, m.ID, action, prior.Enrollment.Status, prior.Enrollment.Step, due, now); err != nil {
		return err
	}
	m.Action = action
	return b.tellMail(ctx, m, res.View.Contact, true)
}

// mailChange is the state machine's decision on a message of kind about cur.
func mailChange(cd cadence.Cadence, cur cadence.EnrollmentView, kind classify.Kind, m cadence.MailSeen, w cadence.Window, now time.Time) (cadence.Change, error) {
	e := cur.Enrollment
	switch kind {
	case classify.KindReply, classify.KindReferral, classify.KindBounce:
		o, r := cadence.OutcomeReplied, cadence.StopReplied
		if kind == classify.KindBounce {
			o, r = cadence.OutcomeBounced, cadence.StopBounced
		}
		// Logged on the open touch (also of a paused follow-up) so the report counts the reply.
		if cur.Open != nil && cur.Open.Step == e.Step {
			ch, err := cadence.Apply(cd, e, *cur.Open, o, cadence.Gap{}, w, now)
			if err == nil {
				ch.Event.Detail = joinWords(ch.Event.Detail, "seen in the mailbox")
			}
			return ch, err
		}
		return cadence.Stop(e, r, "seen in the mailbox", now)
	case classify.KindOutOfOffice:
		if e.Status == cadence.StatusPaused {
			return cadence.Change{}, errMailNoop
		}
		ch, err := cadence.Pause(e, oooUntil(m.ReturnDate, w, now), now)
		if err == nil {
			ch.Event.Detail = joinWords(ch.Event.Detail, "out of office (seen in the mailbox)")
		}
		return ch, err
	}
	return cadence.Change{}, fmt.Errorf("no action for a message of kind %q", kind)
}

// oooUntil is when a follow-up paused by an out-of-office resumes: one working day after the
// return date (the contact needs a day to catch up), at the start of the rep's working day; or 14
// days from now when no date was found, the date has passed, or it is more than
// cadence.MaxYearsAhead years ahead (a typo, or a reply written to stall the follow-up forever).
func oooUntil(ret time.Time, w cadence.Window, now time.Time) time.Time {
	loc := orUTC(w.Location)
	if ret.IsZero() || ret.After(cadence.LatestDate(dayOf(now, loc))) {
		return now.Add(oooPause)
	}
	back := time.Date(ret.Year(), ret.Month(), ret.Day(), 0, 0, 0, 0, loc)
	until := w.Next(w.Due(back, cadence.Gap{BusinessDays: 1}, cadence.IntentWarm))
	if !until.After(now) {
		return now.Add(oooPause)
	}
	return until
}

func joinWords(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// mailActionText says for people what became of the follow-up.
func mailActionText(e cadence.Enrollment, loc *time.Location, now time.Time) string {
	switch e.Status {
	case cadence.StatusPaused:
		return "paused until " + fmtWhen(e.PausedUntil, loc, now)
	case cadence.StatusCompleted:
		return "completed as " + lower(e.StopReason.Label())
	case cadence.StatusStopped:
		return "stopped as " + lower(e.StopReason.Label())
	}
	return string(e.Status)
}

// tellMail DMs the rep what a message from a contact was read as, what was done and why, with the
// first lines of the message quoted, an Undo button when undo is possible, and for a referral a
// button to enroll the person named.
func (b *Bot) tellMail(ctx context.Context, m cadence.MailSeen, c cadence.Contact, undo bool) error {
	text, blocks := renderMailDM(m, c, undo, b.cadenceName(ctx, m.EnrollmentID))
	var hooks postHooks
	if classify.Kind(m.Kind) != classify.KindOptOut {
		// Read again just before each attempt (a paced DM may wait out a 429): a contact who
		// opted out meanwhile is not the subject of a DM about a reply, an absence or a bounce
		// (whose Undo would only fail): the opt-out stopped that follow-up, and the Home and
		// /followup show why.
		hooks.before = func(ctx context.Context) error {
			v, err := b.store.Enrollment(ctx, m.EnrollmentID)
			if err != nil {
				return fmt.Errorf("read follow-up %s again: %w", m.EnrollmentID, err)
			}
			if v.Contact.DoNotContact {
				return errStopDispatch
			}
			return nil
		}
	}
	_, _, err := b.postHooked(ctx, m.Rep, hooks, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if errors.Is(err, errStopDispatch) {
		b.log.Info("mailbox DM not sent: the contact opted out meanwhile", "mail", m.ID, "follow_up", m.EnrollmentID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("tell %s about mail %d: %w", m.Rep, m.ID, err)
	}
	return nil
}

// cadenceName is the name of a follow-up's cadence, for the referral button.
func (b *Bot) cadenceName(ctx context.Context, enrollmentID string) string {
	v, err := b.store.Enrollment(ctx, enrollmentID)
	if err != nil {
		return ""
	}
	if cd, err := b.lib.Get(v.Enrollment.CadenceID); err == nil {
		return cd.Name
	}
	return v.Enrollment.CadenceID
}

// renderMailDM is the DM about one message read from the mailbox.
func renderMailDM(m cadence.MailSeen, c cadence.Contact, undo bool, cadenceName string) (string, []slack.Block) {
	who := escapeText(c.Label())
	var head string
	switch classify.Kind(m.Kind) {
	case classify.KindReply:
		head = fmt.Sprintf(":envelope_with_arrow: *%s* replied", who)
	case classify.KindReferral:
		head = fmt.Sprintf(":envelope_with_arrow: *%s* replied and points you to %s", who, escapeText(m.Referral))
	case classify.KindOutOfOffice:
		head = fmt.Sprintf(":palm_tree: *%s* is out of the office", who)
		if !m.ReturnDate.IsZero() {
			head += " until " + m.ReturnDate.Format("Mon 2 Jan")
		}
	case classify.KindBounce:
		head = fmt.Sprintf(":no_entry: Mail to *%s* bounced (%s)", who, escapeText(m.Sender))
	case classify.KindOptOut:
		head = fmt.Sprintf(":no_entry_sign: *%s* asked not to be contacted again", who)
	}
	head += " — seen in your mailbox."
	body := fmt.Sprintf("Follow-up `%s` %s. _Why: %s._", m.EnrollmentID, escapeText(m.Action), escapeText(m.Reason))
	if classify.Kind(m.Kind) == classify.KindOptOut {
		body = fmt.Sprintf("I %s: every follow-up of %s is stopped. _Why: %s._", escapeText(m.Action), who, escapeText(m.Reason))
		if undo {
			body += " If I misread the message (they only asked to be left off a thread, say), *Undo* takes the opt-out back and puts the follow-ups it stopped back where they were."
		}
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(head+"\n"+body), nil, nil)}
	if m.Snippet != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("> "+escapeText(truncate(m.Snippet, 280))), nil, nil))
	}
	var buttons []slack.BlockElement
	id := strconv.FormatInt(m.ID, 10)
	if undo {
		buttons = append(buttons, button(actionMailUndo, "Undo", id))
	}
	if classify.Kind(m.Kind) == classify.KindReferral && m.Referral != "" {
		label := "Enroll " + m.Referral
		if cadenceName != "" {
			label += " in " + cadenceName
		}
		buttons = append(buttons, button(actionMailRefer, truncate(label, 75), id))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("mail."+id, buttons...))
	}
	return head + " " + body, blocks
}

// onMailAction handles a click on a "seen in your mailbox" DM (the ack was sent already): Undo
// puts the follow-up back where it was; the referral button enrolls the person the contact named
// in the same cadence. Only the follow-up's owner or an admin may click. The reply and the error
// are for the person who clicked (answerClick).
func (b *Bot) onMailAction(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) (Reply, error) {
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || id <= 0 {
		return Reply{Text: "This button is out of date; nothing was changed."}, nil
	}
	m, err := b.store.MailSeen(ctx, id)
	if err != nil {
		return Reply{}, err
	}
	switch a.ActionID {
	case actionMailUndo:
		return b.undoMail(ctx, cb.User.ID, m)
	case actionMailRefer:
		return b.enrollReferral(ctx, cb.User.ID, m)
	default:
		return Reply{}, nil
	}
}

// undoMail puts back the follow-up a kept message changed: a completed or bounced one is active
// again at the step it was at, with its touch due when it was (or now); a paused one resumes.
// It returns ECONFLICT when it was undone already or the follow-up changed since.
func (b *Bot) undoMail(ctx context.Context, user string, m cadence.MailSeen) (Reply, error) {
	if !m.UndoneAt.IsZero() {
		return Reply{}, cadence.Errorf(cadence.ECONFLICT, "This was already undone.")
	}
	if classify.Kind(m.Kind) == classify.KindOptOut {
		return b.undoMailOptOut(ctx, user, m)
	}
	if m.ActedAt.IsZero() {
		return Reply{}, cadence.Errorf(cadence.ECONFLICT, "This message is still being acted on; try again in a minute.")
	}
	v, err := b.store.Enrollment(ctx, m.EnrollmentID)
	if err != nil {
		return Reply{}, err
	}
	if err := b.authorize(user, v.Enrollment); err != nil {
		return Reply{}, err
	}
	res, err := b.change(ctx, user, v, func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, now time.Time) (cadence.Change, error) {
		if err := b.authorize(user, cur.Enrollment); err != nil {
			return cadence.Change{}, err
		}
		if classify.Kind(m.Kind) == classify.KindOutOfOffice {
			return cadence.Resume(cd, cur.Enrollment, cur.Open, w, now)
		}
		return cadence.Reopen(cd, cur.Enrollment, cur.Contact, m.PriorStep, m.PriorDue, w, now)
	})
	if err != nil {
		return Reply{}, err
	}
	if err := b.store.MailUndone(ctx, m.ID, user, res.At); err != nil {
		return Reply{}, err
	}
	res.By = user
	b.publish(ctx, res)
	return textReply("Undone: follow-up `%s` is %s again.", m.EnrollmentID, res.View.Enrollment.Status), nil
}

// undoMailOptOut takes back an opt-out a message read from the mailbox recorded, because the rep
// (the follow-up's owner, or an admin) says it was misread: the contact may be contacted again and
// the follow-ups that opt-out stopped run again (store.UndoMailOptOut), their reminder DMs and the
// owners' Homes brought up to date. The event log keeps the opt-out and its undoing.
func (b *Bot) undoMailOptOut(ctx context.Context, user string, m cadence.MailSeen) (Reply, error) {
	v, err := b.store.Enrollment(ctx, m.EnrollmentID)
	if err != nil {
		return Reply{}, err
	}
	if err := b.authorize(user, v.Enrollment); err != nil {
		return Reply{}, err
	}
	back, err := b.store.UndoMailOptOut(ctx, m.ID, user, b.now())
	if err != nil {
		return Reply{}, err
	}
	c := stoppedBy(back, user, b.now()) // running again, as an opt-out's are stopped
	c.Before = v
	b.publish(ctx, c)
	b.log.Info("mail opt-out undone", "mail", m.ID, "by", user, "follow_ups", len(back))
	who := escapeText(v.Contact.Label())
	if len(back) == 0 {
		return textReply("Undone: %s is no longer marked do-not-contact. No follow-up was running to put back.", who), nil
	}
	ids := make([]string, 0, len(back))
	for _, nv := range back {
		ids = append(ids, "`"+nv.Enrollment.ID+"`")
	}
	return textReply("Undone: %s is no longer marked do-not-contact, and follow-up %s is running again where it was.", who, strings.Join(ids, ", ")), nil
}

// enrollReferral enrolls the person a kept message pointed to (see enrollReferralOf).
func (b *Bot) enrollReferral(ctx context.Context, user string, m cadence.MailSeen) (Reply, error) {
	if m.Referral == "" {
		return Reply{}, cadence.Errorf(cadence.EINVALID, "This message names nobody to enroll.")
	}
	v, err := b.store.Enrollment(ctx, m.EnrollmentID)
	if err != nil {
		return Reply{}, err
	}
	return b.enrollReferralOf(ctx, user, v, m.Referral)
}

// enrollReferralOf enrolls the person at addr, whom the contact of follow-up v pointed to, in v's
// cadence, owned by whoever clicked (v's owner or an admin), with a note saying who referred them.
// The store refuses an address that opted out (EOPTEDOUT) or is followed up already (ECONFLICT).
func (b *Bot) enrollReferralOf(ctx context.Context, user string, v cadence.EnrollmentView, addr string) (Reply, error) {
	if err := b.authorize(user, v.Enrollment); err != nil {
		return Reply{}, err
	}
	cd, err := b.lib.Get(v.Enrollment.CadenceID)
	if err != nil {
		return Reply{}, err
	}
	email, err := cadence.NormalizeEmail(addr)
	if err != nil {
		return Reply{}, err
	}
	w, _, err := b.repWindow(ctx, user)
	if err != nil {
		return Reply{}, err
	}
	now := b.now()
	local, _, _ := strings.Cut(email, "@")
	contact := cadence.Contact{Name: cadence.StripBidi(local), Email: email, Company: v.Contact.Company}
	e := cadence.Enrollment{Owner: user, Intent: cadence.IntentWarm,
		Note: "Referred by " + v.Contact.Label() + " (follow-up " + v.Enrollment.ID + ")"}
	nv, err := b.enroll(ctx, enrollPlan{Contact: contact, Enrollment: e, Cadence: cd}, w, now)
	if err != nil {
		return Reply{}, err
	}
	b.refreshHomes(ctx, user)
	return enrolledReply(nv, cd, w, now), nil
}
