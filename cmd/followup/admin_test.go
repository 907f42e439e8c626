package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

func TestCheckListsEveryProblemAtOnce(t *testing.T) {
	env := map[string]string{
		"FOLLOWUP_TIMEZONE":  "Local",
		"FOLLOWUP_CADENCES":  filepath.Join(t.TempDir(), "missing.yaml"),
		"FOLLOWUP_WORK_DAYS": "Mon-Funday",
	}
	_, stderr, err := runCmd(t, env, "check")
	if !errors.Is(err, errReported) {
		t.Fatalf("check err = %v, want a reported failure", err)
	}
	// A bad setting does not hide the missing tokens, nor the unreadable cadence file.
	for _, want := range []string{"5 problem(s)", "FOLLOWUP_TIMEZONE: unknown time zone \"Local\"", "FOLLOWUP_WORK_DAYS",
		"FOLLOWUP_CADENCES: can't read the cadence file", "SLACK_APP_TOKEN: missing", "SLACK_BOT_TOKEN: missing"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "code=") {
		t.Errorf("check output shows an error's internals:\n%s", stderr)
	}
}

func TestCheckRejectsEachBadValue(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"FOLLOWUP_TIMEZONE", "Mars/Olympus", "unknown time zone"},
		{"FOLLOWUP_WORK_HOURS", "25:00-17:00", `"25:00" is not a time of day`},
		{"FOLLOWUP_WORK_HOURS", "17:00-09:00", "the start must come before the end"},
		{"FOLLOWUP_TICK", "-5s", "out of range"},
		{"FOLLOWUP_TICK", "soon", "is not a duration"},
		{"FOLLOWUP_HOLIDAYS", "2026-13-01", "is not a date"},
		{"FOLLOWUP_REPORT_CRON", "every monday", "is not a cron expression"},
		{"FOLLOWUP_REPORT_CRON", "CRON_TZ=UTC 0 9 * * MON", "names its own time zone"},
		{"FOLLOWUP_REPORT_CHANNEL", "#sales", "is not a channel id"},
		{"SLACK_API_URL", "slack.com/api", "is not an http(s) URL"},
		{"OPENAI_BASE_URL", "localhost:11434", "is not an http(s) URL"},
		{"LOG_FORMAT", "xml", "is not a format"},
	} {
		env := map[string]string{tc.name: tc.value, "SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
		_, stderr, err := runCmd(t, env, "check")
		if !errors.Is(err, errReported) || !strings.Contains(stderr, tc.name+": ") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s=%q: err %v, output:\n%s\nwant %s: ...%s", tc.name, tc.value, err, stderr, tc.name, tc.want)
		}
	}
}

func TestCadencesWithAnUnreadableFile(t *testing.T) {
	env := map[string]string{"FOLLOWUP_CADENCES": filepath.Join(t.TempDir(), "missing.yaml")}
	_, _, err := runCmd(t, env, "cadences")
	if err == nil || !strings.HasPrefix(err.Error(), "FOLLOWUP_CADENCES: can't read the cadence file") {
		t.Errorf("cadences with a missing file: %v", err)
	}
}

func TestCadencesMergesTheFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cadences.yaml")
	if err := os.WriteFile(file, []byte("cadences:\n  - id: quick-check\n    name: Quick check\n    steps:\n      - {gap: 1m, channel: linkedin, purpose: close_loop}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, map[string]string{"FOLLOWUP_CADENCES": file}, "cadences", "quick-check")
	if err != nil {
		t.Fatal(err)
	}
	if want := "quick-check — Quick check (custom, trigger custom)\n  1. after 1m    linkedin  Close the loop\n"; out != want {
		t.Errorf("cadences quick-check =\n%q\nwant\n%q", out, want)
	}
}

func TestBackupRefusesAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "typo.db")
	_, _, err := runCmd(t, map[string]string{"FOLLOWUP_DB": db}, "backup", filepath.Join(dir, "copy.db"))
	if err == nil || !strings.Contains(err.Error(), "FOLLOWUP_DB: no database to back up") {
		t.Errorf("backup of a missing database: %v", err)
	}
	for _, p := range []string{db, filepath.Join(dir, "copy.db")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was created", filepath.Base(p))
		}
	}
	var ue usageError
	if _, _, err := runCmd(t, map[string]string{"FOLLOWUP_DB": db}, "backup"); !errors.As(err, &ue) {
		t.Errorf("backup without PATH: %v, want a usage error", err)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out, _, err := runCmd(t, nil, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, c := range commands() {
			if !strings.Contains(out, "  "+c.name+" ") {
				t.Errorf("%v lacks the command %s:\n%s", args, c.name, out)
			}
		}
		for _, s := range settings {
			if !strings.Contains(out, s.env) || !strings.Contains(out, "--"+s.flag) {
				t.Errorf("%v lacks the setting %s (--%s)", args, s.env, s.flag)
			}
		}
	}
	out, _, err := runCmd(t, nil, "version")
	if err != nil || out != "followup "+version+"\n" {
		t.Errorf("version = %q, %v", out, err)
	}
}

