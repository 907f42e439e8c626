package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
)

// Limits on what a rep types when enrolling.
const (
	maxNoteLen  = 2000 // the note feeds the drafts; Slack's modal input has the same limit
	maxFieldLen = 200  // name, company, role, phone, email, LinkedIn URL
)

// addKeys are the key=value options of "add", in the order help lists them.
var addKeys = []string{"email", "phone", "linkedin", "company", "role", "cadence", "intent", "decision", "note", "start", "on", "sms", "tz"}

// addInput is what a rep asked to enroll, as typed (inline or in the modal), before validation.
type addInput struct {
	Name, Email, Phone, LinkedIn, Company, Role string
	Cadence, Intent, Decision, Note, Start      string
	On, SMS, TZ                                 string // when the interaction happened; consent to texts (yes/no); the contact's zone
}

// fieldError is a problem with one field of addInput, keyed by the addKeys name ("name" for
// the contact's name), so the modal can show it on its input.
type fieldError struct{ Field, Msg string }

// enrollPlan is a validated addInput: the contact and the enrollment to store.
type enrollPlan struct {
	Contact    cadence.Contact
	Enrollment cadence.Enrollment
	Cadence    cadence.Cadence
	NotBefore  time.Time // start=: the first touch is not due before it; zero for none
}

// cmdAdd enrolls a contact from the inline form `add <name> [email] [key=value …]`, or opens
// the modal when nothing follows "add".
func (b *Bot) cmdAdd(ctx context.Context, r request) (Reply, error) {
	if len(r.args) == 0 {
		if err := b.openAddModalIn(ctx, r.cmd.TriggerID, r.user, r.cmd.ChannelID); err != nil {
			return Reply{}, err
		}
		return Reply{}, nil
	}
	pos, opts, err := splitArgs(r.args, addKeys...)
	if err != nil {
		return Reply{}, err
	}
	in := addInput{Email: opts["email"], Phone: opts["phone"], LinkedIn: opts["linkedin"],
		Company: opts["company"], Role: opts["role"], Cadence: opts["cadence"], Intent: opts["intent"],
		Decision: opts["decision"], Note: opts["note"], Start: opts["start"], On: opts["on"], SMS: opts["sms"], TZ: opts["tz"]}
	var name []string
	for _, p := range pos {
		if strings.Contains(p, "@") && !strings.ContainsAny(p, " ") {
			if in.Email != "" {
				return Reply{}, cadence.Errorf(cadence.EINVALID, "Two email addresses (%s and %s): give one.", in.Email, p)
			}
			in.Email = p
			continue
		}
		name = append(name, p)
	}
	in.Name = strings.Join(name, " ")

	w, _, err := b.repWindow(ctx, r.user)
	if err != nil {
		return Reply{}, err
	}
	now := b.now()
	plan, errs := b.validateAdd(in, r.user, w, now)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Msg
		}
		return Reply{}, cadence.Errorf(cadence.EINVALID, "%s\nNothing was saved. Example: `/followup add \"Dana Lee\" dana@acme.com cadence=demo`", strings.Join(msgs, "\n"))
	}
	v, err := b.enroll(ctx, plan, w, now)
	if err != nil {
		return Reply{}, err
	}
	return enrolledReply(v, plan.Cadence, w, now), nil
}

