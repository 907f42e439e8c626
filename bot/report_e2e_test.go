package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

const reportChannel = "C0REPORTS1"

// TestScheduledReportCatchUpOncePerWeek: a report due while the bot was down goes out when it runs,
// with its chart, and never twice for the same week.
func TestScheduledReportCatchUpOncePerWeek(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ReportChannel, c.ReportCron = reportChannel, "0 9 * * MON" })
	h.slash(t, alice, `add "Dana Lee" dana@acme.com cadence=demo`)
	// Log a touch so that the chart has a bar.
	vs, err := h.store.ListEnrollments(h.ctx, alice)
	if err != nil || len(vs) != 1 || vs[0].Open == nil {
		t.Fatalf("enrollments = %v, %v", vs, err)
	}
	if _, err := h.bot.applyOutcome(h.ctx, alice, vs[0].Enrollment.ID, vs[0].Open.ID, cadence.OutcomeSent, cadence.Gap{}); err != nil {
		t.Fatalf("sent: %v", err)
	}
	for range 2 {
		if err := h.bot.runScheduledReport(h.ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The report due Mon 2 Mar 09:00 (before the touch) goes out once, without a chart.
	msgs := h.slack.Messages(reportChannel)
	if len(msgs) != 1 {
		t.Fatalf("%d report messages, want 1", len(msgs))
	}
	mustContain(t, string(msgs[0].Blocks), "Follow-up report", "Mon 23 Feb", "No touches were logged this week.")
	// A week later the next report is due, once, with the touch and its chart.
	h.clock.Advance(7 * 24 * time.Hour)
	for range 2 {
		if err := h.bot.runScheduledReport(h.ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs = h.slack.Messages(reportChannel)
	if len(msgs) != 2 {
		t.Fatalf("%d report messages after a week, want 2", len(msgs))
	}
	mustContain(t, string(msgs[1].Blocks), "Replies per step", "Touches 1", alice)
	files := h.slack.Files()
	if len(files) != 1 || !files[0].Completed || !strings.HasPrefix(string(files[0].Content), "\x89PNG") {
		t.Errorf("chart files = %+v", files)
	}
}

func TestReportCommandAndHome(t *testing.T) {
	h := newHarness(t)
	h.slash(t, alice, `add "Dana Lee" dana@acme.com cadence=demo`)
	mustContain(t, h.slash(t, alice, "report"), "Follow-up report")
	r, err := h.bot.reportCommand(h.ctx, slack.SlashCommand{UserID: alice, Text: "report"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) == 0 || !strings.Contains(r.Text, "Follow-up report") {
		t.Errorf("report reply = %+v", r)
	}
	if err := h.bot.onHomeOpened(h.ctx, alice); err != nil {
		t.Fatal(err)
	}
	v, ok := h.slack.HomeView(alice)
	if !ok {
		t.Fatal("no home view published")
	}
	mustContain(t, string(v.JSON), "Dana Lee", "add.open", "America/New_York")
	before := v.Updates
	h.bot.refreshHome(h.ctx, alice)
	if v, _ := h.slack.HomeView(alice); v.Updates != before+1 {
		t.Errorf("home updates = %d, want %d", v.Updates, before+1)
	}
}
