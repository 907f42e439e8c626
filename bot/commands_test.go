package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

var idRE = regexp.MustCompile("Follow-up id: `([a-z2-7]{6})`")

// mustAdd enrolls a contact with an inline add and returns the follow-up id.
func (h *harness) mustAdd(t *testing.T, user, args string) string {
	t.Helper()
	reply := h.slash(t, user, "add "+args)
	m := idRE.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("add %s: no follow-up id in reply:\n%s", args, reply)
	}
	return m[1]
}

func TestHelp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, text := range []string{"", "help", "  HELP "} {
		reply := h.slash(t, alice, text)
		for _, sc := range subcommands() {
			mustContain(t, reply, "/followup "+sc.name)
		}
		mustContain(t, reply, `e.g. `+"`"+`/followup add "Dana Lee" dana@acme.com`)
	}
}

func TestAddInlineShowsWholeSchedule(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reply := h.slash(t, alice, `add "Dana Lee" <mailto:Dana@Acme.com|Dana@Acme.com> company=Acme role="Head of Support" cadence=demo intent=hot note="response time is a challenge for her team"`)
	// Alice is in New York; it is Tue 3 Mar 09:00 there. demo: 1h, 2bd, 3bd, 5bd; hot halves them.
	mustContain(t, reply, "Enrolled *Dana Lee* (Acme)", "intent hot", "Follow-up id: `",
		"1. Tue 3 Mar 09:30 · Email", "2. Wed 4 Mar 09:30", "3. Fri 6 Mar 09:30", "4. Wed 11 Mar 09:30",
		"Times in America/New_York")
	id := idRE.FindStringSubmatch(reply)[1]

	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Contact
	if c.Name != "Dana Lee" || c.Email != "dana@acme.com" || c.Company != "Acme" || c.Role != "Head of Support" ||
		v.Enrollment.Owner != alice || v.Enrollment.Intent != cadence.IntentHot || v.Enrollment.Note != "response time is a challenge for her team" {
		t.Errorf("stored %+v / %+v", c, v.Enrollment)
	}

	list := h.slash(t, alice, "list")
	mustContain(t, list, "`"+id+"` *Dana Lee* · demo · step 1 of 4 · next Tue 3 Mar 09:30")
	if other := h.slash(t, bob, "list"); !strings.Contains(other, "no running follow-ups") {
		t.Errorf("bob sees alice's follow-ups:\n%s", other)
	}

	show := h.slash(t, alice, "show "+id)
	mustContain(t, show, "*Dana Lee*", "Head of Support", "dana@acme.com", "owner <@"+alice+">",
		"response time is a challenge", "*Timeline*", "1. Tue 3 Mar 09:30 · Email", "4. Wed 11 Mar 09:30")
}

func TestAddDefaultsAndStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, bob, `Sam Smith sam@example.org cadence=cold-email start=2026-03-10 decision=2026-06-30`)
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Contact.Name != "Sam Smith" || v.Enrollment.Intent != cadence.IntentWarm || v.Enrollment.DecisionDate.Format("2006-01-02") != "2026-06-30" {
		t.Errorf("stored %+v", v)
	}
	// Bob is in Berlin; start=2026-03-10 pushes the first touch to 09:00 there that day (cold-email's
	// first gap of 3bd from now ends before it), and leaves the interaction date alone.
	if got := v.Open.Due.In(mustLoc(t, "Europe/Berlin")).Format("2006-01-02 15:04"); got != "2026-03-10 09:00" {
		t.Errorf("first due %s, want 2026-03-10 09:00 Berlin", got)
	}
	if !v.Enrollment.TriggerAt.Before(v.Open.Due.Add(-24 * time.Hour)) {
		t.Errorf("start= moved the trigger date to %s", v.Enrollment.TriggerAt)
	}
}

