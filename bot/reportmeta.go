package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// reportRun serializes the scheduled report's runs in one process (the cron job, the catch-up
// job) and names the process in the intent it records (store.BeginReport).
type reportRun struct {
	mu    sync.Mutex
	once  sync.Once
	owner string
}

// ownerToken returns this process's random owner token.
func (r *reportRun) ownerToken() string {
	r.once.Do(func() {
		var buf [8]byte
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+)
		r.owner = hex.EncodeToString(buf[:])
	})
	return r.owner
}

// reportLease is how long another process's intent to post a report holds among replicas: a run
// lasts two minutes at most (scheduleReport). Without replicas an intent found at start is a
// dead process's, and holds not at all.
func (b *Bot) reportLease() time.Duration {
	if b.cfg.Elector == nil {
		return 0
	}
	return 3 * time.Minute
}

// reportMetaType is the metadata event type of a scheduled weekly report message.
const reportMetaType = "followup_weekly_report"

// reportMeta is the message metadata of the scheduled report for the period ending at end (the
// cron firing that closed it, in unix milliseconds).
func reportMeta(end time.Time) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: reportMetaType, EventPayload: map[string]any{"period_end": end.UnixMilli()}}
}

// findReport looks in the report channel for the scheduled report of the period ending at end,
// posted by an earlier run that died (or lost Slack's answer) before recording it, by the metadata
// every scheduled report carries. It reads the newest 1000 messages at most: a report channel
// busier than that in the time a crashed run takes to be retried is not expected.
func (b *Bot) findReport(ctx context.Context, end time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*callTimeout)
	defer cancel()
	params := &slack.GetConversationHistoryParameters{ChannelID: b.cfg.ReportChannel, Limit: 200, IncludeAllMetadata: true}
	for range 5 {
		h, err := b.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return false, fmt.Errorf("conversations.history: %w", err)
		}
		for _, m := range h.Messages {
			if m.Metadata.EventType == reportMetaType && metaInt(m.Metadata.EventPayload["period_end"]) == end.UnixMilli() {
				return true, nil
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
	return false, nil
}

// historyRefused reports whether Slack refused conversations.history for good (a missing scope, a
// channel the bot is not in or that is gone), as opposed to a failure worth waiting out.
func historyRefused(err error) bool {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return false
	}
	switch se.Err {
	case "missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type", "no_permission":
		return true
	}
	return false
}
