package bot

import (
	"regexp"
	"strings"
	"testing"
	"time"

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
	// Bob is in Berlin; start=2026-03-10 anchors at 09:00 there, and cold-email's first gap is 3bd.
	if got := v.Open.Due.In(mustLoc(t, "Europe/Berlin")).Format("2006-01-02 15:04"); got != "2026-03-13 09:00" {
		t.Errorf("first due %s, want 2026-03-13 09:00 Berlin", got)
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