// TestAddOnAndSMSConsent: on= dates the interaction (the first gap counts from it, a due time
// already past becomes the next working moment), sms=yes records consent, and bad values are
// refused with nothing saved.
func TestAddOnAndSMSConsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `"Dana Lee" +14155550100 cadence=form-fill on=yesterday sms=yes tz=Asia/Tokyo`)
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now()
	if d := now.Sub(v.Enrollment.TriggerAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("on=yesterday stored trigger %s, now %s", v.Enrollment.TriggerAt, now)
	}
	if !v.Contact.SMSConsent {
		t.Errorf("sms=yes not recorded: %+v", v.Contact)
	}
	if v.Open.Due.Before(now) {
		t.Errorf("first due %s is before now %s", v.Open.Due, now)
	}
	mustContain(t, h.slash(t, alice, "show "+id), "texts OK", "Asia/Tokyo")
	if v.Contact.TimeZone != "Asia/Tokyo" {
		t.Errorf("tz= not recorded: %+v", v.Contact)
	}

	// Without consent the plan says the SMS step will be skipped.
	reply := h.slash(t, alice, `add "Lee Park" lee@example.org cadence=form-fill`)
	mustContain(t, reply, "will be skipped: no consent to texts")

	for _, bad := range []string{"on=2020-01-01", "on=someday", "sms=maybe", "on=2099-01-01", "tz=Mars/Base"} {
		got := h.slash(t, alice, `add "Ann Other" ann@example.org cadence=demo `+bad)
		mustContain(t, got, "Nothing was saved")
	}
}

