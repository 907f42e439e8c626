package bot

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
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
	// The report due Mon 2 Mar 09:00 (before the touch) goes out once, without a chart. The
	// catch-up job at start may be the one that posts it: wait for the post, then count.
	msgs, err := h.slack.WaitMessages(h.ctx, reportChannel, 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%d report messages, want 1", len(msgs))
	}
	mustContain(t, string(msgs[0].Blocks), "Follow-up report", "Mon 23 Feb", "No touches were logged this week.")
	// A week later the next report is due, once, with the touch and its chart: the cron job fires
	// on the fake clock, and running the job again posts nothing more.
	h.clock.Advance(7 * 24 * time.Hour)
	for range 2 {
		if err := h.bot.runScheduledReport(h.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.slack.WaitCalls(h.ctx, "files.completeUploadExternal", 1); err != nil {
		t.Fatalf("no chart: %v", err)
	}
	msgs = h.slack.Messages(reportChannel)
	if len(msgs) != 2 {
		t.Fatalf("%d report messages after a week, want 2", len(msgs))
	}
	mustContain(t, string(msgs[1].Blocks), "Replies per step", "Touches 1", alice)
	files := h.slack.Files()
	if len(files) != 1 || !files[0].Uploaded || !files[0].Completed || !strings.HasPrefix(string(files[0].Content), "\x89PNG") ||
		len(files[0].Channels) != 1 || files[0].Channels[0] != reportChannel || files[0].Length != len(files[0].Content) {
		t.Errorf("chart files = %+v", files)
	}
	// Slack's current upload flow, in order; not the retired files.upload.
	var flow []string
	for _, c := range h.slack.Calls() {
		switch c.Method {
		case "files.getUploadURLExternal", "files.completeUploadExternal", "files.upload":
			flow = append(flow, c.Method)
		}
	}
	if got := strings.Join(flow, " → "); got != "files.getUploadURLExternal → files.completeUploadExternal" {
		t.Errorf("upload calls: %s", got)
	}
}

// TestReportCommandPostsToReportChannel: with a report channel set, /followup report by an admin
// posts the report (and its chart) there and tells the asker where.
func TestReportCommandPostsToReportChannel(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ReportChannel = reportChannel })
	h.slash(t, alice, `add "Dana Lee" dana@acme.com cadence=demo`)
	h.clock.Advance(time.Minute) // the report covers the seven days before now, now excluded
	mustContain(t, h.slash(t, admin, "report"), "Posted the report for", "<#"+reportChannel+">")
	msgs := h.slack.Messages(reportChannel)
	if len(msgs) != 1 {
		t.Fatalf("%d messages in the report channel, want 1", len(msgs))
	}
	mustContain(t, string(msgs[0].Blocks), "Follow-up report", "Enrolled 1")
}

