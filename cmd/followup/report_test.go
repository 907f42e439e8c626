package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	env := map[string]string{"FOLLOWUP_DB": filepath.Join(t.TempDir(), "f.db"), "FOLLOWUP_TIMEZONE": "UTC"}
	out, stderr, err := runCmd(t, env, "report", "--from", "2026-03-02", "--to", "2026-03-08")
	if err != nil {
		t.Fatalf("report: %v %s", err, stderr)
	}
	if !strings.Contains(out, "Follow-up report, Mon 2 Mar – Sun 8 Mar 2026 (UTC)") || !strings.Contains(out, "Team: Enrolled 0 · Touches 0") {
		t.Errorf("report output:\n%s", out)
	}
	out, _, err = runCmd(t, env, "report", "--to", "2026-03-08", "--csv")
	if err != nil || !strings.HasPrefix(out, "from,to,cadence_id,cadence,step,purpose,touches,replies,reply_rate,") {
		t.Errorf("report --csv: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, env, "report", "--from", "2026-03-09", "--to", "2026-03-08"); err == nil {
		t.Error("a reversed range was accepted")
	}
	if _, _, err := runCmd(t, env, "report", "--from", "March"); err == nil {
		t.Error("a bad date was accepted")
	}
}
