package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

// mustContainInOrder fails the test unless every want appears in s, each after the one before.
func mustContainInOrder(tb testing.TB, s string, want ...string) {
	tb.Helper()
	rest := s
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			tb.Fatalf("output lacks %q (after the earlier expected lines):\n%s", w, s)
		}
		rest = rest[i+len(w):]
	}
}

// TestDemoScript: the scripted demo runs the week to the end through the command line, with the
// reminders at their times, the clicks, the stop rules and the weekly report, and leaves no
// temporary database behind.
func TestDemoScript(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"demo"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("demo: %v\nstderr:\n%s\nstdout:\n%s", err, errOut.String(), out.String())
	}
	got := out.String()
	mustContainInOrder(t, got,
		`[Mon 2 Mar 08:00 Europe/Berlin] alice> /followup add "Dana Lee" dana@acme.com`,
		"1. Mon 2 Mar 09:00 · Email · Recap and next step",
		// The first reminder, at its time, with its draft and numbered buttons.
		"[Mon 2 Mar 09:00 Europe/Berlin] ✉ new message · DM to alice",
		"== FOLLOW UP WITH DANA LEE ==",
		"*Draft* (offline template)",
		"│ │ Hi Dana,",
		"[1] Sent  [2] Replied  [3] Meeting booked  [4] Opted out",
		// Sent: the DM says what comes next.
		"alice clicks [1] Sent · Follow up with Dana Lee (follow-up 1 of 4, Email)",
		"✎ message updated · DM to alice",
		"✅ *Sent* by @alice",
		"Next: follow-up 2 of 4, Email,",
		// Snooze, then a reply stops Dana's cadence.
		"alice clicks [5] Snooze 1 day · Follow up with Sam Ortiz",
		"💤 *Snoozed* by @alice",
		"alice clicks [2] Replied · Follow up with Dana Lee (follow-up 2 of 4, Email)",
		"No more follow-ups: completed (replied).",
		"_Ended: replied._",
		// Bob's reminder comes at 09:00 in New York; he records an opt-out with the button.
		"[Thu 5 Mar 15:00 Europe/Berlin] ✉ new message · DM to bob (09:00 America/New_York)",
		"bob clicks [4] Opted out · Follow up with Priya Shah",
		"No more follow-ups: stopped (opted out).",
		// Bob records an opt-out for Alice's contact; Alice's open DM is closed.
		"bob> /followup optout sam@globex.com",
		"Recorded: Sam Ortiz will not be contacted again.",
		"✎ message updated · DM to alice",
		"stopped (opted out) by @bob",
		"You have no running follow-ups.",
		// The weekly report, in the report channel on Monday at 09:00, with its chart.
		"[Mon 9 Mar 09:00 Europe/Berlin] ✉ new message · #sales-reports",
		"== FOLLOW-UP REPORT · MON 2 MAR – SUN 8 MAR 2026 ==",
		// The week is Monday to Sunday in the team's zone: the enrollments of Monday 08:00 are in it.
		"Enrolled 3 · Touches 1 · Replies 1/1 (100%) · Meetings 0 · Opt-outs 2",
		"Ended this week: Replied 1",
		"reply-rate-per-step.png",
	)
	if n := strings.Count(got, "✉ new message · #sales-reports"); n != 1 {
		t.Errorf("%d report messages shown, want 1 (none for the week before the demo)", n)
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr is not empty (logs at warn and above only):\n%s", errOut.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the demo left %d entries in the temporary directory: %v", len(left), left)
	}
}

// TestDemoInteractive: the prompt runs slash commands as the current rep, advances the clock with
// DMs arriving, clicks a button by its number, and answers mistakes without stopping.
func TestDemoInteractive(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	raw := bindFlags(flag.NewFlagSet("demo", flag.ContinueOnError), func(k string) string {
		return map[string]string{"FOLLOWUP_TIMEZONE": "Europe/Berlin"}[k]
	})
	c, err := raw.load()
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join([]string{
		`/followup add "Dana Lee" dana@acme.com cadence=demo`,
		"advance 1d",
		"click 1",
		"click 7",
		"advance 2bd",
		"as bob /followup list",
		"quit",
		"/followup list", // after quit: never run
	}, "\n")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := runDemo(ctx, c, strings.NewReader(script), &out, &errOut); err != nil {
		t.Fatalf("demo: %v\nstderr:\n%s\nstdout:\n%s", err, errOut.String(), out.String())
	}
	got := out.String()
	mustContainInOrder(t, got,
		`[Mon 2 Mar 08:00 Europe/Berlin] alice> /followup add "Dana Lee" dana@acme.com cadence=demo`,
		"Enrolled *Dana Lee*",
		"alice> advance 1d",
		"[Mon 2 Mar 09:00 Europe/Berlin] ✉ new message · DM to alice",
		"[1] Sent",
		"[Tue 3 Mar 08:00 Europe/Berlin] alice> click 1",
		"alice clicks [1] Sent · Follow up with Dana Lee",
		"✅ *Sent* by @alice · Tue 3 Mar 08:00",
		"Next: follow-up 2 of 4",
		"alice> click 7",
		"has no buttons",
		"alice> advance 2bd",
		"advance takes a duration",
		"alice> as bob /followup list",
		"You have no running follow-ups.",
		"alice> quit",
	)
	if strings.Count(got, "alice> /followup list") != 0 {
		t.Errorf("a command after quit ran:\n%s", got)
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr is not empty:\n%s", errOut.String())
	}
}

// TestRenderBlocks: headers in capitals, sections and fields, context lines, drafts set off,
// mentions and links resolved, and buttons numbered across actions blocks.
func TestRenderBlocks(t *testing.T) {
	blocks := `[
	 {"type":"header","text":{"type":"plain_text","text":"Follow up with Dana"}},
	 {"type":"section","text":{"type":"mrkdwn","text":"*Dana* &amp; co · <mailto:dana@acme.com|dana@acme.com>\n` + "```Hi Dana,\\nthanks```" + `"},
	  "fields":[{"type":"mrkdwn","text":"*Owner:* <@U0ALICE001>"},{"type":"mrkdwn","text":"*In:* <#C0REPORTS1>"}]},
	 {"type":"context","elements":[{"type":"mrkdwn","text":"due Mon"},{"type":"image","image_url":"x","alt_text":"chart"}]},
	 {"type":"divider"},
	 {"type":"actions","block_id":"a","elements":[{"type":"button","text":{"type":"plain_text","text":"Sent"},"action_id":"tp.sent","value":"7"}]},
	 {"type":"actions","block_id":"b","elements":[{"type":"button","text":{"type":"plain_text","text":"Skip"},"action_id":"tp.skip","value":"7"}]}
	]`
	r := textRenderer{names: map[string]string{"U0ALICE001": "alice", "C0REPORTS1": "sales-reports"}}
	lines, buttons := r.blocks(json.RawMessage(blocks))
	want := []string{
		"== FOLLOW UP WITH DANA ==",
		"*Dana* & co · dana@acme.com",
		"│ Hi Dana,",
		"│ thanks",
		"*Owner:* @alice   *In:* #sales-reports",
		"› due Mon · [chart]",
		strings.Repeat("─", 40),
		"[1] Sent",
		"[2] Skip",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(buttons) != 2 || buttons[1] != (demoButton{Label: "Skip", ActionID: "tp.skip", BlockID: "b", Value: "7"}) {
		t.Errorf("buttons = %+v", buttons)
	}
}
