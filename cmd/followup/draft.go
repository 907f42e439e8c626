package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
)

// draftFlags are the flags of "followup draft": the step and a contact described on the command line.
type draftFlags struct {
	cadenceID, name, company, role, email, phone, linkedin, note string
	decision, on, intent, rep, signature, booking, tz, now       string
	contactTZ                                                    string
	signals                                                      []string
	step, angle                                                  int
	all, smsConsent, asJSON                                      bool
}

// draftLine is one line of "followup draft --json".
type draftLine struct {
	Step     int               `json:"step"`
	Channel  cadence.Channel   `json:"channel"`
	Purpose  cadence.Purpose   `json:"purpose"`
	Source   string            `json:"source"`
	Subject  string            `json:"subject"`
	Text     string            `json:"text"`
	Checks   []prompts.Verdict `json:"checks"`
	Skipped  string            `json:"skipped,omitempty"`
	Fallback string            `json:"fallback,omitempty"`
	Due      string            `json:"due,omitempty"`
}

func cmdDraft(ctx context.Context, e *env, args []string) error {
	var f draftFlags
	fs := e.fs
	fs.StringVar(&f.cadenceID, "cadence", "", "the cadence id (required; see followup cadences)")
	fs.IntVar(&f.step, "step", 1, "the step to draft, 1-based")
	fs.BoolVar(&f.all, "all", false, "draft every step in order, each earlier one taken as sent")
	fs.StringVar(&f.name, "name", "", "the contact's name")
	fs.StringVar(&f.company, "company", "", "the contact's company")
	fs.StringVar(&f.role, "role", "", "the contact's role")
	fs.StringVar(&f.email, "email", "", "the contact's email")
	fs.StringVar(&f.phone, "phone", "", "the contact's phone number")
	fs.StringVar(&f.linkedin, "linkedin", "", "the contact's LinkedIn URL")
	fs.StringVar(&f.note, "note", "", "what the contact cares about, in your words")
	fs.Func("signal", "an intent signal (repeatable)", func(s string) error { f.signals = append(f.signals, s); return nil })
	fs.StringVar(&f.decision, "decision", "", "the buyer's decision date, YYYY-MM-DD")
	fs.StringVar(&f.on, "on", "", "when the interaction happened: today, yesterday, a weekday or YYYY-MM-DD (default: now)")
	fs.StringVar(&f.intent, "intent", "warm", "hot, warm or cold")
	fs.BoolVar(&f.smsConsent, "sms-consent", false, "the contact agreed to texts")
	fs.StringVar(&f.rep, "rep", "", "the rep's name")
	fs.StringVar(&f.signature, "signature", "", "the rep's sign-off (default: the rep's name)")
	fs.StringVar(&f.booking, "booking", "", "the rep's booking link (default: the profile's)")
	fs.StringVar(&f.contactTZ, "contact-tz", "", "the contact's time zone, IANA name, when known")
	fs.StringVar(&f.tz, "tz", "", "the time zone of dates and working hours (default FOLLOWUP_TIMEZONE)")
	fs.StringVar(&f.now, "now", "", "the moment of drafting, RFC 3339 or YYYY-MM-DDTHH:MM (default: the clock)")
	fs.IntVar(&f.angle, "angle", 0, "0 for the normal draft; 1, 2, ... as the New draft button gives")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object a line")
	rest, c, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("draft takes flags only; unexpected %q", rest[0])}
	}
	lib, err := loadLibrary(c.CadencesFile)
	if err != nil {
		return err
	}
	reqs, cd, dues, err := f.requests(lib, c, time.Now())
	if err != nil {
		return err
	}
	d := newDrafter(c, slog.New(slog.DiscardHandler), nil)
	first, last := f.step, f.step
	if f.all {
		first, last = 1, len(cd.Steps)
	}
	var earlier []prompts.Earlier
	for k := first; k <= last; k++ {
		r := reqs[k-1]
		r.Earlier = append([]prompts.Earlier(nil), earlier...)
		line := draftLine{Step: k, Channel: r.Step.Channel, Purpose: r.Step.Purpose, Due: dues[k-1].Format(time.RFC3339)}
		if why := cadence.SMSBlocked(r.Step.Channel, r.Contact, f.smsConsent); why != "" {
			line.Source, line.Skipped, line.Checks = "skipped", why, []prompts.Verdict{}
		} else {
			dr, err := d.Draft(ctx, r)
			if err != nil {
				return fmt.Errorf("draft step %d: %w", k, err)
			}
			if r.Profile == nil {
				r.Profile = c.Profile
			}
			line.Source, line.Subject, line.Text, line.Fallback = dr.Source, dr.Subject, dr.Text(), dr.Fallback
			line.Checks = prompts.Checks(r, dr)
			earlier = append(earlier, prompts.Earlier{Step: k, Channel: r.Step.Channel, Purpose: r.Step.Purpose,
				Draft: dr.Text(), Outcome: cadence.OutcomeSent})
		}
		printDraftLine(e.stdout, line, f.asJSON, len(cd.Steps))
	}
	return nil
}

func printDraftLine(w io.Writer, l draftLine, asJSON bool, n int) {
	if asJSON {
		b, _ := json.Marshal(l)
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "== step %d of %d: %s, %s (%s)\n", l.Step, n, l.Channel, l.Purpose, l.Source)
	if l.Skipped != "" {
		fmt.Fprintf(w, "skipped: %s\n\n", l.Skipped)
		return
	}
	fmt.Fprintln(w, l.Text)
	var failed []string
	for _, v := range l.Checks {
		if !v.Pass {
			failed = append(failed, v.Rule+": "+v.Reason)
		}
	}
	if len(failed) == 0 {
		fmt.Fprintf(w, "-- checks: all %d pass\n\n", len(l.Checks))
	} else {
		fmt.Fprintf(w, "-- checks FAILED:\n   %s\n\n", strings.Join(failed, "\n   "))
	}
}

