package cadence

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The kinds of Event the state machine records besides outcomes (an outcome's event has the
// outcome as its kind: "sent", "replied", ...). EventReminded is recorded by the dispatcher.
const (
	EventEnrolled   = "enrolled"
	EventStopped    = "stopped"
	EventPaused     = "paused"
	EventResumed    = "resumed"
	EventReminded   = "reminded"
	EventSignal     = "signal"
	EventReassigned = "reassigned"
	// EventOptOutUndone is an admin's undo of a contact's opt-out recorded by mistake; its detail
	// is the admin's reason. It is about the contact as a whole, like the opt-out.
	EventOptOutUndone = "opt_out_undone"
)

// The enrollment state machine. Each function is pure: it takes the enrollment as stored (and its
// open touchpoint where that matters), the cadence and the rep's window where due times are
// computed, and now; it returns the Change for the store to persist in one transaction, or a
// coded error for a person. Every Change sets Enrollment.UpdatedAt to now and carries one Event
// (At, enrollment, contact, cadence, step, rep, kind and detail filled in). Event.Actor is always
// left to the caller, who knows who acted (a Slack user id, or "bot").
//
// A Change that ends an enrollment (completed or stopped) sets EndedAt and StopReason and clears
// the pause; it closes the open touchpoint itself only in Apply (done, with the outcome). Stop and
// the timeline checks leave Close empty and rely on the store cancelling the open touchpoint of an
// enrollment that ended.

// event returns the Event of a change to e.
func event(e Enrollment, kind string, step int, detail string, now time.Time) Event {
	return Event{At: now, EnrollmentID: e.ID, ContactID: e.ContactID, CadenceID: e.CadenceID, Step: step,
		Rep: e.Owner, Kind: kind, Detail: detail}
}

// end returns e ended for reason at now.
func end(e Enrollment, r StopReason, now time.Time) Enrollment {
	e.Status, e.StopReason, e.EndedAt, e.UpdatedAt = r.Status(), r, now, now
	e.PausedAt, e.PausedUntil = time.Time{}, time.Time{}
	return e
}

// dnc sets the do-not-contact mark on ch for the reasons that call for it (opted out, complained).
func dnc(ch *Change, r StopReason) {
	if r == StopOptedOut || r == StopComplained {
		ch.DoNotContact, ch.DNCReason = true, string(r)
	}
}

// live returns nil when e is active or paused, and otherwise a coded ECONFLICT error saying what
// already happened: "Follow-up k3f9a2 already ended: replied on Tue 3 Mar." (dates in loc).
func live(e Enrollment, loc *time.Location) error {
	switch e.Status {
	case StatusActive, StatusPaused:
		return nil
	case StatusCompleted, StatusStopped:
		what := strings.ToLower(e.StopReason.Label())
		if e.StopReason == "" {
			what = string(e.Status)
		}
		if !e.EndedAt.IsZero() {
			what += " on " + e.EndedAt.In(loc).Format("Mon 2 Jan")
		}
		return Errorf(ECONFLICT, "Follow-up %s already ended: %s.", e.ID, what)
	}
	return Errorf(ECONFLICT, "Follow-up %s has not started.", e.ID)
}

// Start enrolls e in cadence c at now: Status active at step 0, CadenceID, Trigger (the cadence's
// unless set), TriggerAt (now unless set: see FirstDue for a backdated or future one), Intent
// (warm unless set), CreatedAt. Change.Next is the touchpoint of step 0, due at FirstDue; the
// event is "enrolled".
//
// It returns a coded EINVALID error for a cadence without steps, an unknown intent or a decision
// date that has already passed (TimelinePassed), and ECONFLICT for an enrollment that has a status.
func Start(c Cadence, e Enrollment, w Window, now time.Time) (Change, error) {
	if len(c.Steps) == 0 {
		return Change{}, Errorf(EINVALID, "The cadence %q has no steps.", c.ID)
	}
	if e.Status != "" {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s is already %s.", e.ID, e.Status)
	}
	if e.Intent == "" {
		e.Intent = IntentWarm
	} else if !slices.Contains(Intents, e.Intent) {
		return Change{}, Errorf(EINVALID, "unknown intent %q; use %s", e.Intent, orList(Intents))
	}
	if TimelinePassed(e, w, now) {
		return Change{}, Errorf(EINVALID, "The decision date %s has already passed; use a later date or no decision date.",
			e.DecisionDate.Format(DateLayout))
	}
	e.CadenceID = c.ID
	if e.Trigger == "" {
		e.Trigger = c.Trigger
	}
	if e.TriggerAt.IsZero() {
		e.TriggerAt = now
	}
	e.Status, e.StopReason, e.Step = StatusActive, "", 0
	e.PausedAt, e.PausedUntil, e.EndedAt = time.Time{}, time.Time{}, time.Time{}
	e.CreatedAt, e.UpdatedAt = now, now
	return Change{
		Enrollment: e,
		Next:       &Touchpoint{EnrollmentID: e.ID, Step: 0, Due: FirstDue(c, e, w, now), State: TouchPending},
		Event:      event(e, EventEnrolled, 0, fmt.Sprintf("%s, %s intent", c.ID, e.Intent), now),
	}, nil
}

// Apply logs outcome o for the open touchpoint of e at now, closing it (done, with o):
//
//   - sent: the next step's touchpoint is due at Plan(c, e, w, step, now)[1], that is w.Due(now,
//     its gap, the intent), or paced toward the decision date for a proposal. After the final step
//     the enrollment completes with final_sent; when the decision date has passed it stops with
//     timeline_passed instead of a next touch.
//   - replied, meeting_booked, deal_closed: completes the enrollment with that reason when the
//     cadence stops on it (Cadence.StopsOn; all built-ins do). A cadence that does not stop on it
//     goes on as if the touch were sent: the reply is logged and the next step follows.
//   - opted_out, complained: stops the enrollment with that reason and marks the contact
//     do-not-contact (Change.DoNotContact).
//   - bounced: stops the enrollment with bounced (the address is wrong, not the person unwilling).
//   - snoozed: a new touchpoint for the same step, due at w.Due(now, snooze, warm): a snooze is
//     the rep's own time, not scaled by intent. snooze must be more than zero.
//   - skipped: the next step without a send, due as after sent; skipping the final step completes
//     the enrollment with final_sent (the cadence ran to its end; nothing more is planned).
//
// snooze is used only for snoozed. Event kind is the outcome.
//
// It returns a coded EINVALID error for an unknown outcome or a snooze of zero; ECONFLICT when the
// enrollment has ended (saying how and when), when the touchpoint is no longer open or is not the
// enrollment's current step, and when sent, skipped or snoozed is logged on a paused enrollment.
func Apply(c Cadence, e Enrollment, open Touchpoint, o Outcome, snooze Gap, w Window, now time.Time) (Change, error) {
	if err := live(e, w.loc()); err != nil {
		return Change{}, err
	}
	if !slices.Contains(Outcomes, o) {
		return Change{}, Errorf(EINVALID, "unknown outcome %q; use %s", o, orList(Outcomes))
	}
	if !open.State.Open() {
		what := string(open.State)
		if open.Outcome != "" {
			what = strings.ToLower(open.Outcome.Label())
		}
		return Change{}, Errorf(ECONFLICT, "This touch of follow-up %s was already logged: %s.", e.ID, what)
	}
	if open.Step != e.Step {
		return Change{}, Errorf(ECONFLICT, "This touch of follow-up %s is out of date: the follow-up is at step %d now.", e.ID, e.Step+1)
	}
	advancing := o == OutcomeSent || o == OutcomeSkipped || o == OutcomeSnoozed
	if advancing && e.Status == StatusPaused {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s is paused; resume it first.", e.ID)
	}
	e.UpdatedAt = now
	ch := Change{Close: TouchDone, Outcome: o}
	detail := ""
	switch o {
	case OutcomeReplied, OutcomeMeetingBooked, OutcomeDealClosed:
		if r := StopReason(o); c.StopsOn(r) {
			e = end(e, r, now)
			break
		}
		detail = fmt.Sprintf("the cadence does not stop on %s; went on as sent", o)
		e, ch.Next, detail = advance(c, e, w, now, detail)
	case OutcomeOptedOut, OutcomeComplained, OutcomeBounced:
		r := StopReason(o)
		e = end(e, r, now)
		dnc(&ch, r)
	case OutcomeSent, OutcomeSkipped:
		e, ch.Next, detail = advance(c, e, w, now, "")
	case OutcomeSnoozed:
		if snooze.Wall < 0 || snooze.BusinessDays < 0 || snooze.IsZero() {
			return Change{}, Errorf(EINVALID, "A snooze needs a gap of more than 0, like 2h, 1d or 2bd.")
		}
		if TimelinePassed(e, w, now) {
			e = end(e, StopTimelinePassed, now)
			detail = "the decision date has passed"
			break
		}
		due := w.Due(now, snooze, IntentWarm)
		ch.Next = &Touchpoint{EnrollmentID: e.ID, Step: e.Step, Due: due, State: TouchPending}
		detail = "snoozed " + snooze.String()
	}
	ch.Enrollment = e
	ch.Event = event(e, string(o), open.Step, detail, now)
	return ch, nil
}

// advance moves e past its current step at now: the next step's touchpoint, or the end of the
// enrollment (final_sent after the last step, timeline_passed after the decision date).
func advance(c Cadence, e Enrollment, w Window, now time.Time, detail string) (Enrollment, *Touchpoint, string) {
	if e.Step >= len(c.Steps)-1 {
		return end(e, StopFinalSent, now), nil, detail
	}
	if TimelinePassed(e, w, now) {
		return end(e, StopTimelinePassed, now), nil, joinDetail(detail, "the decision date has passed")
	}
	due := nextDue(c, e, w, e.Step, now)
	e.Step++
	return e, &Touchpoint{EnrollmentID: e.ID, Step: e.Step, Due: due, State: TouchPending}, detail
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// Stop ends e at now for reason, with detail (the rep's words, may be empty) recorded in the
// "stopped" event as "reason: detail". Reasons that Complete (replied, meeting booked, deal closed,
// final sent) complete the enrollment; the others stop it. Opted out and complained also mark the
// contact do-not-contact. The store cancels the open touchpoint.
//
// It returns a coded EINVALID error for an unknown reason and ECONFLICT when e has already ended.
func Stop(e Enrollment, reason StopReason, detail string, now time.Time) (Change, error) {
	if err := live(e, time.UTC); err != nil {
		return Change{}, err
	}
	if !slices.Contains(StopReasons, reason) {
		return Change{}, Errorf(EINVALID, "unknown stop reason %q; use %s", reason, orList(StopReasons))
	}
	step := e.Step
	e = end(e, reason, now)
	ch := Change{Enrollment: e, Event: event(e, EventStopped, step, joinReason(reason, detail), now)}
	dnc(&ch, reason)
	return ch, nil
}

func joinReason(r StopReason, detail string) string {
	if d := strings.TrimSpace(detail); d != "" {
		return string(r) + ": " + d
	}
	return string(r)
}

// Pause pauses e at now until the given time (the zero time for an open-ended pause). The open
// touchpoint stays as it is; the dispatcher reminds no one of a paused enrollment's touch and calls
// Resume once PausedUntil has passed. The event is "paused" with the end date, if any.
//
// It returns a coded EINVALID error for an end that is not after now, and ECONFLICT when e is
// already paused or has ended.
func Pause(e Enrollment, until time.Time, now time.Time) (Change, error) {
	if err := live(e, time.UTC); err != nil {
		return Change{}, err
	}
	if e.Status == StatusPaused {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s is already paused.", e.ID)
	}
	if !until.IsZero() && !until.After(now) {
		return Change{}, Errorf(EINVALID, "A pause must end in the future.")
	}
	e.Status, e.PausedAt, e.PausedUntil, e.UpdatedAt = StatusPaused, now, until, now
	detail := ""
	if !until.IsZero() {
		detail = "until " + until.Format(time.RFC3339)
	}
	return Change{Enrollment: e, Event: event(e, EventPaused, e.Step, detail, now)}, nil
}

// Resume ends the pause of e at now; the dispatcher calls it too when PausedUntil has passed. The
// open touchpoint (nil when there is none) is moved later by the time the enrollment was paused,
// up to now or, for a pause with an end that has passed, up to PausedUntil, so the contact gets
// the same spacing as planned: due + paused time, never before now, then Next into the window
// (Change.MoveTo; zero when the due time does not change). When the decision date passed during
// the pause, the enrollment stops with timeline_passed instead (event "stopped"). The event is
// "resumed".
//
// It returns a coded ECONFLICT error when e is not paused.
func Resume(c Cadence, e Enrollment, open *Touchpoint, w Window, now time.Time) (Change, error) {
	if err := live(e, w.loc()); err != nil {
		return Change{}, err
	}
	if e.Status != StatusPaused {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s is not paused.", e.ID)
	}
	if TimelinePassed(e, w, now) {
		step := e.Step
		e = end(e, StopTimelinePassed, now)
		return Change{Enrollment: e, Event: event(e, EventStopped, step, string(StopTimelinePassed), now)}, nil
	}
	until := now
	if !e.PausedUntil.IsZero() && e.PausedUntil.Before(now) {
		until = e.PausedUntil
	}
	shift := until.Sub(e.PausedAt)
	if e.PausedAt.IsZero() || shift < 0 {
		shift = 0
	}
	e.Status, e.PausedAt, e.PausedUntil, e.UpdatedAt = StatusActive, time.Time{}, time.Time{}, now
	ch := Change{Enrollment: e}
	if open != nil && open.State.Open() {
		due := open.Due.Add(shift)
		if due.Before(now) {
			due = now
		}
		if due = w.Next(due); !due.Equal(open.Due) {
			ch.MoveTo = due
		}
	}
	ch.Event = event(e, EventResumed, e.Step, "paused "+humanDuration(shift), now)
	return ch, nil
}

// humanDuration writes a pause length for the event log: "3d 4h", "2h 5m", "0m".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/day), int(d%day/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}

// RecordSignal records an intent signal (text, in the rep's words: "asked for pricing") for e at
// now. A signal means the contact is warmer than thought: the intent goes up one level (cold to
// warm, warm to hot; hot stays hot), so later gaps shrink, and a pending open touchpoint of an
// active enrollment is pulled earlier: half of the time left until it is due, moved into the
// working window by Next, and only if that is earlier than before (Change.MoveTo). It is never
// moved into the past (the halfway point is after now) nor outside working hours. A touch already
// reminded, overdue, or of a paused enrollment stays where it is. The event is "signal" with the
// text.
//
// It returns a coded EINVALID error for empty text and ECONFLICT when e has ended.
func RecordSignal(c Cadence, e Enrollment, open *Touchpoint, w Window, text string, now time.Time) (Change, error) {
	if err := live(e, w.loc()); err != nil {
		return Change{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return Change{}, Errorf(EINVALID, "Say what the signal was, like “asked for pricing”.")
	}
	switch e.Intent {
	case IntentCold:
		e.Intent = IntentWarm
	case IntentWarm, "":
		e.Intent = IntentHot
	}
	e.UpdatedAt = now
	ch := Change{Enrollment: e}
	if e.Status == StatusActive && open != nil && open.State == TouchPending && open.Due.After(now) {
		if due := w.Next(now.Add(open.Due.Sub(now) / 2)); due.Before(open.Due) {
			ch.MoveTo = due
		}
	}
	ch.Event = event(e, EventSignal, e.Step, text, now)
	return ch, nil
}

// Reassign gives e to another rep (a Slack user id) at now; the event is "reassigned" with
// "from <old> to <new>". The open touchpoint keeps its due time: the dispatcher moves a touch that
// falls outside the new owner's working window when it comes due.
//
// It returns a coded EINVALID error for an empty owner and ECONFLICT when e has ended or already
// belongs to that rep.
func Reassign(e Enrollment, newOwner string, now time.Time) (Change, error) {
	if err := live(e, time.UTC); err != nil {
		return Change{}, err
	}
	newOwner = strings.TrimSpace(newOwner)
	if newOwner == "" {
		return Change{}, Errorf(EINVALID, "Say who should own follow-up %s.", e.ID)
	}
	if newOwner == e.Owner {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s already belongs to <@%s>.", e.ID, newOwner)
	}
	old := e.Owner
	e.Owner, e.UpdatedAt = newOwner, now
	return Change{Enrollment: e, Event: event(e, EventReassigned, e.Step, fmt.Sprintf("from %s to %s", old, newOwner), now)}, nil
}