// validateAdd checks every field of in and returns what to enroll, or every problem found.
func (b *Bot) validateAdd(in addInput, owner string, w cadence.Window, now time.Time) (enrollPlan, []fieldError) {
	var errs []fieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, fieldError{field, fmt.Sprintf(format, args...)})
	}
	var c cadence.Contact
	c.Name = strings.TrimSpace(cadence.StripBidi(in.Name))
	switch {
	case c.Name == "":
		bad("name", "The contact's name is missing: `/followup add \"Dana Lee\" dana@acme.com cadence=demo`.")
	case utf8.RuneCountInString(c.Name) > maxFieldLen:
		bad("name", "The name is longer than %d characters.", maxFieldLen)
	}
	if s := strings.TrimSpace(in.Email); s != "" {
		if e, err := cadence.NormalizeEmail(s); err != nil || utf8.RuneCountInString(s) > maxFieldLen {
			bad("email", "%q is not an email address.", truncate(s, 60))
		} else {
			c.Email = e
		}
	}
	if s := strings.TrimSpace(in.Phone); s != "" {
		if p, err := cadence.NormalizePhone(s); err != nil || utf8.RuneCountInString(s) > maxFieldLen {
			bad("phone", "%q is not a phone number.", truncate(s, 60))
		} else {
			c.Phone = p
		}
	}
	if s := strings.TrimSpace(in.LinkedIn); s != "" {
		if l, err := cadence.NormalizeLinkedIn(s); err != nil || utf8.RuneCountInString(s) > maxFieldLen {
			bad("linkedin", "%q is not a LinkedIn profile URL (like https://www.linkedin.com/in/dana-lee).", truncate(s, 60))
		} else {
			c.LinkedIn = l
		}
	}
	c.Company, c.Role = strings.TrimSpace(cadence.StripBidi(in.Company)), strings.TrimSpace(cadence.StripBidi(in.Role))
	if utf8.RuneCountInString(c.Company) > maxFieldLen {
		bad("company", "The company is longer than %d characters.", maxFieldLen)
	}
	if utf8.RuneCountInString(c.Role) > maxFieldLen {
		bad("role", "The role is longer than %d characters.", maxFieldLen)
	}

	var cd cadence.Cadence
	if id := strings.TrimSpace(in.Cadence); id == "" {
		bad("cadence", "Which cadence? Add `cadence=` with one of: %s. See them with `/followup cadences`.", b.cadenceIDs())
	} else if got, err := b.lib.Get(strings.ToLower(id)); err != nil {
		bad("cadence", "There is no cadence %q. Use one of: %s.", truncate(id, 40), b.cadenceIDs())
	} else {
		cd = got
	}

	intent := cadence.IntentWarm
	if s := strings.TrimSpace(in.Intent); s != "" {
		got, err := cadence.ParseIntent(s)
		if err != nil {
			bad("intent", "Intent %q is not one of hot, warm, cold.", truncate(s, 40))
		}
		intent = got
	}

	today := dayOf(now, w.Location)
	var decision time.Time
	if s := strings.TrimSpace(in.Decision); s != "" {
		d, err := cadence.ParseDate(s)
		switch {
		case err != nil:
			bad("decision", "The decision date %q is not a date; use YYYY-MM-DD, like %s.", truncate(s, 40), today.AddDate(0, 1, 0).Format(cadence.DateLayout))
		case d.Before(today):
			bad("decision", "The decision date %s is in the past.", d.Format(cadence.DateLayout))
		case d.After(cadence.LatestDate(today)):
			bad("decision", "The decision date %s is more than %d years ahead; use a date up to %s.", d.Format(cadence.DateLayout),
				cadence.MaxYearsAhead, cadence.LatestDate(today).Format(cadence.DateLayout))
		default:
			decision = d
		}
	}

	note := strings.TrimSpace(in.Note)
	if n := utf8.RuneCountInString(note); n > maxNoteLen {
		bad("note", "The note is %d characters long; keep it under %d.", n, maxNoteLen)
	}

	switch strings.ToLower(strings.TrimSpace(in.SMS)) {
	case "", "no", "n", "false", "off":
	case "yes", "y", "true", "on", "ok":
		c.SMSConsent = true
	default:
		bad("sms", "sms=%q: use sms=yes when the contact agreed to texts.", truncate(in.SMS, 20))
	}

	if s := strings.TrimSpace(in.TZ); s != "" {
		if loc, err := time.LoadLocation(s); err != nil || strings.EqualFold(s, "local") || len(s) > 60 {
			bad("tz", "tz=%q is not a time zone; use an IANA name such as Europe/Berlin.", truncate(s, 40))
		} else {
			c.TimeZone = loc.String()
		}
	}

	triggerAt := now
	if s := strings.TrimSpace(in.On); s != "" {
		t, err := cadence.ParseOn(s, now, w.Location)
		if err != nil {
			bad("on", "on=: %s", cadence.ErrorMessage(err))
		} else {
			triggerAt = t
		}
	}
	var notBefore time.Time
	if s := strings.ToLower(strings.TrimSpace(in.Start)); s != "" && s != "now" {
		d, err := cadence.ParseDate(s)
		switch {
		case err != nil:
			bad("start", "The first touch %q must be `now` or a date (YYYY-MM-DD).", truncate(s, 40))
		case d.Before(today):
			bad("start", "The first touch date %s is in the past.", d.Format(cadence.DateLayout))
		case d.After(cadence.LatestDate(today)):
			bad("start", "The first touch date %s is more than %d years ahead; use a date up to %s.", d.Format(cadence.DateLayout),
				cadence.MaxYearsAhead, cadence.LatestDate(today).Format(cadence.DateLayout))
		case !decision.IsZero() && d.After(decision):
			bad("start", "The first touch date %s is after the decision date.", d.Format(cadence.DateLayout))
		case d.After(today):
			t, err := w.StartOn(d.Format(cadence.DateLayout))
			if err != nil {
				bad("start", "%s", cadence.ErrorMessage(err))
			}
			notBefore = t
		}
	}
	if len(errs) > 0 {
		return enrollPlan{}, errs
	}
	e := cadence.Enrollment{Owner: owner, CadenceID: cd.ID, Trigger: cd.Trigger, TriggerAt: triggerAt,
		Intent: intent, DecisionDate: decision, Note: note}
	return enrollPlan{Contact: c, Enrollment: e, Cadence: cd, NotBefore: notBefore}, nil
}

