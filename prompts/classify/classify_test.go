package classify

import (
	"os"
	"strings"
	"testing"
	"time"
)

func mustCases(tb testing.TB) []Case {
	tb.Helper()
	cases, err := LoadCases(os.DirFS("testdata/cases"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(cases) < 60 {
		tb.Fatalf("the case set has %d messages; the issue asks for at least 60", len(cases))
	}
	return cases
}

// TestRulesCaseSet runs the rules on every case: every opt-out and bounce must be right, and at
// least 95% overall; each miss is listed.
func TestRulesCaseSet(t *testing.T) {
	cases := mustCases(t)
	s := Evaluate(cases, Rules)
	for _, m := range s.Misses {
		t.Log("miss:", m)
	}
	for _, k := range []Kind{KindOptOut, KindBounce} {
		if r := s.ByKind[k]; r[0] != r[1] || r[1] == 0 {
			t.Errorf("%s: %d of %d right; want all", k, r[0], r[1])
		}
	}
	// A wrong stop is worse than a missed one: nothing that is not an opt-out or a bounce may be
	// read as one.
	for _, c := range cases {
		if c.Want.Kind == KindOptOut || c.Want.Kind == KindBounce {
			continue
		}
		if got := Rules(c.Message); got.Kind == KindOptOut || got.Kind == KindBounce {
			t.Errorf("%s: read as %s (%s), want %s: a wrong stop", c.Name, got.Kind, got.Reason, c.Want.Kind)
		}
	}
	if p := Pct(s.Right, s.Total); p < 95 {
		t.Errorf("overall %.1f%% (%d of %d); want at least 95%%", p, s.Right, s.Total)
	}
}

func TestReturnDate(t *testing.T) {
	anchor := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		text string
		want time.Time
	}{
		{"back on 16 March", d(2026, 3, 16)},
		{"returning March 16th, 2026", d(2026, 3, 16)},
		{"bis zum 13.03.2026", d(2026, 3, 13)},
		{"bis 14. April", d(2026, 4, 14)},
		{"jusqu'au 12 mars", d(2026, 3, 12)},
		{"hasta el 12 de marzo", d(2026, 3, 12)},
		{"até 20/03/2026", d(2026, 3, 20)},
		{"fino al 13 marzo", d(2026, 3, 13)},
		{"tot en met 13 maart", d(2026, 3, 13)},
		{"back on 27 February", time.Time{}},       // just past: ignored
		{"back on 27 February 2026", time.Time{}},  // past with a year
		{"back on 5 January", time.Time{}},         // 56 days past: ignored, not next year
		{"back on 31 April", time.Time{}},          // no such day
		{"back Friday", d(2026, 3, 6)},             // a weekday
		{"back 2029-01-01", time.Time{}},           // more than a year away
		{"meeting at 10.30 then out", time.Time{}}, // a time is not a date
		{"", time.Time{}},
	} {
		if got := ReturnDate(tc.text, anchor); !got.Equal(tc.want) {
			t.Errorf("ReturnDate(%q) = %s, want %s", tc.text, day(got), day(tc.want))
		}
	}
}

func TestRulesBadInput(t *testing.T) {
	huge := strings.Repeat("lorem ipsum ", 1<<20) + " unsubscribe"
	r := Rules(Message{From: "bob@acme.com", Contact: "bob@acme.com", Body: huge})
	if r.Kind != KindReply {
		t.Errorf("10 MB body: %s, want reply (the opt-out lies past what is read)", r.Kind)
	}
	r = Rules(Message{From: "not an address", Contact: "bob@acme.com", Body: "remove me"})
	if r.Kind != KindNone {
		t.Errorf("unreadable From: %s, want none", r.Kind)
	}
	r = Rules(Message{From: "bob@acme.com", Contact: "bob@acme.com", Body: "\xff\xfe remove me"})
	if r.Kind != KindOptOut {
		t.Errorf("invalid UTF-8: %s, want opt_out", r.Kind)
	}
}

func TestSnippet(t *testing.T) {
	s := Snippet(strings.Repeat("é", 400) + "\n\nOn Mon, Alice wrote:\n> secret")
	if n := len([]rune(s)); n != 280 {
		t.Errorf("snippet has %d runes, want 280", n)
	}
	if strings.Contains(Snippet("ok\n\nOn Mon, 2 Mar 2026, Alice <a@b.c> wrote:\n> secret"), "secret") {
		t.Error("snippet keeps the quoted message")
	}
}

// TestOptOutScope: leaving a thread, a cc or a meeting is not leaving the follow-up; leaving a
// list is; a denial is not; a footer's "unsubscribe" is not the sender's.
func TestOptOutScope(t *testing.T) {
	for text, want := range map[string]Kind{
		"Please remove me from this thread.":                        KindReply,
		"Can you take me off the cc? Thanks":                        KindReply,
		"Take me off this email chain please":                       KindReply,
		"remove me from the meeting invite, Jane will go":           KindReply,
		"Please remove me from your list.":                          KindOptOut,
		"Take me off your mailing list.":                            KindOptOut,
		"Remove me from this thread. Also remove me from your list": KindOptOut,
		"Don't remove me, just not now.":                            KindReply,
		"Yes.\n-- \nBob\nUnsubscribe from Acme news":                KindReply,
		"Unsubscribe":                                           KindOptOut,
		"Remove me from your call list.":                        KindOptOut,
		"Take me off the call list please":                      KindOptOut,
		"I'd like to unsubscribe from your emails.":             KindOptOut,
		"Under GDPR and your privacy policy, please remove me.": KindOptOut,
		"Please update my email preferences: no more emails.":   KindOptOut,
	} {
		got := Rules(Message{From: "bob@acme.com", Contact: "bob@acme.com", Subject: "Re: demo", Body: text})
		if got.Kind != want {
			t.Errorf("%q: %s (%s), want %s", text, got.Kind, got.Reason, want)
		}
	}
}

// TestBounceNamesContact: a delivery notice stops the contact only when it names the contact's
// whole address as one that failed.
func TestBounceNamesContact(t *testing.T) {
	for _, tc := range []struct {
		failed, body string
		want         Kind
	}{
		{"", "550 5.1.1 <bob@acme.com>: user unknown", KindBounce},
		{"", "550 5.1.1 <bob@acme.com.au>: user unknown", KindNone},
		{"", "550 5.1.1 <jbob@acme.com>: user unknown", KindNone},
		{"", "550 5.1.1 carol@acme.com: user unknown\n------ This is a copy of the message, including all the headers. ------\nTo: bob@acme.com", KindNone},
		{"carol@acme.com", "550 5.1.1 user unknown\nTo: bob@acme.com", KindNone},
		{"Bob@Acme.com", "550 5.1.1 user unknown", KindBounce},
	} {
		h := map[string]string{}
		if tc.failed != "" {
			h["X-Failed-Recipients"] = tc.failed
		}
		got := Rules(Message{From: "MAILER-DAEMON@mx.ourco.com", Subject: "Undelivered Mail Returned to Sender", Headers: h,
			Body: tc.body + "\nStatus: 5.1.1", Contact: "bob@acme.com"})
		if got.Kind != tc.want {
			t.Errorf("failed %q, body %q: %s (%s), want %s", tc.failed, tc.body, got.Kind, got.Reason, tc.want)
		}
	}
}

// TestAddress: the sender's own address, never one found only in a display name.
func TestAddress(t *testing.T) {
	for in, want := range map[string]string{
		"Bob Stone <Bob@Acme.com>":              "bob@acme.com",
		"Stone, Bob <bob@acme.com>":             "bob@acme.com",
		"bob@acme.com (Bob)":                    "bob@acme.com",
		"bob@acme.com":                          "bob@acme.com",
		`"bob@acme.com" <bob@acme.com.evil.io>`: "bob@acme.com.evil.io",
		`"Bob <bob@acme.com>"`:                  "",
		"Bob Stone bob@acme.com via Evil":       "",
		"bob@acme.com <evil@x.io>":              "",
		"Bob <bob@acme.com>, Eve <eve@x.io>":    "",
		"undisclosed-recipients:;":              "",
		"":                                      "",
	} {
		if got := Address(in); got != want {
			t.Errorf("Address(%q) = %q, want %q", in, got, want)
		}
	}
}