func TestReportCommandAndHome(t *testing.T) {
	h := newHarness(t)
	h.slash(t, alice, `add "Dana Lee" dana@acme.com cadence=demo`)
	mustContain(t, h.slash(t, alice, "report"), "Follow-up report")
	r, err := h.bot.cmdReport(h.ctx, request{cmd: slack.SlashCommand{UserID: admin, Text: "report"}, user: admin})
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

// TestReportCronJobInTeamZone: the gocron job fires on FOLLOWUP_REPORT_CRON in FOLLOWUP_TIMEZONE
// (09:00 Berlin is 08:00 UTC in March) and posts the past seven days to the report channel; the
// catch-up at start posted the week due the day before, once.
func TestReportCronJobInTeamZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	h := newHarness(t, func(c *Config) {
		c.ReportChannel, c.ReportCron, c.Tick = reportChannel, "0 9 * * MON", 365*24*time.Hour
		c.Team.Location = berlin
	})
	msgs, err := h.slack.WaitMessages(h.ctx, reportChannel, 1) // the catch-up: due Mon 2 Mar 09:00
	if err != nil {
		t.Fatalf("no catch-up report: %v", err)
	}
	mustContain(t, string(msgs[0].Blocks), "Mon 23 Feb – Sun 1 Mar 2026")
	// Enrolled on Tuesday: in the next report. Enrolled on Monday 08:30, before the report fires at
	// 09:00: in the report after that, whose week begins on Monday at midnight.
	h.slash(t, alice, `add "Dana Lee" dana@acme.com cadence=demo`)
	// The dispatch job's and the report job's next runs are scheduled on the fake clock.
	if err := h.clock.BlockUntilContext(h.ctx, 2); err != nil {
		t.Fatal(err)
	}
	h.advanceTo(t, time.Date(2026, 3, 9, 8, 30, 0, 0, berlin))
	h.slash(t, alice, `add "Sam Roe" sam@globex.com cadence=demo`)
	if err := h.clock.BlockUntilContext(h.ctx, 2); err != nil {
		t.Fatal(err)
	}
	h.advanceTo(t, time.Date(2026, 3, 9, 9, 0, 0, 0, berlin))
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer cancel()
	msgs, err = h.slack.WaitMessages(ctx, reportChannel, 2)
	if err != nil {
		t.Fatalf("no report at 09:00 Berlin on Monday: %v", err)
	}
	mustContain(t, string(msgs[1].Blocks), "Follow-up report · Mon 2 Mar – Sun 8 Mar 2026",
		"*Team this week*\\nEnrolled 1 · ", "*Since the start*\\nEnrolled 1 · ")
	// The job records the week after its post; a run now either finds it recorded or finds the post
	// in the channel and records it, posting nothing more.
	if err := h.bot.runScheduledReport(h.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.Messages(reportChannel)); n != 2 {
		t.Errorf("%d report messages, want 2", n)
	}
	if last, err := h.store.LastReportedWeek(h.ctx); err != nil || !last.Equal(time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("last reported week = %v, %v; want Mon 9 Mar 08:00 UTC", last, err)
	}
}

// TestStopWaitsForReportAndReportsItAgain: a weekly report still being posted when the bot stops
// is cancelled, stop waits for it, and its week is not recorded as reported, so the next start
// posts it.
func TestStopWaitsForReportAndReportsItAgain(t *testing.T) {
	h := newHarness(t)
	f := newFaultBot(t, h)
	f.cfg.ReportChannel, f.cfg.ReportCron = reportChannel, "0 9 * * MON"
	f.jobs.stopTimeout = 50 * time.Millisecond
	held := make(chan struct{}, 1)
	h.slack.FailNext("chat.postMessage", 1, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		held <- struct{}{}
		<-r.Context().Done() // Slack never answers; the bot gives up when it stops
	}))
	stop, err := f.startJobs(h.ctx) // the catch-up job posts the week missed at once
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-h.ctx.Done():
		t.Fatal("the catch-up report was never posted")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// stop returned: the report run is over, and it gave its week back.
	if week, err := h.store.LastReportedWeek(h.ctx); err != nil || !week.IsZero() {
		t.Errorf("after a cancelled report the last reported week is %v (%v), want none", week, err)
	}
	if err := f.runScheduledReport(h.ctx); err != nil {
		t.Fatalf("the next start's report: %v", err)
	}
	if msgs := h.slack.Messages(reportChannel); len(msgs) != 1 {
		t.Errorf("%d report messages after the restart, want 1", len(msgs))
	}
}

// TestReportCommandForNonAdmins: someone who is not an admin gets only their own numbers (and the
// team's totals), only to themselves, at most once a minute; nothing goes to the channel.
func TestReportCommandForNonAdmins(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ReportChannel = reportChannel })
	h.slash(t, alice, `add "Dana Lee" dana@acme.com cadence=demo`)
	h.slash(t, bob, `add "Eve Ek" eve@acme.com cadence=demo`)
	h.clock.Advance(time.Minute)
	got := h.slash(t, alice, "report")
	mustContain(t, got, "Follow-up report", "Enrolled 2", "<@"+alice+">", "shown only to you")
	if strings.Contains(got, bob) {
		t.Errorf("alice's report shows bob's numbers: %q", got)
	}
	mustContain(t, h.slash(t, alice, "report"), "less than a minute ago")
	h.clock.Advance(time.Minute)
	mustContain(t, h.slash(t, alice, "report"), "Follow-up report")
	if msgs := h.slack.Messages(reportChannel); len(msgs) != 0 {
		t.Fatalf("%d messages in the report channel from someone not an admin", len(msgs))
	}
}
