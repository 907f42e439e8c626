// Package cadence is the domain of followup: cadences and their steps, contacts, enrollments,
// touchpoints, outcomes and stop rules, the due-date math that places every touch inside a rep's
// working hours, and the enrollment state machine; and the plain views the other packages exchange
// (views.go: an enrollment with its contact and open touchpoint, a claim, the result of an update;
// report.go: the report's numbers). It imports only the standard library and a YAML
// parser; it knows nothing of SQL, Slack or language models.
//
// A cadence is the planned rhythm of contact after an earlier interaction (the trigger). Each step
// has one channel and one purpose; a stop rule ends the cadence when the other person replies,
// books a meeting, opts out, the deal closes, the decision date passes or the final step is sent.
package cadence

import (
	"time"
)

// Trigger is the interaction that starts a cadence.
type Trigger string

// The triggers a cadence can start from.
const (
	TriggerDemo            Trigger = "demo"
	TriggerColdEmail       Trigger = "cold_email"
	TriggerProposal        Trigger = "proposal"
	TriggerMissedMeeting   Trigger = "missed_meeting"
	TriggerFormFill        Trigger = "form_fill"
	TriggerEventChat       Trigger = "event_chat"
	TriggerCustomerCheckin Trigger = "customer_checkin"
	TriggerCustom          Trigger = "custom"
)

// Triggers lists every trigger in a stable order.
var Triggers = []Trigger{TriggerDemo, TriggerColdEmail, TriggerProposal, TriggerMissedMeeting,
	TriggerFormFill, TriggerEventChat, TriggerCustomerCheckin, TriggerCustom}

// Channel is the medium of one touch. The bot never contacts anyone itself: the channel tells the
// rep where to send the drafted message.
type Channel string

// The channels a step can use.
const (
	ChannelEmail    Channel = "email"
	ChannelPhone    Channel = "phone"
	ChannelLinkedIn Channel = "linkedin"
	ChannelSMS      Channel = "sms"
	ChannelInPerson Channel = "in_person"
)

// Channels lists every channel in a stable order.
var Channels = []Channel{ChannelEmail, ChannelPhone, ChannelLinkedIn, ChannelSMS, ChannelInPerson}

// Purpose is the one job of a step's message.
type Purpose string

// The purposes a step can have. PurposeCustom carries its own text in Step.PurposeText.
const (
	PurposeRecapNextStep Purpose = "recap_next_step"
	PurposeAnswerConcern Purpose = "answer_concern"
	PurposeShareContext  Purpose = "share_context"
	PurposeCloseLoop     Purpose = "close_loop"
	PurposeCustom        Purpose = "custom"
)

// Purposes lists every purpose in a stable order.
var Purposes = []Purpose{PurposeRecapNextStep, PurposeAnswerConcern, PurposeShareContext, PurposeCloseLoop, PurposeCustom}

// Intent is how warm the contact is. Hot contacts are followed up faster, cold ones given more space.
type Intent string

// The intents of an enrollment.
const (
	IntentHot  Intent = "hot"
	IntentWarm Intent = "warm"
	IntentCold Intent = "cold"
)

// Intents lists every intent in a stable order.
var Intents = []Intent{IntentHot, IntentWarm, IntentCold}

// Outcome is what a rep logs for a touchpoint, or what the bot records on its own.
type Outcome string

// The outcomes of a touchpoint.
const (
	OutcomeSent          Outcome = "sent"
	OutcomeReplied       Outcome = "replied"
	OutcomeMeetingBooked Outcome = "meeting_booked"
	OutcomeOptedOut      Outcome = "opted_out"
	OutcomeBounced       Outcome = "bounced"
	OutcomeComplained    Outcome = "complained"
	OutcomeSnoozed       Outcome = "snoozed"
	OutcomeSkipped       Outcome = "skipped"
	OutcomeDealClosed    Outcome = "deal_closed"
)

// Outcomes lists every outcome in a stable order.
var Outcomes = []Outcome{OutcomeSent, OutcomeReplied, OutcomeMeetingBooked, OutcomeOptedOut,
	OutcomeBounced, OutcomeComplained, OutcomeSnoozed, OutcomeSkipped, OutcomeDealClosed}