// dayOf returns the calendar date of t in loc as midnight UTC, the way cadence.ParseDate returns
// dates, so the two compare.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(orUTC(loc)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// cadenceIDs lists the library's ids for messages: `demo`, `cold-email`, ….
func (b *Bot) cadenceIDs() string { return codeList(b.lib.IDs(), "") }

// enroll stores a validated enrollment with its first touchpoint. The store refuses a
// do-not-contact contact (EOPTEDOUT, with date and reason) and one already in a running
// follow-up (ECONFLICT, naming owner and follow-up).
func (b *Bot) enroll(ctx context.Context, p enrollPlan, w cadence.Window, now time.Time) (cadence.EnrollmentView, error) {
	ch, err := cadence.Start(p.Cadence, p.Enrollment, w, now)
	if err != nil {
		return cadence.EnrollmentView{}, err
	}
	// start= pushes the first touch later without moving the interaction (on=) it counts from.
	if ch.Next != nil && ch.Next.Due.Before(p.NotBefore) {
		ch.Next.Due = w.Next(p.NotBefore)
	}
	ch.Event.Actor = p.Enrollment.Owner
	return b.store.Enroll(ctx, p.Contact, ch, now)
}

// enrolledReply confirms an enrollment with its id and the whole planned schedule.
func enrolledReply(v cadence.EnrollmentView, cd cadence.Cadence, w cadence.Window, now time.Time) Reply {
	e := v.Enrollment
	who := "*" + escapeText(v.Contact.Label()) + "*"
	if v.Contact.Company != "" {
		who += " (" + escapeText(v.Contact.Company) + ")"
	}
	head := fmt.Sprintf("Enrolled %s in *%s* (`%s`), intent %s. Follow-up id: `%s`", who, escapeText(cd.Name), cd.ID, strings.ToLower(e.Intent.Label()), e.ID)
	if !e.DecisionDate.IsZero() {
		head += fmt.Sprintf(", decision date %s", fmtDay(e.DecisionDate, now))
	}
	head += "."
	return blocksReply(head, head, "*Planned schedule*\n"+scheduleText(v, cd, w, now, nil)+
		fmt.Sprintf("\n_Times in %s. I'll DM you when each touch is due, with a draft._", fmtZone(w.Location)))
}

// scheduleText lists the planned steps from the open touchpoint to the last step: when, where,
// why. done lists lines of past steps to put first.
func scheduleText(v cadence.EnrollmentView, cd cadence.Cadence, w cadence.Window, now time.Time, done []string) string {
	lines := append([]string(nil), done...)
	if v.Open != nil {
		due := cadence.Plan(cd, v.Enrollment, w, v.Open.Step, v.Open.Due)
		for j, t := range due {
			i := v.Open.Step + j
			suffix := ""
			if j == 0 && !t.After(now) {
				suffix = "_(due now)_"
			}
			if why := cadence.SMSBlocked(cd.Steps[i].Channel, v.Contact, v.Contact.SMSConsent); why != "" {
				suffix = "_(will be skipped: " + why + ")_"
			}
			lines = append(lines, stepLine(i, fmtWhen(t, w.Location, now), cd.Steps[i], suffix))
		}
	}
	if len(lines) == 0 {
		return "_Nothing planned._"
	}
	return joinLines(lines, maxSectionText-200, "steps")
}
