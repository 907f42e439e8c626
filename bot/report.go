package bot

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/report"
	"github.com/followup-bot/followup/cadence"
)

// libLookup is the lookup of cadences by id that the App Home takes, over lib; nil
// when lib is nil.
func libLookup(lib *cadence.Library) func(id string) (cadence.Cadence, bool) {
	if lib == nil {
		return nil
	}
	return func(id string) (cadence.Cadence, bool) {
		cd, err := lib.Get(id)
		return cd, err == nil
	}
}

// cadenceNameIn names a cadence for people: "After a demo", or its id when lookup (which may be
// nil) does not know it.
func cadenceNameIn(lookup func(id string) (cadence.Cadence, bool), id string) string {
	if lookup != nil {
		if cd, ok := lookup(id); ok && cd.Name != "" {
			return cd.Name
		}
	}
	return id
}

// buildReport computes the report for [from, to) as of now.
func (b *Bot) buildReport(ctx context.Context, from, to time.Time) (report.View, error) {
	r, err := b.store.Report(ctx, from, to, b.now())
	if err != nil {
		return report.View{}, err
	}
	return report.New(r, b.lib, b.cfg.Team.Location), nil
}

// postReport posts the report to channel with its chart. A chart that cannot be drawn or
// uploaded is logged: the numbers matter more than the picture.
// opts add to the message (the scheduled report's metadata).
func (b *Bot) postReport(ctx context.Context, channel string, v report.View, opts ...slack.MsgOption) error {
	text, blocks := slackReport(v)
	ch, _, err := b.api.PostMessageContext(ctx, channel, append([]slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}, opts...)...)
	if err != nil {
		return fmt.Errorf("post report to %s: %w", channel, err)
	}
	if err := b.uploadChart(ctx, ch, v); err != nil {
		b.log.Warn("report chart not uploaded", "channel", ch, "err", err)
	}
	return nil
}

// cmdReport answers /followup report: the past 7 days, posted to the report channel when one is
// set (the reply says so), else shown only to the asker.
func (b *Bot) cmdReport(ctx context.Context, r request) (Reply, error) {
	admin := b.isAdmin(r.user)
	if !admin {
		if ok, wait := b.limits.allow("report:"+r.user, b.now(), 1, reportEvery); !ok {
			return Reply{}, cadence.Errorf(cadence.EINVALID, "You asked for the report less than a minute ago; try again in %d s.",
				int(wait.Round(time.Second)/time.Second)+1)
		}
	}
	from, to := report.WeekEnding(b.now(), b.cfg.Team.Location)
	v, err := b.buildReport(ctx, from, to)
	if err != nil {
		return Reply{}, err
	}
	if !admin {
		// Only admins post to the team's channel; anyone else sees their own numbers with the
		// team's totals, only to themselves.
		v = v.OnlyRep(r.user)
		text, blocks := slackReport(v)
		note := "Your numbers and the team's totals, shown only to you. Only admins post the report to the channel."
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(note)))
		return Reply{Text: text, Blocks: blocks}, nil
	}
	if ch := b.cfg.ReportChannel; ch != "" {
		if err := b.postReport(ctx, ch, v); err != nil {
			return Reply{}, err
		}
		return textReply("Posted the report for %s in <#%s>.", v.PeriodLabel(), ch), nil
	}
	text, blocks := slackReport(v)
	return Reply{Text: text, Blocks: blocks}, nil
}

// reportEvery is how often someone who is not an admin may ask for the report.
const reportEvery = time.Minute

// runScheduledReport posts the report that was due last (at the latest firing of the schedule at
// or before now) unless it was already posted. It serves the cron job and the catch-up at start
// alike, so a report missed while the bot was down goes out when it is back, and each week is
// reported exactly once, across crashes and replicas. It does nothing without a report channel.
func (b *Bot) runScheduledReport(ctx context.Context) error {
	if b.cfg.ReportChannel == "" || b.cfg.ReportCron == "" {
		return nil
	}
	b.report.mu.Lock() // the cron job and the catch-up job may fire together
	defer b.report.mu.Unlock()
	sched, err := report.Schedule(b.cfg.ReportCron, b.cfg.Team.Location)
	if err != nil {
		return fmt.Errorf("FOLLOWUP_REPORT_CRON: %w", err)
	}
	due := sched.Last(b.now())
	if due.IsZero() {
		return nil
	}
	prev, err := b.store.LastReportedWeek(ctx)
	if err != nil {
		return err
	}
	if !prev.IsZero() && !due.After(prev) {
		return nil
	}
	// Built before the intent is recorded: a process that dies while building (the slow part)
	// leaves no trace, for the next start or the next leader among replicas to report the week.
	from, to := report.WeekBefore(due, b.cfg.Team.Location)
	v, err := b.buildReport(ctx, from, to)
	if err != nil {
		return fmt.Errorf("weekly report for %s: %w", due.Format(time.RFC3339), err)
	}
	// Exactly once across crashes and replicas, the way reminder DMs are: the intent is recorded
	// before the post, the post carries metadata naming its week, and the post is recorded after.
	// A run that finds the intent of an earlier one looks for that post before posting again.
	state, err := b.store.BeginReport(ctx, due, b.report.ownerToken(), b.now(), b.reportLease())
	if err != nil || state == cadence.ReportDone {
		return err
	}
	if state == cadence.ReportBusy {
		b.log.Info("weekly report being posted by another process", "period_end", due)
		return nil
	}
	if state == cadence.ReportRetry {
		found, err := b.findReport(ctx, due)
		switch {
		case err != nil && historyRefused(err):
			// Waiting would not help: without the scope (an install from before it was asked for)
			// or the channel, the history stays unreadable, and the week would never be reported.
			// A report possibly doubled after a crash is better than one never posted.
			b.log.Warn("weekly report: cannot read the report channel's history to look for an earlier post; "+
				"posting it, which may double it after a crash (reinstall the app from manifest.yaml for channels:history and groups:history)",
				"channel", b.cfg.ReportChannel, "err", err)
		case err != nil:
			return fmt.Errorf("weekly report for %s: look for an earlier post: %w", due.Format(time.RFC3339), err)
		}
		if found {
			if _, err := b.store.MarkReported(context.WithoutCancel(ctx), due); err != nil {
				return err
			}
			b.log.Info("weekly report found already posted", "channel", b.cfg.ReportChannel, "period_end", due)
			return nil
		}
	}
	if err := b.postReport(ctx, b.cfg.ReportChannel, v, slack.MsgOptionMetadata(reportMeta(due))); err != nil {
		// Also when the bot is stopping: the intent stays, and the next run (this process's next
		// tick, the next start, or the next leader) looks for the post before posting again.
		return fmt.Errorf("weekly report for %s: %w", due.Format(time.RFC3339), err)
	}
	if _, err := b.store.MarkReported(context.WithoutCancel(ctx), due); err != nil {
		return fmt.Errorf("weekly report for %s posted, not recorded: %w", due.Format(time.RFC3339), err)
	}
	b.log.Info("weekly report posted", "channel", b.cfg.ReportChannel, "period_end", due)
	return nil
}