// StopReason says why an enrollment ended.
type StopReason string

// The reasons an enrollment ends. Replied, meeting booked, deal closed and final sent complete it;
// the others stop it.
const (
	StopReplied        StopReason = "replied"
	StopMeetingBooked  StopReason = "meeting_booked"
	StopDealClosed     StopReason = "deal_closed"
	StopFinalSent      StopReason = "final_sent"
	StopOptedOut       StopReason = "opted_out"
	StopComplained     StopReason = "complained"
	StopBounced        StopReason = "bounced"
	StopTimelinePassed StopReason = "timeline_passed"
	StopManual         StopReason = "manual"
	StopRepGone        StopReason = "rep_gone"
)

// StopReasons lists every stop reason in a stable order (the order reports use).
var StopReasons = []StopReason{StopReplied, StopMeetingBooked, StopDealClosed, StopFinalSent,
	StopOptedOut, StopComplained, StopBounced, StopTimelinePassed, StopManual, StopRepGone}

// Status is where an enrollment stands.
type Status string

// The states of an enrollment. Completed and stopped are final.
const (
	StatusActive    Status = "active"
	StatusPaused    Status = "paused"
	StatusCompleted Status = "completed"
	StatusStopped   Status = "stopped"
)

// TouchState is where a touchpoint stands.
type TouchState string

// The states of a touchpoint. A touchpoint is pending until the dispatcher reminds the rep
// (reminded), then done once an outcome is logged; cancelled when its enrollment stops or its
// schedule is replaced before it was reminded.
const (
	TouchPending   TouchState = "pending"
	TouchReminded  TouchState = "reminded"
	TouchDone      TouchState = "done"
	TouchCancelled TouchState = "cancelled"
)

// Cadence is a named plan of touches after one kind of interaction.
type Cadence struct {
	ID      string  // short and readable: "demo", "cold-email"
	Name    string  // for people: "After a demo"
	Trigger Trigger // the interaction it follows
	Goal    string  // what the contact should do: "book a call"
	Steps   []Step
	// StopOn lists the outcomes that end this cadence besides the ones that always do (opted out,
	// complained, final sent, timeline passed). Built-ins stop on replied, meeting booked, deal closed.
	StopOn  []StopReason
	Builtin bool // true for the embedded library (false when a cadence file overrides it)
}

// Step is one planned touch of a cadence.
type Step struct {
	Gap         Gap     // time after the previous touch; for the first step, after enrollment
	Channel     Channel // where the rep sends it
	Purpose     Purpose // its one job
	PurposeText string  // the job in words when Purpose is PurposeCustom
	Guidance    string  // advice for the writer of the message
}

// Contact is a person being followed up with. Contacts are deduplicated by normalized email, else
// phone, else LinkedIn URL.
type Contact struct {
	ID       int64
	Name     string
	Email    string // normalized (lower case), may be empty
	Phone    string // normalized (digits and a leading +), may be empty
	LinkedIn string // normalized URL, may be empty
	Company  string
	Role     string
	// SMSConsent records that the contact agreed to texts ("sms=yes"); without it an SMS step is
	// skipped when it comes due, never drafted.
	SMSConsent bool
	TimeZone   string // the contact's IANA time zone when known ("tz=" on add); "" when not

	DoNotContact bool
	DNCAt        time.Time // when the opt-out was recorded
	DNCReason    string    // e.g. "opted_out", "complained", or the rep's words
	DNCBy        string    // Slack user id of whoever recorded it
}

