package cadence

import (
	"errors"
	"time"
)

// The views the store hands out and the bot takes in: plain values built from the domain types,
// so the packages that exchange them need not know each other.

// EnrollmentView is an enrollment with its contact and its open touchpoint, if any.
type EnrollmentView struct {
	Enrollment Enrollment
	Contact    Contact
	Open       *Touchpoint // the pending or reminded touchpoint; nil when none is open
}

// ClaimState returns the part of tv a dispatcher checks before it posts.
func (tv TouchView) ClaimState() ClaimState {
	return ClaimState{State: tv.Touch.State, Due: tv.Touch.Due, Attempts: tv.Touch.Attempts,
		Status: tv.Enrollment.Status, Owner: tv.Enrollment.Owner, DoNotContact: tv.Contact.DoNotContact}
}

// Details is what a follow-up's DM and its show page draw on besides its EnrollmentView: every
// touchpoint by step, the signals logged, the permalink it was started on ("" when none) and the
// news of the company it was flagged with, oldest first.
type Details struct {
	Touches []Touchpoint
	Signals []Signal
	Link    string
	News    []CompanyNews
}

// ClaimState is what a dispatcher checks of a claimed touchpoint just before it posts the DM:
// whether a reminder is still due, to whom, and whether the claim is still its own (Attempts is
// the fencing token).
type ClaimState struct {
	State        TouchState
	Due          time.Time
	Attempts     int
	Status       Status // the follow-up's
	Owner        string
	DoNotContact bool
}

// StillDue reports whether the touchpoint still asks for a reminder at now: pending, due, of an
// active follow-up whose contact has not opted out.
func (s ClaimState) StillDue(now time.Time) bool {
	return s.State == TouchPending && !s.Due.After(now) && s.Status == StatusActive && !s.DoNotContact
}

// TouchView is one touchpoint with the enrollment it belongs to.
type TouchView struct {
	Touch Touchpoint
	EnrollmentView
}

// UpdateResult is what an update of one follow-up changed.
type UpdateResult struct {
	// View is the follow-up after the change.
	View EnrollmentView
	// Also lists the contact's other follow-ups that were stopped because the change marked the
	// contact do-not-contact: each with its enrollment as it is now and its open touchpoint as it
	// was before it was cancelled, so a reminder DM (DMChannel, DMTS) can be updated.
	Also []EnrollmentView
	// ClosedTouch is the touchpoint the change closed, as it is now (with its DM channel and ts);
	// nil when the change closed none.
	ClosedTouch *Touchpoint
}

// OptOutResult is what an opt-out did.
type OptOutResult struct {
	// Contact is the contact, do-not-contact, with when, why and by whom it was first recorded.
	Contact Contact
	// Stopped lists the follow-ups stopped by this opt-out, each with its open touchpoint as it
	// was before it was cancelled (a reminded one carries its DM's channel and ts).
	Stopped []EnrollmentView
}

// Claim is a due touchpoint taken by one dispatcher until its lease ends.
type Claim struct {
	TouchView
	// Attempts counts the claims of this touchpoint so far, this one included (1 the first time).
	// It is the token (fence) that the writes finishing the claim name.
	Attempts int
}

// Draft is a drafted message as stored with its touchpoint.
type Draft struct {
	Text, Source, Model            string
	PromptTokens, CompletionTokens int
}

// ErrLeaseLost is wrapped by the writes that finish a claim (saving a draft, marking a touchpoint
// reminded, releasing or rescheduling it, rechecking it) when the touchpoint was claimed again
// since the claim whose token they name: another dispatcher holds it now, and this one must leave
// it alone. Such errors carry ECONFLICT.
var ErrLeaseLost = errors.New("the claim was taken over by another dispatcher")

// BeatInterval is how often a dispatcher records a heartbeat while it holds claims; a dispatcher
// silent for a few intervals is taken for dead and its claims are taken over.
const BeatInterval = 5 * time.Second