// scheduleReport adds the weekly report to the scheduler: a cron job on FOLLOWUP_REPORT_CRON in
// FOLLOWUP_TIMEZONE, and a one-time job at start that posts a report missed while the bot was
// down (with an Elector, a job every Tick, so that a new leader posts what the old one missed). It adds nothing when no report channel is set. guard (from startJobs) makes shutdown wait
// for a run in flight; a run has two minutes at most, and is cancelled when the bot stops.
func (b *Bot) scheduleReport(s gocron.Scheduler, guard func(func(context.Context)) func()) error {
	if b.cfg.ReportChannel == "" || b.cfg.ReportCron == "" {
		return nil
	}
	sched, err := report.Schedule(b.cfg.ReportCron, b.cfg.Team.Location)
	if err != nil {
		return fmt.Errorf("FOLLOWUP_REPORT_CRON: %w", err)
	}
	task := gocron.NewTask(guard(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := b.runScheduledReport(ctx); err != nil {
			b.log.Error("weekly report failed", "err", err)
		}
	}))
	if _, err := s.NewJob(gocron.CronJob(sched.Spec(), false), task, gocron.WithName("weekly-report"),
		gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
		return fmt.Errorf("schedule weekly report: %w", err)
	}
	catchUp := gocron.OneTimeJob(gocron.OneTimeJobStartImmediately())
	var catchUpOpts []gocron.JobOption
	if b.cfg.Elector != nil {
		// Among replicas the leader may change at any time, and a new leader must post what the
		// old one missed: the catch-up then runs every tick (one read when nothing is due).
		catchUp = gocron.DurationJob(b.cfg.Tick)
		catchUpOpts = []gocron.JobOption{gocron.WithStartAt(gocron.WithStartImmediately()),
			gocron.WithSingletonMode(gocron.LimitModeReschedule)}
	}
	if _, err := s.NewJob(catchUp, task, append(catchUpOpts, gocron.WithName("weekly-report-catch-up"))...); err != nil {
		return fmt.Errorf("schedule weekly report catch-up: %w", err)
	}
	return nil
}

// slackReport renders the report as a Slack message: its notification text and blocks.
func slackReport(v report.View) (string, []slack.Block) {
	text, blocks := v.Blocks()
	return text, slackBlocks(blocks)
}

// slackBlocks turns the report's Block Kit values into slack-go's, which marshal to the same JSON
// (TestSlackBlocksKeepTheJSON).
func slackBlocks(bs []report.Block) []slack.Block {
	text := func(t *report.Text) *slack.TextBlockObject {
		if t == nil {
			return nil
		}
		return &slack.TextBlockObject{Type: t.Type, Text: t.Text, Emoji: t.Emoji}
	}
	out := make([]slack.Block, 0, len(bs))
	for _, b := range bs {
		switch b.Type {
		case report.BlockHeader:
			out = append(out, slack.NewHeaderBlock(text(b.Text)))
		case report.BlockSection:
			out = append(out, slack.NewSectionBlock(text(b.Text), nil, nil))
		case report.BlockDivider:
			out = append(out, slack.NewDividerBlock())
		case report.BlockContext:
			var els []slack.MixedElement
			for _, e := range b.Elements {
				els = append(els, text(&e))
			}
			out = append(out, slack.NewContextBlock("", els...))
		}
	}
	return out
}

// uploadChart draws the chart and shares it in channel with Slack's current upload flow
// (files.getUploadURLExternal, the bytes to the upload URL, files.completeUploadExternal with
// channel_id). It needs the files:write scope. Nothing is uploaded when there is nothing to draw.
func (b *Bot) uploadChart(ctx context.Context, channel string, v report.View) error {
	c, err := v.Chart()
	if err != nil || c == nil {
		return err
	}
	_, err = b.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader:   bytes.NewReader(c.PNG),
		FileSize: len(c.PNG),
		Filename: c.Filename,
		Title:    c.Title,
		AltTxt:   c.AltText,
		Channel:  channel,
	})
	if err != nil {
		return fmt.Errorf("upload chart: %w", err)
	}
	return nil
}