// Enrollment is one contact in one cadence, owned by one rep.
type Enrollment struct {
	ID        string // short, readable, unique: "k3f9a2"
	ContactID int64
	Owner     string // Slack user id of the rep
	CadenceID string

	Trigger      Trigger
	TriggerAt    time.Time // when the interaction happened (the anchor of the first step)
	Intent       Intent
	DecisionDate time.Time // zero when none; for proposals, the buyer's decision date
	Note         string    // what the contact cares about, in the rep's words (personal data)

	// Link and SourceKey say where the follow-up came from when it was started from Slack; both are
	// written by the store's Enroll and read back with its Link and EnrollmentBySource, not with
	// every enrollment. Link is the permalink of the message it was started on ("" when none), shown
	// in every reminder; SourceKey is the key of the request that started it (a Workflow Builder
	// step's execution id), so that a redelivered request does not enroll twice.
	Link      string
	SourceKey string

	Status      Status
	StopReason  StopReason // set when Status is completed or stopped
	Step        int        // index into Cadence.Steps of the current (open) touch
	PausedAt    time.Time  // set while paused
	PausedUntil time.Time  // zero for an open-ended pause

	CreatedAt time.Time
	UpdatedAt time.Time
	EndedAt   time.Time
}

// Touchpoint is one step of one enrollment that has come into being: at most one touchpoint of an
// enrollment is open (pending or reminded) at a time; later steps are planned, not stored.
type Touchpoint struct {
	ID           int64
	EnrollmentID string
	Step         int // index into Cadence.Steps
	Due          time.Time
	State        TouchState
	Outcome      Outcome // set when State is done
	Attempts     int     // dispatch attempts so far
	LeaseUntil   time.Time

	Draft       string // the drafted message (personal data: never logged at info)
	DraftSource string // "llm" or "offline"
	DraftModel  string
	DMChannel   string // Slack DM channel the reminder went to
	DMTS        string // Slack ts of the reminder DM

	DoneAt time.Time
	DoneBy string
}

// Signal is an intent signal a rep recorded for an enrollment ("asked for pricing").
type Signal struct {
	EnrollmentID string
	Text         string
	At           time.Time
	By           string
}

// Event is one line of the append-only log of what happened: the source of reports.
type Event struct {
	ID           int64
	At           time.Time
	EnrollmentID string
	ContactID    int64
	CadenceID    string
	Step         int // -1 when not about a step
	Rep          string
	Actor        string // who did it (a Slack user id, or "bot")
	Kind         string // an Outcome, "enrolled", "stopped", "paused", "resumed", "reminded", "signal", "reassigned"
	Detail       string
}

// Rep is a Slack user who owns enrollments, with their working time. Empty fields fall back to
// the team defaults (FOLLOWUP_TIMEZONE, FOLLOWUP_WORK_HOURS, FOLLOWUP_WORK_DAYS).
type Rep struct {
	UserID      string
	Name        string
	TimeZone    string    // IANA name; "" means the team default
	TZManual    bool      // set with "settings tz=": users.info never overwrites it
	TZCheckedAt time.Time // when users.info was last asked for the time zone
	Hours       string    // "09:00-17:00"; "" means the team default
	Days        string    // "Mon-Fri"; "" means the team default
	AwayFrom    string    // "2006-01-02", inclusive; "" when not away
	AwayUntil   string    // "2006-01-02", inclusive; "" when not away
	Gone        bool      // Slack no longer knows this user (user_not_found, account_inactive)
	Booking     string    // the rep's own link to pick a time ("settings booking="); "" means the profile's
	Signature   string    // the rep's sign-off ("settings signature="); "" means the rep's name
}

// Change is what the enrollment state machine decided about one enrollment; the store persists it
// in one transaction, after checking that the enrollment and its open touchpoint are still the
// ones the change was computed from.
type Change struct {
	Enrollment Enrollment // the enrollment after the change

	// Close, when TouchDone or TouchCancelled, closes the open touchpoint with Outcome.
	// "" leaves the open touchpoint as it is.
	Close   TouchState
	Outcome Outcome

	// MoveTo, when not zero, moves the open touchpoint (which stays open) to this due time.
	MoveTo time.Time

	// Next, when not nil, is a new open touchpoint to create (State pending; ID is assigned by the store).
	Next *Touchpoint

	// DoNotContact marks the contact do-not-contact (opted out or complained), with DNCReason.
	DoNotContact bool
	DNCReason    string

	// Event is appended to the event log (the store fills in ID, enrollment, contact, cadence and rep).
	Event Event
}
