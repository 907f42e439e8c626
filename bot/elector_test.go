package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// fakeElector leads when told to, and says each time it is asked.
type fakeElector struct {
	asked  chan struct{}
	leader atomic.Bool
}

func (e *fakeElector) IsLeader(context.Context) error {
	select {
	case e.asked <- struct{}{}:
	default:
	}
	if e.leader.Load() {
		return nil
	}
	return errors.New("another replica leads")
}

// TestReportOnlyOnTheLeader: a replica that does not lead dispatches but posts no report, not even
// the catch-up at start; once it leads, the weekly report goes out from it.
func TestReportOnlyOnTheLeader(t *testing.T) {
	el := &fakeElector{asked: make(chan struct{}, 16)}
	h := newHarness(t, func(c *Config) {
		c.ReportChannel, c.ReportCron, c.Tick = reportChannel, "0 9 * * MON", 365*24*time.Hour
		c.Elector = el
	})
	select {
	case <-el.asked: // the catch-up job asked, and was told no
	case <-h.ctx.Done():
		t.Fatal("the report jobs never asked the elector")
	}
	select {
	case <-h.bot.jobs.firstPass(): // dispatch runs on every replica
	case <-h.ctx.Done():
		t.Fatal("no dispatch pass on a replica that does not lead")
	}
	el.leader.Store(true)
	if err := h.clock.BlockUntilContext(h.ctx, 2); err != nil {
		t.Fatal(err)
	}
	h.advanceTo(t, time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC))
	msgs, err := h.slack.WaitMessages(h.ctx, reportChannel, 1)
	if err != nil {
		t.Fatalf("no report from the new leader: %v", err)
	}
	// The first report is the cron's, for the week to Sun 8 Mar: the catch-up (Mon 23 Feb – Sun
	// 1 Mar) was never posted by this replica while it did not lead.
	mustContain(t, string(msgs[0].Blocks), "Mon 2 Mar – Sun 8 Mar 2026")
}
