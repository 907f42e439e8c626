package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/store"
)

// crashReportStore is the real store whose first MarkReported fails as if the process had died
// between the report's chat.postMessage and its record.
type crashReportStore struct {
	*store.DB
	crashed atomic.Bool
}

func (s *crashReportStore) MarkReported(ctx context.Context, end time.Time) (bool, error) {
	if s.crashed.CompareAndSwap(false, true) {
		return false, errors.New("process died")
	}
	return s.DB.MarkReported(ctx, end)
}

// reportBot is a bot with a report channel on h's fake Slack and store (or st in its place), as a
// fresh process would start: the restart after a crash, or a new leader among replicas.
func reportBot(t *testing.T, h *harness, st Store) *faultBot {
	t.Helper()
	if st != nil {
		saved := h.bot.cfg.Store
		h.bot.cfg.Store = st
		defer func() { h.bot.cfg.Store = saved }()
	}
	f := newFaultBot(t, h)
	f.cfg.ReportChannel, f.cfg.ReportCron = reportChannel, "0 9 * * MON"
	return f
}

// afterRecovery runs the scheduled report on a restarted bot twice and checks that exactly one
// report is in the channel and its week is recorded.
func afterRecovery(t *testing.T, h *harness) {
	t.Helper()
	for range 2 {
		if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err != nil {
			t.Fatalf("the restarted bot's report: %v", err)
		}
	}
	msgs := h.slack.Messages(reportChannel)
	if len(msgs) != 1 {
		t.Fatalf("%d report messages, want exactly 1", len(msgs))
	}
	mustContain(t, string(msgs[0].Blocks), "Follow-up report")
	if week, err := h.store.LastReportedWeek(h.ctx); err != nil || week.IsZero() {
		t.Errorf("last reported week = %v, %v; want the week recorded", week, err)
	}
}

// TestReportCrashBetweenPostAndRecord: the process dies after Slack took the report and before
// the week was recorded. The next start finds the report in the channel by its metadata and
// records it: one report, not zero, not two.
func TestReportCrashBetweenPostAndRecord(t *testing.T) {
	h := newHarness(t)
	f := reportBot(t, h, &crashReportStore{DB: h.store})
	if err := f.runScheduledReport(h.ctx); err == nil {
		t.Fatal("the crashed run reported no error")
	}
	if n := len(h.slack.Messages(reportChannel)); n != 1 {
		t.Fatalf("%d report messages after the crashed run, want 1", n)
	}
	afterRecovery(t, h)
	if n := len(h.slack.CallsTo("conversations.history")); n == 0 {
		t.Error("the restart did not look for the earlier post")
	}
}

// TestReportAnswerLost: Slack stores the report but its answer never reaches the bot. The next
// run looks the report up instead of posting it again.
func TestReportAnswerLost(t *testing.T) {
	h := newHarness(t)
	h.slack.FailNext("chat.postMessage", 1, slacktest.AnswerLost())
	if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err == nil {
		t.Fatal("the run whose answer was lost reported no error")
	}
	afterRecovery(t, h)
}

// TestReportNotPostedIsPostedAgain: the post failed for real (Slack refused it). The next run
// finds no earlier report in the channel and posts it: the week is not lost.
func TestReportNotPostedIsPostedAgain(t *testing.T) {
	h := newHarness(t)
	h.slack.FailNext("chat.postMessage", 1, slacktest.SlackError("internal_error"))
	if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err == nil {
		t.Fatal("the refused post reported no error")
	}
	if n := len(h.slack.Messages(reportChannel)); n != 0 {
		t.Fatalf("%d report messages after a refused post, want 0", n)
	}
	afterRecovery(t, h)
}

// TestReportHistoryUnreadableDoesNotPostBlind: when the report channel's history cannot be read
// after an unrecorded attempt, the bot does not post blindly (which could double the report); the
// week stays pending and is posted once the history can be read.
func TestReportHistoryUnreadableDoesNotPostBlind(t *testing.T) {
	h := newHarness(t)
	h.slack.FailNext("chat.postMessage", 1, slacktest.SlackError("internal_error"))
	if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err == nil {
		t.Fatal("the refused post reported no error")
	}
	h.slack.FailNext("conversations.history", 1, slacktest.SlackError("internal_error"))
	if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err == nil {
		t.Fatal("an unreadable history reported no error")
	}
	if n := len(h.slack.Messages(reportChannel)); n != 0 {
		t.Fatalf("%d report messages posted blind, want 0", n)
	}
	afterRecovery(t, h)
}

// TestReportHistoryRefusedStillPosts: an install without the history scopes (missing_scope for
// good) still gets its report after a failed post: never zero reports for a week.
func TestReportHistoryRefusedStillPosts(t *testing.T) {
	h := newHarness(t)
	h.slack.FailNext("chat.postMessage", 1, slacktest.SlackError("internal_error"))
	if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err == nil {
		t.Fatal("the refused post reported no error")
	}
	h.slack.FailNext("conversations.history", 5, slacktest.SlackError("missing_scope"))
	if err := reportBot(t, h, nil).runScheduledReport(h.ctx); err != nil {
		t.Fatalf("report with the history refused: %v", err)
	}
	if n := len(h.slack.Messages(reportChannel)); n != 1 {
		t.Fatalf("%d report messages, want 1", n)
	}
}