func TestAddAcceptsEmojiAndRTL(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, name := range []string{"🚀 Rocket Żółć", "שלום עולם", "مرحبا"} {
		id := h.mustAdd(t, alice, `"`+name+`" cadence=demo`)
		v, err := h.store.Enrollment(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Contact.Name != name {
			t.Errorf("stored name %q, want %q", v.Contact.Name, name)
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `Dana dana@acme.com cadence=demo`)
	tests := []struct{ text, want string }{
		{"lsit", "Did you mean `/followup list`?"},
		{"frobnicate", "I don't know `frobnicate`"},
		{"add cadence=demo", "name is missing"},
		{"add Eve eve@@x cadence=demo", `"eve@@x" is not an email address`},
		{"add Eve email=nope cadence=demo", `"nope" is not an email address`},
		{"add Eve", "Which cadence? Add `cadence=` with one of: `demo`, `cold-email`"},
		{"add Eve cadence=webinar", `There is no cadence "webinar". Use one of: ` + "`demo`"},
		{"add Eve cadence=demo intent=lukewarm", `Intent "lukewarm" is not one of hot, warm, cold`},
		{"add Eve cadence=demo decision=2026-02-30", `"2026-02-30" is not a date`},
		{"add Eve cadence=demo decision=soon", `"soon" is not a date`},
		{"add Eve cadence=demo decision=2026-03-02", "decision date 2026-03-02 is in the past"},
		{"add Eve cadence=demo start=2025-01-01", "first touch date 2025-01-01 is in the past"},
		{"add Eve cadence=demo start=tomorrow", "must be `now` or a date"},
		{`add Eve cadence=demo note="` + strings.Repeat("n", 2001) + `"`, "The note is 2001 characters long; keep it under 2000"},
		{"add " + strings.Repeat("x", 10000), "That command is 10004 characters long; the limit is 4000"},
		{`add "Eve Unclosed cadence=demo`, "A double quote (\") is not closed"},
		{"add Eve cadense=demo", "Unknown option `cadense=`. Did you mean `cadence=`?"},
		{"add Eve cadence=demo colour=blue", "Unknown option `colour=`"},
		{"add Eve a@b.co c@d.co cadence=demo", "Two email addresses"},
		{"show nosuch", "There is no follow-up with id `nosuch`"},
		{"show", "Usage: `/followup show <id>`"},
		{"show ../../etc", "There is no follow-up with id"},
		{"pause nosuch", "There is no follow-up with id `nosuch`"},
		{"pause " + id + " until=someday", `"someday" is not a date`},
		{"pause " + id + " until=2026-03-01", "until=2026-03-01 is not in the future"},
		{"resume " + id, "not paused"},
		{"snooze " + id + " 2x", "2x"},
		{"snooze " + id, "Usage: `/followup snooze <id> <duration>`"},
		{"signal " + id, "What happened?"},
		{"reassign " + id + " @sam", `"@sam" is not a Slack user`},
		{"reassign " + id + " <@" + alice + "|alice>", "already belongs to"},
		{"optout nobody@", `"nobody@" is not an email address`},
		{"optout nosuch", "There is no follow-up with id"},
		{"away 2026-04-10 2026-04-06", "ends (2026-04-06) before it starts"},
		{"away someday 2026-04-06", `"someday" is not a date`},
		{"settings hours=25:00-17:00", "25:00-17:00"},
		{"settings days=Funday", "Funday"},
		{"settings tz=Mars/Olympus", `Unknown time zone "Mars/Olympus"`},
		{"settings colour=blue", "Unknown option `colour=`"},
		{"list everything", "Usage: `/followup list"},
	}
	before := h.snapshot(t, alice)
	for _, tt := range tests {
		got := h.slash(t, alice, tt.text)
		if !strings.Contains(got, tt.want) {
			t.Errorf("/followup %.50s\n got %q\nwant it to contain %q", tt.text, got, tt.want)
		}
		if strings.Contains(got, "Something went wrong") {
			t.Errorf("/followup %.50s: internal error %q", tt.text, got)
		}
	}
	if after := h.snapshot(t, alice); after != before {
		t.Errorf("bad input changed the state:\nbefore %s\nafter  %s", before, after)
	}
}

// snapshot renders everything a user's bad input could change: their follow-ups (with their
// touchpoints and events) and their settings.
func (h *harness) snapshot(t *testing.T, user string) string {
	t.Helper()
	var b strings.Builder
	vs, err := h.store.ListEnrollments(h.ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		ts, _ := h.store.Touchpoints(h.ctx, v.Enrollment.ID)
		evs, _ := h.store.Events(h.ctx, v.Enrollment.ID)
		sig, _ := h.store.Signals(h.ctx, v.Enrollment.ID)
		fmt.Fprintf(&b, "%+v %+v %+v %d %d|", v.Enrollment, v.Contact, ts, len(evs), len(sig))
	}
	r, _ := h.store.GetRep(h.ctx, user)
	fmt.Fprintf(&b, "%+v", r)
	return b.String()
}

func TestSteering(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `Dana dana@acme.com cadence=demo`)
	state := func() (cadence.Enrollment, *cadence.Touchpoint) {
		t.Helper()
		v, err := h.store.Enrollment(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return v.Enrollment, v.Open
	}

	// A snooze counts from now (09:00 in New York).
	mustContain(t, h.slash(t, alice, "snooze "+id+" 2d"), "Snoozed follow-up `"+id+"`", "Next touch: Thu 5 Mar 09:00")
	if _, open := state(); open.Due.Format(time.RFC3339) != "2026-03-05T14:00:00Z" {
		t.Errorf("snoozed due %v", open.Due)
	}
	mustContain(t, h.slash(t, alice, "skip "+id), "Skipped the current touch of follow-up `"+id+"`")
	if e, open := state(); e.Step != 1 || open.Step != 1 {
		t.Errorf("after skip: step %d, open %+v", e.Step, open)
	}
	mustContain(t, h.slash(t, alice, "signal "+id+" asked for pricing"), "Noted for `"+id+"`", "asked for pricing")
	if e, _ := state(); e.Intent != cadence.IntentHot {
		t.Errorf("signal left intent %s", e.Intent)
	}
	mustContain(t, h.slash(t, alice, "pause "+id+" until=2026-04-01"), "Paused follow-up `"+id+"`", "until Wed 1 Apr 09:00")
	if e, _ := state(); e.Status != cadence.StatusPaused {
		t.Errorf("status %s after pause", e.Status)
	}
	mustContain(t, h.slash(t, alice, "list"), "paused until Wed 1 Apr")
	mustContain(t, h.slash(t, alice, "show "+id), "paused until", "asked for pricing", "1. ", "skipped")
	mustContain(t, h.slash(t, alice, "resume "+id), "Resumed follow-up `"+id+"`", "Next touch:")
	mustContain(t, h.slash(t, alice, "stop "+id+" went with a competitor"), "Stopped follow-up `"+id+"`", "went with a competitor")
	if e, _ := state(); e.Status != cadence.StatusStopped || e.StopReason != cadence.StopManual {
		t.Errorf("after stop: %s %s", e.Status, e.StopReason)
	}
	mustContain(t, h.slash(t, alice, "stop "+id), "ended")
	mustContain(t, h.slash(t, alice, "show "+id), "Ended: stopped by the rep")
	mustContain(t, h.slash(t, alice, "list"), "no running follow-ups")
}

func TestDue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mustContain(t, h.slash(t, alice, "due"), "Nothing is due right now")
	id := h.mustAdd(t, alice, `Dana dana@acme.com cadence=demo`)
	mustContain(t, h.slash(t, alice, "due"), "Nothing is due")
	h.clock.Advance(2 * time.Hour)
	mustContain(t, h.slash(t, alice, "due"), "*Due now* (1", "`"+id+"` *Dana*", "*due* since Tue 3 Mar 10:00")
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `Dana dana@acme.com cadence=demo`)
	before := h.snapshot(t, alice)
	for _, cmd := range []string{"show", "pause", "resume", "stop", "skip", "snooze %s 1d", "signal %s hi", "reassign %s <@" + bob + ">"} {
		text := cmd + " " + id
		if strings.Contains(cmd, "%s") {
			text = fmt.Sprintf(cmd, id)
		}
		mustContain(t, h.slash(t, bob, text), "is not yours", "<@"+alice+">")
	}
	if after := h.snapshot(t, alice); after != before {
		t.Errorf("a stranger changed the follow-up:\nbefore %s\nafter  %s", before, after)
	}
	// An admin may; the new owner may too, and the old one no longer.
	mustContain(t, h.slash(t, admin, "reassign "+id+" <@"+bob+"|bob>"), "now belongs to <@"+bob+">")
	mustContain(t, h.slash(t, bob, "list"), "`"+id+"` *Dana*")
	mustContain(t, h.slash(t, alice, "pause "+id), "is not yours")
	mustContain(t, h.slash(t, bob, "pause "+id), "Paused follow-up")
}

