package prompts

import (
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

func TestGivenName(t *testing.T) {
	for in, want := range map[string]string{
		"Dr. Jane Smith": "Jane", "Smith, Jane": "Jane", "dana": "Dana", "DANA LEE": "Dana", "Whitfield,": "Whitfield",
		"J. Robert Lee": "Robert", "Prof. anne-marie o'neil": "Anne-Marie", "Mr. José García": "José", "DeShawn Jones": "DeShawn",
		"Lee, Dr. Ann": "Ann", "Smith, Jr.": "Smith", "support@acme.com": "", "": "", "J.": "", "李雷": "", "Dr.": "",
		"123 Corp": "", "  zoë  ": "Zoë", "Mary-jane": "Mary-jane",
	} {
		if got := GivenName(in); got != want {
			t.Errorf("GivenName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWhenPhrase(t *testing.T) {
	now := time.Date(2026, 3, 18, 10, 30, 0, 0, time.UTC) // Wednesday
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(-30 * time.Minute), "today"},
		{now.Add(-20 * time.Hour), "yesterday"},
		{now.AddDate(0, 0, -5), "on Friday"},
		{now.AddDate(0, 0, -9), "on 9 March"},
		{now.AddDate(-1, 0, 0), "on 18 March 2025"},
		{now.Add(time.Hour), ""}, // never a date after now
		{time.Time{}, ""},
	} {
		if got := whenPhrase(tc.at, now, time.UTC); got != tc.want {
			t.Errorf("whenPhrase(%s) = %q, want %q", tc.at, got, tc.want)
		}
	}
	// 23:30 UTC on Tuesday is already Wednesday in Tokyo: "today" there.
	if got := whenPhrase(time.Date(2026, 3, 17, 23, 30, 0, 0, time.UTC), now, mustLocation(t, "Asia/Tokyo")); got != "today" {
		t.Errorf("Tokyo: %q", got)
	}
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSecondPerson(t *testing.T) {
	for in, want := range map[string]string{
		"she wants her team on it":                 "you want your team on it",
		"wants SSO before rollout":                 "you want SSO before rollout",
		"He says his CFO signs off":                "your CFO signs off",
		"they're worried about the migration":      "you're worried about the migration",
		"Dana worries about cost":                  "you worry about cost",
		"told her about the pilot":                 "told you about the pilot",
		"she has a team of 12 and she is busy":     "you have a team of 12 and you are busy",
		"She said that response time is the issue": "response time is the issue",
	} {
		if got := secondPerson(in, "Dana"); got != want {
			t.Errorf("secondPerson(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignalTopic(t *testing.T) {
	for in, want := range map[string]string{
		"visited pricing page twice":          "pricing",
		"asked for a security review":         "a security review",
		"opened the email 4 times":            "",
		"downloaded the security whitepaper":  "the security whitepaper",
		"forwarded the proposal to their CFO": "",
		// The review of issue 10: deeds are no topic, a number naming a thing and a count in a
		// topic are kept, a bare noun phrase gets its article.
		"shared the deck with her CFO":           "",
		"liked the post on reconciliations":      "",
		"requested SOC 2 report":                 "the SOC 2 report",
		"asked about pricing for three entities": "the pricing for three entities",
		"viewed pricing page three times":        "pricing",
	} {
		if got := signalTopic(in); got != want {
			t.Errorf("signalTopic(%q) = %q, want %q", in, got, want)
		}
	}
	if got := signalWho("forwarded the proposal to their CFO"); got != "CFO" {
		t.Errorf("signalWho = %q", got)
	}
}

func TestParseOnIsCadences(t *testing.T) {
	// The interaction date parser lives in cadence; the drafts rely on it never giving a future time.
	now := time.Date(2026, 3, 18, 10, 30, 0, 0, time.UTC)
	for _, s := range []string{"today", "yesterday", "tuesday", "wed", "2026-03-01"} {
		got, err := cadence.ParseOn(s, now, time.UTC)
		if err != nil || got.After(now) {
			t.Errorf("ParseOn(%q) = %s, %v", s, got, err)
		}
	}
}
