package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/followup-bot/followup/prompts/openaitest"
)

type draftJSON struct {
	Step    int    `json:"step"`
	Channel string `json:"channel"`
	Purpose string `json:"purpose"`
	Source  string `json:"source"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	Skipped string `json:"skipped"`
	Checks  []struct {
		Rule   string `json:"rule"`
		Pass   bool   `json:"pass"`
		Reason string `json:"reason"`
	} `json:"checks"`
}

func parseLines(t *testing.T, out string) []draftJSON {
	t.Helper()
	var got []draftJSON
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d draftJSON
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("not one JSON object a line: %q: %v", line, err)
		}
		got = append(got, d)
	}
	return got
}

// TestDraftAllJSON: --all --json prints every step of the cadence in order, each with its checks
// passing, the contact's details used and the profile's link included.
func TestDraftAllJSON(t *testing.T) {
	env := map[string]string{"FOLLOWUP_PROFILE": "../../testdata/profile.example.yaml"}
	out, stderr, err := runCmd(t, env, "draft", "--cadence", "form-fill", "--all", "--json", "--name", "Dr. Jane Smith",
		"--company", "Harbor Bank", "--note", "she wants SSO before rollout", "--signal", "asked for pricing",
		"--rep", "Sam Lee", "--on", "yesterday", "--now", "2026-03-18T10:00:00Z", "--phone", "+1 415 555 0100", "--sms-consent")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	got := parseLines(t, out)
	if len(got) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(got), out)
	}
	for i, d := range got {
		if d.Step != i+1 || d.Source != "offline" || d.Text == "" || len(d.Checks) == 0 {
			t.Errorf("line %d: %+v", i+1, d)
		}
		for _, c := range d.Checks {
			if !c.Pass {
				t.Errorf("step %d fails %s: %s", d.Step, c.Rule, c.Reason)
			}
		}
		if !strings.Contains(d.Text, "Hi Jane,") {
			t.Errorf("step %d greeting: %q", d.Step, d.Text)
		}
	}
	if got[1].Channel != "sms" || !strings.Contains(got[1].Text, "Acme Support") || !strings.Contains(got[1].Text, "https://cal.example.com/acme/20min") {
		t.Errorf("sms step: %+v", got[1])
	}
	if got[0].Subject == "" || strings.Contains(got[0].Subject, "Subject:") {
		t.Errorf("subject %q", got[0].Subject)
	}
}

// TestDraftSMSWithoutConsentSkipped: an SMS step without --sms-consent is reported skipped, with
// the reason, and not drafted.
func TestDraftSMSWithoutConsentSkipped(t *testing.T) {
	out, _, err := runCmd(t, nil, "draft", "--cadence", "form-fill", "--step", "2", "--json", "--name", "Dana", "--phone", "+14155550100")
	if err != nil {
		t.Fatal(err)
	}
	d := parseLines(t, out)[0]
	if d.Source != "skipped" || d.Text != "" || !strings.Contains(d.Skipped, "consent") {
		t.Errorf("got %+v", d)
	}
}

// TestDraftBadInput: every bad input exits 2 with one line saying what to fix.
func TestDraftBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cadence", "nope"}, "unknown cadence"},
		{[]string{}, "needs --cadence"},
		{[]string{"--cadence", "demo", "--step", "9"}, "out of range"},
		{[]string{"--cadence", "demo", "--step", "0"}, "out of range"},
		{[]string{"--cadence", "demo", "--decision", "next week"}, "--decision"},
		{[]string{"--cadence", "demo", "--on", "2020-01-01", "--now", "2026-03-18T10:00:00Z"}, "90 days"},
		{[]string{"--cadence", "demo", "--on", "2027-01-01", "--now", "2026-03-18T10:00:00Z"}, "future"},
		{[]string{"--cadence", "demo", "--now", "soon"}, "--now"},
		{[]string{"--cadence", "demo", "--intent", "lukewarm"}, "--intent"},
		{[]string{"--cadence", "demo", "--tz", "Mars/Base"}, "--tz"},
		{[]string{"--cadence", "demo", "--email", "dana@"}, "--email"},
	} {
		_, stderr, err := runCmd(t, nil, append([]string{"draft"}, tc.args...)...)
		if code := exitCode(err, &strings.Builder{}); code != 2 {
			t.Errorf("%v: exit %d (%v), want 2", tc.args, code, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%v: message %q (stderr %q), want one line with %q", tc.args, msg, stderr, tc.want)
		}
	}
}

// TestDraftRefusesBadProfile: a bad profile stops draft and check, naming file, line and field.
func TestDraftRefusesBadProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(path, []byte("company: Acme\nassets:\n  - title: Case\n    url: acme.example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FOLLOWUP_PROFILE": path}
	_, _, err := runCmd(t, env, "draft", "--cadence", "demo")
	if err == nil || !strings.Contains(err.Error(), path+":4: assets[0].url:") {
		t.Errorf("draft err = %v", err)
	}
	_, stderr, err := runCmd(t, env, "check")
	if err == nil || !strings.Contains(stderr, path+":4: assets[0].url:") {
		t.Errorf("check stderr = %q", stderr)
	}
}

// TestDraftUsesTheModel: with OPENAI_BASE_URL set, the model writes the draft (through the real
// client and the checks), and draft says so.
func TestDraftUsesTheModel(t *testing.T) {
	srv := openaitest.New(t, openaitest.Draft("Thursday for the trial plan?",
		"Hi Dana,\n\nThanks for your time at the demo today. Would Thursday or Friday work for 20 minutes to plan a trial?\n\nBest,\nSam"))
	out, stderr, err := runCmd(t, map[string]string{"OPENAI_BASE_URL": srv.BaseURL()}, "draft", "--cadence", "demo",
		"--json", "--name", "Dana Lee", "--rep", "Sam", "--now", "2026-03-18T10:00:00Z")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	d := parseLines(t, out)[0]
	if d.Source != "llm" || !strings.Contains(d.Text, "plan a trial") {
		t.Errorf("got %+v", d)
	}
}
