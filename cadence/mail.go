package cadence

import (
	"fmt"
	"time"
)

// Mailbox is where a rep's mail is read for replies from contacts, and how far it has been read.
type Mailbox struct {
	Rep           string // Slack user id
	Address       string // set by the rep; "" means the rep's Slack profile email
	Provider      string // the reader the cursor belongs to: "gmail" or "graph"
	CursorAddress string // the address Cursor belongs to
	Cursor        string // a Gmail history id or a Graph delta link; "" to start over
	SeenUntil     time.Time
	Error         string    // why it could not be read last time; "" when it could
	ErrorReported time.Time // when the admins were last told of Error
}

// MailSeen is one message from a contact that followup read, as it is kept: the classification,
// the dates, the sender and at most 280 characters of the text, never the message itself.
type MailSeen struct {
	ID           int64
	Rep          string
	Provider     string
	MessageID    string
	EnrollmentID string
	ContactID    int64
	Sender       string
	Kind         string // "reply", "out_of_office", "bounce", "opt_out", "referral"
	Reason       string // why it was read so, for the rep
	ReturnDate   time.Time
	Referral     string
	Snippet      string
	ReceivedAt   time.Time
	SeenAt       time.Time

	ActedAt time.Time // zero until the follow-up was changed and the rep told
	Action  string    // what was done, for people: "completed as replied", "paused until Tue 17 Mar"
	// The follow-up as it was before, so Undo can put it back.
	PriorStatus Status
	PriorStep   int
	PriorDue    time.Time

	UndoneAt time.Time
	UndoneBy string
}

// EventReopened is the kind of the event of a follow-up put back after an automatic stop was undone.
const EventReopened = "reopened"

// Reopen puts back a follow-up that a message read from the mailbox ended (replied or bounced),
// because the rep undid it: the enrollment is active again at step, with a pending touchpoint due
// at due (or now, if that has passed, moved into the window). The event is "reopened".
//
// It returns a coded ECONFLICT error when the follow-up has not ended or ended otherwise (for
// instance the rep closed it since), and EOPTEDOUT when the contact opted out meanwhile.
func Reopen(c Cadence, e Enrollment, contact Contact, step int, due time.Time, w Window, now time.Time) (Change, error) {
	if contact.DoNotContact {
		return Change{}, Errorf(EOPTEDOUT, "%s opted out; follow-up %s stays stopped.", nameOr(contact), e.ID)
	}
	if !e.Status.Ended() || (e.StopReason != StopReplied && e.StopReason != StopBounced) {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s is %s now; there is nothing to undo.", e.ID, e.Status)
	}
	if step < 0 || step >= len(c.Steps) {
		return Change{}, Errorf(ECONFLICT, "Follow-up %s's cadence no longer has step %d.", e.ID, step+1)
	}
	if due.Before(now) {
		due = now
	}
	was := e.StopReason
	e.Status, e.StopReason, e.EndedAt, e.Step, e.UpdatedAt = StatusActive, "", time.Time{}, step, now
	return Change{
		Enrollment: e,
		Next:       &Touchpoint{EnrollmentID: e.ID, Step: step, Due: w.Next(due), State: TouchPending},
		Event:      event(e, EventReopened, step, fmt.Sprintf("undid %s", was), now),
	}, nil
}

func nameOr(c Contact) string {
	if c.Name != "" {
		return c.Name
	}
	if c.Email != "" {
		return c.Email
	}
	return "The contact"
}
