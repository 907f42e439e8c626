package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs followup with args and an environment made of env only.
func runCmd(tb testing.TB, env map[string]string, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCadencesPrintsTheLibrary(t *testing.T) {
	out, _, err := runCmd(t, nil, "cadences")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"demo", "cold-email", "proposal", "missed-meeting", "form-fill", "event-chat", "customer-checkin"} {
		if !strings.Contains(out, id+" — ") {
			t.Errorf("cadences output lacks %q:\n%s", id, out)
		}
	}
	one, _, err := runCmd(t, nil, "cadences", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(one, "1. after") || strings.Contains(one, "cold-email") {
		t.Errorf("cadences demo = %q", one)
	}
	if _, _, err := runCmd(t, nil, "cadences", "nope"); err == nil || !strings.Contains(err.Error(), "demo") {
		t.Errorf("unknown cadence error = %v, want the valid ids", err)
	}
}

func TestCheckNamesLineAndField(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cadences.yaml")
	yaml := `cadences:
  - id: quick-check
    trigger: custom
    steps:
      - gap: 0
        channel: fax
        purpose: recap_next_step
      - gap: 2x
        channel: email
        purpose: close_loop
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FOLLOWUP_CADENCES": file, "SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
	_, stderr, err := runCmd(t, env, "check")
	if !errors.Is(err, errReported) {
		t.Fatalf("check err = %v, want a reported failure", err)
	}
	for _, want := range []string{"cadences.yaml:6", "channel", "fax", "cadences.yaml:8", "gap", "2x"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr)
		}
	}
}

func TestCheckReportsEveryBadVariableByName(t *testing.T) {
	env := map[string]string{
		"FOLLOWUP_TIMEZONE":   "Mars/Olympus",
		"FOLLOWUP_WORK_HOURS": "25:00-17:00",
		"FOLLOWUP_TICK":       "-5s",
		"FOLLOWUP_ADMINS":     "alice",
		"LOG_LEVEL":           "loud",
	}
	_, stderr, err := runCmd(t, env, "check")
	if !errors.Is(err, errReported) {
		t.Fatalf("check err = %v", err)
	}
	for _, name := range []string{"FOLLOWUP_TIMEZONE", "FOLLOWUP_WORK_HOURS", "FOLLOWUP_TICK", "FOLLOWUP_ADMINS", "LOG_LEVEL"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("check output lacks %s:\n%s", name, stderr)
		}
	}
}

func TestCheckPassesOnDefaultsWithTokens(t *testing.T) {
	out, stderr, err := runCmd(t, map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}, "check")
	if err != nil {
		t.Fatalf("check: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "valid") {
		t.Errorf("check output = %q", out)
	}
}

func TestFlagOverridesEnvironment(t *testing.T) {
	env := map[string]string{"FOLLOWUP_TICK": "nonsense", "SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
	if _, stderr, err := runCmd(t, env, "check", "--tick", "10s"); err != nil {
		t.Fatalf("check with --tick: %v\n%s", err, stderr)
	}
}

func TestRunRefusesMissingOrMalformedTokens(t *testing.T) {
	_, _, err := runCmd(t, map[string]string{"FOLLOWUP_DB": filepath.Join(t.TempDir(), "f.db")}, "run")
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "manifest.yaml") {
		t.Errorf("run without tokens: %v", err)
	}
	_, _, err = runCmd(t, map[string]string{"SLACK_APP_TOKEN": "xoxb-swapped", "SLACK_BOT_TOKEN": "xapp-swapped"}, "run")
	if err == nil || !strings.Contains(err.Error(), "must start with xapp-") {
		t.Errorf("run with swapped tokens: %v", err)
	}
}

func TestMigrateAndBackup(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FOLLOWUP_DB": filepath.Join(dir, "f.db")}
	if _, stderr, err := runCmd(t, env, "migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, stderr)
	}
	info, err := os.Stat(env["FOLLOWUP_DB"])
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600", info.Mode().Perm())
	}
	copyPath := filepath.Join(dir, "copy.db")
	if _, stderr, err := runCmd(t, env, "backup", copyPath); err != nil {
		t.Fatalf("backup: %v %s", err, stderr)
	}
	if _, err := os.Stat(copyPath); err != nil {
		t.Errorf("backup file: %v", err)
	}
	if _, _, err := runCmd(t, env, "backup", copyPath); err == nil {
		t.Error("backup over an existing file succeeded")
	}
}

func TestUnknownCommand(t *testing.T) {
	_, _, err := runCmd(t, nil, "frobnicate")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("err = %v, want a usage error", err)
	}
}