func TestOptOutByAnyone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `Dana <mailto:dana@acme.com|dana@acme.com> cadence=demo`)
	mustContain(t, h.slash(t, bob, "optout <mailto:Dana@acme.com|Dana@acme.com> asked us to stop"), "Dana will not be contacted again", "Stopped follow-up `"+id+"`")
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Enrollment.Status != cadence.StatusStopped || !v.Contact.DoNotContact || v.Contact.DNCBy != bob {
		t.Errorf("after opt-out: %+v %+v", v.Enrollment, v.Contact)
	}
	// Enrolling them again is refused with the date and the reason.
	mustContain(t, h.slash(t, alice, "add Dana dana@acme.com cadence=cold-email"), "opted out on 3 Mar 2026", "asked us to stop")
	// By id, too.
	id2 := h.mustAdd(t, alice, `Lee lee@acme.com cadence=demo`)
	mustContain(t, h.slash(t, bob, "optout "+id2), "Lee will not be contacted again")
}

// TestOptOutBeforeEnrollment: an opt-out of an address no follow-up named yet is kept, and a
// later enrollment of that address, by anyone, is refused with the date and the reason.
func TestOptOutBeforeEnrollment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mustContain(t, h.slash(t, bob, "optout sam@globex.com unsubscribed from the newsletter"),
		"sam@globex.com will not be contacted again")
	mustContain(t, h.slash(t, alice, `add "Sam Ortiz" Sam@Globex.com cadence=demo`),
		"opted out on 3 Mar 2026", "unsubscribed from the newsletter")
	if vs, err := h.store.ListEnrollments(h.ctx, ""); err != nil || len(vs) != 0 {
		t.Errorf("follow-ups after a refused add: %d (%v)", len(vs), err)
	}
	// A second opt-out keeps the first date and reason.
	mustContain(t, h.slash(t, alice, "optout sam@globex.com changed my mind"), "will not be contacted again")
	c, err := h.store.ContactByEmail(h.ctx, "sam@globex.com")
	if err != nil {
		t.Fatal(err)
	}
	if c.DNCReason != "unsubscribed from the newsletter" || c.DNCBy != bob {
		t.Errorf("do-not-contact record = %q by %s, want the first one", c.DNCReason, c.DNCBy)
	}
}

func TestAddRefusesContactActiveElsewhere(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `Dana dana@acme.com cadence=demo`)
	reply := h.slash(t, bob, "add Dana DANA@acme.com cadence=cold-email")
	mustContain(t, reply, id, alice)
	if strings.Contains(reply, "Follow-up id:") {
		t.Errorf("enrolled twice: %s", reply)
	}
}