// readmeSection returns the README's section under the heading, up to the next heading of the
// same level.
func readmeSection(tb testing.TB, heading string) string {
	tb.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		tb.Fatalf("README has no %q section", heading)
	}
	s = s[i+len(heading)+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// TestREADMEConfigurationTable: the README's table lists exactly the settings, in order, with
// their flags and defaults.
func TestREADMEConfigurationTable(t *testing.T) {
	row := regexp.MustCompile("^\\| `([A-Z_]+)` \\| `--([a-z-]+)` \\| (?:`([^`]*)` )?\\|")
	var got []setting
	for _, line := range strings.Split(readmeSection(t, "## Configuration"), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			got = append(got, setting{env: m[1], flag: m[2], def: m[3]})
		}
	}
	if len(got) != len(settings) {
		t.Fatalf("README configuration table has %d settings, want %d", len(got), len(settings))
	}
	for i, s := range settings {
		if got[i].env != s.env || got[i].flag != s.flag || got[i].def != s.def {
			t.Errorf("README row %d = %s --%s %q, want %s --%s %q", i+1, got[i].env, got[i].flag, got[i].def, s.env, s.flag, s.def)
		}
	}
}

// TestREADMECadenceFile: the README's cadence file example parses, and the problem it quotes is
// the one followup reports, line number included.
func TestREADMECadenceFile(t *testing.T) {
	sec := readmeSection(t, "## Cadences")
	start := strings.Index(sec, "```yaml\n")
	end := strings.Index(sec[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("the Cadences section has no yaml example")
	}
	example := sec[start+8 : start+8+end]
	cs, err := cadence.Parse("cadences.yaml", []byte(example))
	if err != nil || len(cs) != 1 || cs[0].ID != "quick-check" || len(cs[0].Steps) != 3 {
		t.Fatalf("README example: %+v, %v", cs, err)
	}
	quoted := regexp.MustCompile("`(cadences\\.yaml:\\d+: steps\\[1\\]\\.channel: [^`]*)`").FindStringSubmatch(strings.ReplaceAll(sec, "\n", " "))
	if quoted == nil {
		t.Fatal("the Cadences section quotes no problem")
	}
	_, err = cadence.Parse("cadences.yaml", []byte(strings.Replace(example, "channel: linkedin", "channel: fax", 1)))
	if err == nil || err.Error() != quoted[1] {
		t.Errorf("README quotes %q; followup reports %v", quoted[1], err)
	}
}

func TestExitCodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cadences.yaml")
	if err := os.WriteFile(file, []byte("cadences:\n  - id: a\n    steps: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		env    map[string]string
		code   int
		stderr string // what exitCode itself prints
	}{
		{[]string{"version"}, nil, 0, ""},
		{[]string{"check"}, map[string]string{"FOLLOWUP_CADENCES": file}, 1, ""}, // check printed its problems itself
		{[]string{"cadences"}, map[string]string{"FOLLOWUP_CADENCES": file}, 1, "followup: " + file + ":3: steps: empty"},
		{[]string{"frobnicate"}, nil, 2, `followup: unknown command "frobnicate"`},
		{[]string{"check", "--no-such-flag"}, nil, 2, "followup: flag provided but not defined"},
	} {
		_, _, err := runCmd(t, tc.env, tc.args...)
		var buf strings.Builder
		if got := exitCode(err, &buf); got != tc.code || !strings.HasPrefix(buf.String(), tc.stderr) || (tc.stderr == "" && buf.Len() > 0) {
			t.Errorf("%v: exit %d, printed %q; want exit %d, printed %q", tc.args, got, buf.String(), tc.code, tc.stderr)
		}
	}
}

func TestHolidaysFromAListOrAFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "2026-holidays.txt") // starts like a date: still a file
	if err := os.WriteFile(file, []byte("# Germany\n2026-12-25\n2026-12-26  # Boxing Day\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("2026-12-25\nChristmas\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ value, want, err string }{
		{"2026-12-25, 2027-01-01", "2026-12-25,2027-01-01", ""},
		{file, "2026-12-25,2026-12-26", ""},
		{bad, "", bad + `:2: "Christmas" is not a date`},
		{filepath.Join(dir, "missing.txt"), "", "neither a list of dates"},
	} {
		raw := rawConfig{}
		for _, s := range settings {
			raw[s.env] = s.def
		}
		raw["FOLLOWUP_HOLIDAYS"] = tc.value
		c, err := raw.load()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), "FOLLOWUP_HOLIDAYS: ") || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.value, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.value, err)
			continue
		}
		if got := strings.Join(c.Team.HolidayList(), ","); got != tc.want {
			t.Errorf("%s: holidays %s, want %s", tc.value, got, tc.want)
		}
	}
}

// TestBackupIsReadOnly: followup backup neither migrates nor writes the database it copies: a
// database one migration behind is copied as it is, also when its file is read-only.
func TestBackupIsReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "followup.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	// As if the database came from the followup before the last migration.
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	count := func(d *sql.DB) (n int) {
		if err := d.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count(raw)
	raw.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o400); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = os.Chmod(path, 0o600) })
	copyPath := filepath.Join(dir, "copy.db")
	if _, _, err := runCmd(t, map[string]string{"FOLLOWUP_DB": path}, "backup", copyPath); err != nil {
		t.Fatalf("backup of a read-only database: %v", err)
	}
	cp, err := sql.Open("sqlite3", copyPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if n := count(cp); n != before {
		t.Errorf("the copy has %d migrations recorded, the original %d: the backup migrated", n, before)
	}
}