// requests builds the request of every step of the cadence, each drafted at its due time (never
// before --now), and returns the cadence and the due times. Bad input is a usageError of one line.
func (f draftFlags) requests(lib *cadence.Library, c Config, clock time.Time) ([]prompts.Request, cadence.Cadence, []time.Time, error) {
	if f.cadenceID == "" {
		return nil, cadence.Cadence{}, nil, usageError{"draft needs --cadence ID; see followup cadences"}
	}
	cd, err := lib.Get(f.cadenceID)
	if err != nil {
		return nil, cadence.Cadence{}, nil, usageError{cadence.ErrorMessage(err)}
	}
	if !f.all && (f.step < 1 || f.step > len(cd.Steps)) {
		return nil, cd, nil, usageError{fmt.Sprintf("--step %d is out of range; cadence %s has steps 1 to %d", f.step, cd.ID, len(cd.Steps))}
	}
	loc := c.Team.Location
	if f.tz != "" {
		l, err := time.LoadLocation(f.tz)
		if err != nil || strings.EqualFold(f.tz, "local") {
			return nil, cd, nil, usageError{fmt.Sprintf("--tz %q is not a time zone; use an IANA name such as Europe/Berlin", f.tz)}
		}
		loc = l
	}
	if loc == nil {
		loc = time.UTC
	}
	now := clock.In(loc)
	if f.now != "" {
		t, err := parseMoment(f.now, loc)
		if err != nil {
			return nil, cd, nil, err
		}
		now = t
	}
	on := now
	if f.on != "" {
		t, err := cadence.ParseOn(f.on, now, loc)
		if err != nil {
			return nil, cd, nil, usageError{"--on: " + cadence.ErrorMessage(err)}
		}
		on = t
	}
	var decision time.Time
	if f.decision != "" {
		t, err := time.ParseInLocation(cadence.DateLayout, f.decision, loc)
		if err != nil {
			return nil, cd, nil, usageError{fmt.Sprintf("--decision %q is not a date; use YYYY-MM-DD", f.decision)}
		}
		decision = t.Add(17 * time.Hour)
	}
	intent := cadence.Intent(strings.ToLower(f.intent))
	if intent != cadence.IntentHot && intent != cadence.IntentWarm && intent != cadence.IntentCold {
		return nil, cd, nil, usageError{fmt.Sprintf("--intent %q is not an intent; use hot, warm or cold", f.intent)}
	}
	ct := cadence.Contact{Name: f.name, Company: f.company, Role: f.role}
	if f.email != "" {
		if ct.Email, err = cadence.NormalizeEmail(f.email); err != nil {
			return nil, cd, nil, usageError{"--email: " + cadence.ErrorMessage(err)}
		}
	}
	if f.phone != "" {
		if ct.Phone, err = cadence.NormalizePhone(f.phone); err != nil {
			return nil, cd, nil, usageError{"--phone: " + cadence.ErrorMessage(err)}
		}
	}
	if f.linkedin != "" {
		if ct.LinkedIn, err = cadence.NormalizeLinkedIn(f.linkedin); err != nil {
			return nil, cd, nil, usageError{"--linkedin: " + cadence.ErrorMessage(err)}
		}
	}
	if f.contactTZ != "" {
		l, err := time.LoadLocation(f.contactTZ)
		if err != nil || strings.EqualFold(f.contactTZ, "local") {
			return nil, cd, nil, usageError{fmt.Sprintf("--contact-tz %q is not a time zone; use an IANA name such as Europe/Berlin", f.contactTZ)}
		}
		ct.TimeZone = l.String()
	}
	if f.angle < 0 {
		return nil, cd, nil, usageError{"--angle must be 0 or more"}
	}
	w := c.Team
	w.Location = loc
	e := cadence.Enrollment{Trigger: cd.Trigger, TriggerAt: on, Intent: intent, DecisionDate: decision}
	dues := make([]time.Time, len(cd.Steps))
	var reqs []prompts.Request
	for i, st := range cd.Steps {
		if i == 0 {
			dues[0] = cadence.FirstDue(cd, e, w, now)
		} else {
			dues[i] = w.Due(dues[i-1], st.Gap, intent)
		}
		at := dues[i]
		if !f.all {
			at = now // one step alone is drafted at --now
		}
		reqs = append(reqs, prompts.Request{
			Contact: ct, Trigger: cd.Trigger, TriggerAt: on, CadenceName: cd.Name, Goal: cd.Goal,
			StepIndex: i + 1, StepCount: len(cd.Steps), Step: st, DecisionDate: decision, Intent: intent,
			ContactTimeZone: ct.TimeZone, Note: f.note, Signals: f.signals, RepName: f.rep, Signature: f.signature, BookingLink: f.booking,
			Now: at, Location: loc, Angle: f.angle,
		})
	}
	return reqs, cd, dues, nil
}

// parseMoment reads --now: RFC 3339, "2006-01-02T15:04", "2006-01-02 15:04" or a date (09:00).
func parseMoment(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation(cadence.DateLayout, s, loc); err == nil {
		return t.Add(9 * time.Hour), nil
	}
	return time.Time{}, usageError{fmt.Sprintf("--now %q is not a moment; use RFC 3339 (2026-03-16T10:00:00Z) or 2026-03-16T10:00", s)}
}