func TestSettingsAndAway(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mustContain(t, h.slash(t, alice, "settings"), "Hours: 09:00-17:00 (team default)", "Days: Mon-Fri (team default)", "Time zone: America/New_York (from your Slack profile)", "Away: not away")
	mustContain(t, h.slash(t, alice, "settings hours=8:30-16:30 days=Mon-Thu tz=Europe/Berlin"), "Saved", "Hours: 08:30-16:30", "Days: Mon-Thu", "Time zone: Europe/Berlin (set by you")
	r, err := h.store.GetRep(h.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hours != "08:30-16:30" || r.Days != "Mon-Thu" || r.TimeZone != "Europe/Berlin" || !r.TZManual {
		t.Errorf("stored %+v", r)
	}
	// New enrollments follow the new window: 15:00 Berlin now, demo's first touch 1h later.
	mustContain(t, h.slash(t, alice, "add Dana cadence=demo"), "1. Tue 3 Mar 16:00", "Times in Europe/Berlin")
	mustContain(t, h.slash(t, alice, "settings tz=auto"), "Time zone: America/New_York (from your Slack profile)")

	mustContain(t, h.slash(t, alice, "away 2026-04-06 2026-04-10"), "You're away from Mon 6 Apr to Fri 10 Apr")
	mustContain(t, h.slash(t, alice, "settings"), "Away: 2026-04-06 to 2026-04-10")
	mustContain(t, h.slash(t, alice, "away off"), "Welcome back")
	mustContain(t, h.slash(t, alice, "away off"), "You were not away")
}

func TestCadences(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reply := h.slash(t, alice, "cadences")
	for _, id := range cadence.Builtin().IDs() {
		mustContain(t, reply, "*"+id+"* — ")
	}
	mustContain(t, reply, "1. after 1h · Email")
}

// TestListOfHundredsFitsBlockKit: a list of 300 follow-ups fits one section, with the exact
// count of those left out; with short names more lines fit than one page of the list holds
// (fillBatch), and the lines of the next page follow in order.
func TestListOfHundredsFitsBlockKit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, format string
		morePages    bool
	}{{"long names", "Contact number %03d with a long name", false}, {"short names", "C%03d", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			listOfHundreds(t, tc.format, tc.morePages)
		})
	}
}

func listOfHundreds(t *testing.T, format string, morePages bool) {
	h := newHarness(t)
	lib := cadence.Builtin()
	cd, err := lib.Get("demo")
	if err != nil {
		t.Fatal(err)
	}
	w := cadence.DefaultWindow()
	for i := range 300 {
		e := cadence.Enrollment{Owner: alice, CadenceID: cd.ID, Intent: cadence.IntentWarm}
		ch, err := cadence.Start(cd, e, w, h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		c := cadence.Contact{Name: fmt.Sprintf(format, i), Email: fmt.Sprintf("c%d@example.org", i)}
		if _, err := h.store.Enroll(h.ctx, c, ch, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	r := h.slashFull(t, slacktest.SlashCommand{UserID: alice, Text: "list"})
	mustContain(t, r.Text, "300 running", "more follow-ups")
	var blocks []struct {
		Text struct{ Text string } `json:"text"`
	}
	if err := json.Unmarshal(r.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if n := utf8.RuneCountInString(b.Text.Text); n > maxSectionText {
			t.Errorf("a section of %d characters", n)
		}
	}
	// The list reads only the contacts of the lines it shows (enrollmentLines); the count of the
	// rest must still be exact, and the lines shown Queue's first, in its order, with their names.
	last := blocks[len(blocks)-1].Text.Text
	shown := strings.Count(last, "\n`") + 1
	if shown < 10 || shown >= 300 || (shown > fillBatch) != morePages {
		t.Fatalf("%d lines shown (more than one page of %d expected: %v):\n%s", shown, fillBatch, morePages, last)
	}
	mustContain(t, last, fmt.Sprintf("…and %d more follow-ups", 300-shown))
	vs, err := h.store.Queue(h.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(last, "\n")[:shown] {
		if want := "`" + vs[i].Enrollment.ID + "` *" + vs[i].Contact.Name + "*"; !strings.HasPrefix(l, want) {
			t.Errorf("line %d = %q, want it to start %q", i, l, want)
		}
	}
}

// TestAddUnderstandsSlackFormatting: Slack turns typed addresses into markup before the bot sees
// them; the stored contact holds what the rep typed.
func TestAddUnderstandsSlackFormatting(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, `“Dana Lee” <mailto:dana@acme.com|dana@acme.com> phone=<tel:+15550100199|+1 555 010 0199> `+
		`linkedin=<https://www.linkedin.com/in/dana-lee|linkedin.com/in/dana-lee> company="Acme &amp; Sons" cadence=demo`)
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Contact
	if c.Name != "Dana Lee" || c.Email != "dana@acme.com" || !strings.Contains(c.Phone, "5550100199") ||
		!strings.Contains(c.LinkedIn, "linkedin.com/in/dana-lee") || c.Company != "Acme & Sons" {
		t.Errorf("stored %+v", c)
	}
}

func TestHelpShowsOptOutReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mustContain(t, h.slash(t, alice, "help"), "/followup optout <email or id> [reason]")
}
