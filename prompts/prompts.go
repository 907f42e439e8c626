// Package prompts turns one due step of an enrollment into a drafted message that the rep may send.
//
// A Request carries everything a draft needs: the contact, the trigger, the cadence's goal, the
// step's channel and purpose, the rep's notes, intent signals and the earlier touches of the same
// enrollment. A Drafter turns it into a Draft. Three drafters exist: OpenAIDrafter asks any
// OpenAI-compatible chat-completions server, Offline fills deterministic templates with no model at
// all, and Checked (made by WithFallback) runs Check on every draft, retries a model once with the
// reason a draft was rejected, and falls back to the offline draft whenever the model fails.
//
// The bot never contacts anyone itself: a draft is a suggestion shown to the rep in a DM.
// Drafts and notes are personal data; this package logs them at debug level at most.
package prompts

import (
	"context"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/profile"
)

// The sources of a draft, as stored with the touchpoint (Touchpoint.DraftSource).
const (
	SourceLLM     = "llm"     // written by a language model and accepted by Check
	SourceOffline = "offline" // written by the Offline drafter from templates
)

// Drafter writes the message for one due step. Implementations return coded errors from cadence:
// EOPTEDOUT when the contact is marked do-not-contact, EINVALID when the request cannot be drafted
// (an unknown channel, say), and EUNAVAIL when a model could not be reached.
type Drafter interface {
	Draft(ctx context.Context, r Request) (Draft, error)
}

// Request is everything a draft needs. The bot fills it from the enrollment, its cadence, the
// contact and the rep; zero values are allowed for everything but Step.Channel and Step.Purpose.
type Request struct {
	Contact cadence.Contact // name, company, role, email, phone, LinkedIn; DoNotContact stops drafting

	Trigger     cadence.Trigger // the interaction the cadence follows
	TriggerAt   time.Time       // when it happened; zero when unknown
	CadenceName string          // "After a demo"
	Goal        string          // what the contact should do: "book a call"

	StepIndex int          // k of "follow-up k of N", 1-based
	StepCount int          // N, the number of steps in the cadence
	Step      cadence.Step // the channel, purpose, purpose text and guidance of this touch

	// DecisionDate is the buyer's decision date (proposals); zero when none was given.
	DecisionDate time.Time
	// ContactTimeZone is the contact's IANA time zone when known, for a model to suggest times in.
	ContactTimeZone string

	Intent  cadence.Intent // how warm the contact is
	Note    string         // what the contact cares about, in the rep's words (data, never instructions)
	Signals []string       // intent signals in the rep's words ("asked for pricing")
	Earlier []Earlier      // earlier touches of this enrollment, oldest first; only sent ones count

	RepName string // the rep's name, used to sign the message and to name the SMS sender
	// Signature is the rep's own sign-off ("Sam Lee, Acme Support"); "" signs with RepName.
	Signature string
	// BookingLink is the rep's own link to pick a time; "" falls back to the profile's.
	BookingLink string
	// Profile is the seller's profile: the only source of facts and links a draft may add to the
	// contact's context. nil when the team has none.
	Profile  *profile.Profile
	Now      time.Time      // the time of drafting (passed in; this package never reads the clock)
	Location *time.Location // where dates are formatted; nil means UTC

	// Angle is 0 for the normal draft; each "New draft" asks for angle 1, 2, ... and gets a draft
	// written from a different angle.
	Angle int

	// Revise, when set, asks a model to rewrite a draft that Check rejected. Checked sets it for
	// the one retry; Render ignores it, and so does the Offline drafter.
	Revise *Revision
}

// Revision is a rejected draft and the reason Check gave, sent back to the model with the retry.
type Revision struct {
	Rejected Draft
	Reason   string
}

// Earlier is one earlier touch of the same enrollment, shown to the model so that the new draft
// takes a different angle, and compared with the new draft by Check.
type Earlier struct {
	Step    int             // 1-based index of the step in the cadence
	Channel cadence.Channel // where it was sent
	Purpose cadence.Purpose // its job
	Draft   string          // the drafted text as stored (Draft.Text); may be empty
	Outcome cadence.Outcome // what the rep logged; "" when nothing yet
}

// Sent reports whether the touch went out: skipped and snoozed touches did not, and the drafters
// and checks ignore them.
func (e Earlier) Sent() bool {
	return e.Outcome != cadence.OutcomeSkipped && e.Outcome != cadence.OutcomeSnoozed && e.Draft != ""
}

// sent returns the earlier touches that went out, oldest first.
func (r Request) sent() []Earlier {
	var out []Earlier
	for _, e := range r.Earlier {
		if e.Sent() {
			out = append(out, e)
		}
	}
	return out
}

// booking returns the link where the contact can pick a time: the rep's, else the profile's.
func (r Request) booking() string {
	if r.BookingLink != "" {
		return r.BookingLink
	}
	if r.Profile != nil {
		return r.Profile.Booking
	}
	return ""
}

// WithProfile returns a drafter that sets p as the profile of every request that has none, so the
// drafters and checks behind it see it. A nil p returns d itself.
func WithProfile(d Drafter, p *profile.Profile) Drafter {
	if p == nil {
		return d
	}
	return withProfile{d, p}
}

type withProfile struct {
	d Drafter
	p *profile.Profile
}

func (w withProfile) Draft(ctx context.Context, r Request) (Draft, error) {
	if r.Profile == nil {
		r.Profile = w.p
	}
	return w.d.Draft(ctx, r)
}

// Draft is a drafted message. For the phone channel the Body is a call script with the sections
// "Opener:", "Point:", "Ask:" and "Voicemail:"; for in_person it is a list of talking points.
type Draft struct {
	Subject string // email only; "" for every other channel
	Body    string

	Source string // SourceLLM or SourceOffline
	Model  string // the model that wrote an LLM draft; "" for an offline draft

	// PromptTokens and CompletionTokens count every model request made for this draft, including
	// a rejected first attempt and failed requests whose usage was reported, so that cost reports
	// stay honest even when the offline draft was used in the end.
	PromptTokens     int
	CompletionTokens int

	// Fallback says, in a few words fit for logs and the DM, why the offline draft replaced the
	// model's ("timeout", "rate limited", "rejected twice: filler"); "" when none was needed.
	Fallback string
}

// Text is the draft as one string, the form stored with the touchpoint and shown in the DM:
// "Subject: ..." and a blank line before the body when there is a subject.
func (d Draft) Text() string {
	if d.Subject == "" {
		return d.Body
	}
	return "Subject: " + d.Subject + "\n\n" + d.Body
}

// EstimateTokens estimates the number of model tokens in s as its length in bytes divided by four,
// rounded up. That is the usual rule of thumb for English text with BPE tokenizers; it is meant for
// budgets and benchmarks, not billing.
func EstimateTokens(s string) int {
	return (len(s) + 3) / 4
}

// firstName returns the first word of a full name, or "" for an empty name.
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
