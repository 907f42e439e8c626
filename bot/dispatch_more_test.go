package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// faultStore is the real store with hooks: a nil hook calls through.
type faultStore struct {
	Store
	claim        func(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error)
	markReminded func(ctx context.Context, touchID int64, token int, channel, ts string, now time.Time, d ...cadence.Draft) error
	release      func(ctx context.Context, touchID int64, token int, retryAt time.Time) error
}

var _ Store = (*faultStore)(nil)

func (s *faultStore) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error) {
	if s.claim != nil {
		return s.claim(ctx, now, limit, lease)
	}
	return s.Store.Claim(ctx, now, limit, lease)
}

func (s *faultStore) MarkReminded(ctx context.Context, touchID int64, token int, channel, ts string, now time.Time, d ...cadence.Draft) error {
	if s.markReminded != nil {
		return s.markReminded(ctx, touchID, token, channel, ts, now, d...)
	}
	return s.Store.MarkReminded(ctx, touchID, token, channel, ts, now, d...)
}

func (s *faultStore) Release(ctx context.Context, touchID int64, token int, retryAt time.Time) error {
	if s.release != nil {
		return s.release(ctx, touchID, token, retryAt)
	}
	return s.Store.Release(ctx, touchID, token, retryAt)
}

// newFaultBotOn is newFaultBot on a hooked store.
func newFaultBotOn(t *testing.T, h *harness, fs *faultStore) *faultBot {
	t.Helper()
	fs.Store = h.store
	saved := h.bot.cfg.Store
	h.bot.cfg.Store = fs
	defer func() { h.bot.cfg.Store = saved }()
	return newFaultBot(t, h)
}

// TestCrashBeforeRecordThenAfterHours: the DM went out at 16:59 but the process died before
// recording it; the touch is claimed again after 17:00, moved to the next morning, and then must
// be found in the DM conversation rather than posted a second time.
func TestCrashBeforeRecordThenAfterHours(t *testing.T) {
	h := newDispatchHarness(t)
	h.advanceTo(t, mustTime(t, "2026-03-03T20:59:00Z")) // 15:59 in New York
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	if got := v.Open.Due.In(nyc(t)).Format("Mon 15:04"); got != "Tue 16:59" {
		t.Fatalf("first touch due %s, want Tue 16:59", got)
	}
	var crashed atomic.Bool
	fs := &faultStore{}
	fs.markReminded = func(ctx context.Context, id int64, token int, ch, ts string, now time.Time, d ...cadence.Draft) error {
		if crashed.CompareAndSwap(false, true) {
			return errors.New("process died") // the DM exists, the database does not know it
		}
		return fs.Store.MarkReminded(ctx, id, token, ch, ts, now, d...)
	}
	f := newFaultBotOn(t, h, fs)
	f.advance(v.Open.Due.Sub(f.clock.Now()))
	f.dispatchWaiting(t, 250*time.Millisecond)
	first := h.waitDM(t, alice, 1)[0]

	f.advance(dispatchLease + time.Minute) // 17:05: the lease ended, working hours too
	f.dispatchWaiting(t, 250*time.Millisecond)
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := tv.Touch.Due.In(nyc(t)).Format("Mon 15:04"); got != "Wed 09:00" {
		t.Fatalf("re-claimed touch moved to %s, want Wed 09:00", got)
	}
	f.advance(tv.Touch.Due.Sub(f.clock.Now()))
	f.dispatchWaiting(t, 250*time.Millisecond)

	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs for one touchpoint, want 1", n)
	}
	tv, err = h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Touch.State != cadence.TouchReminded || tv.Touch.DMTS != first.Ts {
		t.Errorf("touchpoint %s with DM %q, want reminded with the first DM %q", tv.Touch.State, tv.Touch.DMTS, first.Ts)
	}
}

// TestStoppedWhileQueuedGetsNoDM: a follow-up stopped (here by an opt-out) after its touch was
// claimed but before its DM went out produces no DM.
func TestStoppedWhileQueuedGetsNoDM(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	fs := &faultStore{}
	fs.claim = func(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error) {
		cs, err := fs.Store.Claim(ctx, now, limit, lease)
		if len(cs) > 0 { // the opt-out comes while the claims wait in their queues
			if _, err := h.bot.optOut(ctx, bob, v.Contact.ID, "asked on a call"); err != nil {
				t.Error(err)
			}
		}
		return cs, err
	}
	h.advanceTo(t, v.Open.Due)
	f := newFaultBotOn(t, h, fs)
	f.dispatchWaiting(t, 250*time.Millisecond)
	if n := len(h.slack.CallsTo("chat.postMessage")); n != 0 {
		t.Errorf("%d reminder DMs for a follow-up stopped before they went out", n)
	}
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Touch.State != cadence.TouchCancelled {
		t.Errorf("touchpoint %s, want cancelled", tv.Touch.State)
	}
}

// TestAwayAndHolidayDefer: a touch due while the rep is away waits for their return, and a team
// holiday is skipped; the DM comes at the start of the next working day.
func TestAwayAndHolidayDefer(t *testing.T) {
	h := newDispatchHarness(t, func(c *Config) {
		c.Team.Holidays = map[string]bool{"2026-03-05": true} // Thu
	})
	v := h.enroll(t, alice, dana, "demo", h.clock.Now()) // due Tue 10:00 New York
	mustContain(t, h.slash(t, alice, "away 2026-03-03 2026-03-04"), "You're away")
	for end := mustTime(t, "2026-03-07T00:00:00Z"); h.clock.Now().Before(end); {
		h.clock.Advance(30 * time.Minute)
		h.pass(t)
	}
	ms := h.dms(alice)
	if len(ms) != 1 {
		t.Fatalf("%d DMs, want 1", len(ms))
	}
	if got := tsTime(t, ms[0].Ts).In(nyc(t)).Format("Mon 15:04"); got != "Fri 09:00" {
		t.Errorf("reminded %s, want Fri 09:00 (away Tue-Wed, holiday Thu)", got)
	}
	if got := metaTouch(t, ms[0]); got != v.Open.ID {
		t.Errorf("DM for touchpoint %d, want %d", got, v.Open.ID)
	}
}

// TestPausedUntilResumes: a follow-up paused until a date resumes by itself on that day and its
// touch is reminded then, in working hours.
func TestPausedUntilResumes(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	mustContain(t, h.slash(t, alice, "pause "+v.Enrollment.ID+" until=2026-03-09"), v.Enrollment.ID)
	for end := mustTime(t, "2026-03-10T00:00:00Z"); h.clock.Now().Before(end); {
		h.clock.Advance(time.Hour)
		h.pass(t)
	}
	ms := h.dms(alice)
	if len(ms) != 1 {
		t.Fatalf("%d DMs, want 1 after the pause", len(ms))
	}
	if at := tsTime(t, ms[0].Ts).In(nyc(t)); at.Format("Mon 2 Jan") != "Mon 9 Mar" || at.Hour() < 9 || at.Hour() >= 17 {
		t.Errorf("reminded %s, want Mon 9 Mar in working hours", at.Format("Mon 2 Jan 15:04"))
	}
	e, err := h.store.Enrollment(h.ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enrollment.Status != cadence.StatusActive {
		t.Errorf("follow-up %s, want active again", e.Enrollment.Status)
	}
}

// TestFinalStepAndDealClosedComplete: Sent on the last step completes the follow-up, deal closed
// completes another; neither produces another DM.
func TestFinalStepAndDealClosedComplete(t *testing.T) {
	h := newDispatchHarness(t)
	id, m := h.remind(t, alice, dana)
	for step := 1; ; step++ {
		h.click(t, alice, m, actSent)
		h.waitUpdated(t, m, 1)
		e, err := h.store.Enrollment(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Open == nil {
			if e.Enrollment.Status != cadence.StatusCompleted || step != len(h.mustCadence(t, "demo").Steps) {
				t.Fatalf("after Sent on step %d: %s (%s)", step, e.Enrollment.Status, e.Enrollment.StopReason)
			}
			break
		}
		h.advanceTo(t, e.Open.Due)
		h.pass(t)
		ms := h.waitDM(t, alice, step+1)
		m = ms[len(ms)-1]
	}
	last := h.waitUpdated(t, m, 1)
	mustContain(t, dmText(last), "No more follow-ups: completed")

	id2, _ := h.remind(t, alice, cadence.Contact{Name: "Eve", Email: "eve@example.com"})
	if _, err := h.bot.applyOutcome(h.ctx, alice, id2, 0, cadence.OutcomeDealClosed, cadence.Gap{}); err != nil {
		t.Fatal(err)
	}
	e, err := h.store.Enrollment(h.ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enrollment.Status != cadence.StatusCompleted || e.Open != nil {
		t.Errorf("after deal closed: %s open %+v", e.Enrollment.Status, e.Open)
	}
	before := len(h.dms(alice))
	for range 10 {
		h.clock.Advance(3 * 24 * time.Hour)
		h.pass(t)
	}
	if n := len(h.dms(alice)); n != before {
		t.Errorf("%d DMs after the follow-ups completed, want %d", n, before)
	}
}

func (h *harness) mustCadence(t *testing.T, id string) cadence.Cadence {
	t.Helper()
	cd, err := h.bot.lib.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return cd
}

// TestStopWaitsForPass: stopping the scheduler while a pass waits out a long Retry-After cancels
// the pass and returns only when it has given its claims back, so the store can be closed.
func TestStopWaitsForPass(t *testing.T) {
	h := newDispatchHarness(t)
	for _, c := range []cadence.Contact{dana, {Name: "Eve", Email: "eve@example.com"}} {
		h.enroll(t, alice, c, "demo", h.clock.Now())
	}
	h.advanceTo(t, mustTime(t, "2026-03-03T15:00:00Z"))
	var stopped, lateRelease atomic.Bool
	released := make(chan struct{}, 4)
	fs := &faultStore{}
	fs.release = func(ctx context.Context, id int64, token int, at time.Time) error {
		if stopped.Load() {
			lateRelease.Store(true)
		}
		err := fs.Store.Release(ctx, id, token, at)
		released <- struct{}{}
		return err
	}
	f := newFaultBotOn(t, h, fs)
	f.jobs.stopTimeout = 50 * time.Millisecond
	h.slack.FailNext("chat.postMessage", 1, slacktest.RateLimited(time.Hour)) // the pass waits an hour
	stop, err := f.startJobs(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "chat.postMessage", 1); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped.Store(true)
	select {
	case <-released:
	default:
		t.Error("stop returned before the pass gave its queued claim back")
	}
	if lateRelease.Load() {
		t.Error("the pass was still running after stop returned")
	}
	if calls := h.slack.CallsTo("chat.postMessage"); len(calls) != 1 || calls[0].Status != http.StatusTooManyRequests {
		t.Errorf("postMessage calls %+v, want the one 429", calls)
	}
}

// secretLog records every log record at info level or above, with its attributes, as text.
type secretLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *secretLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }
func (l *secretLog) WithAttrs(as []slog.Attr) slog.Handler {
	// Attributes bound with With are checked as a record of their own.
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "with", 0)
	r.AddAttrs(as...)
	_ = l.Handle(context.Background(), r)
	return l
}
func (l *secretLog) WithGroup(string) slog.Handler { return l }
func (l *secretLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	return nil
}

// TestDispatchLogsNoSecrets: a dispatch run through retries, a 429, clicks and a rep Slack no
// longer knows logs no token, no contact note and no draft at info level or above.
func TestDispatchLogsNoSecrets(t *testing.T) {
	rec := &secretLog{}
	h := newDispatchHarness(t, func(c *Config) { c.Logger = slog.New(rec) })
	const note = "NOTE-7c1e budget owner is the CFO"
	v := h.enroll(t, alice, dana, "demo", h.clock.Now(), func(e *cadence.Enrollment) { e.Note = note })
	h.enroll(t, bob, cadence.Contact{Name: "Eve", Email: "eve@example.com"}, "demo", h.clock.Now(),
		func(e *cadence.Enrollment) { e.Note = note })
	h.advanceTo(t, v.Open.Due)
	h.slack.FailNext("chat.postMessage", 1, slacktest.RateLimited(time.Second))
	h.slack.FailNext("chat.postMessage", 1, slacktest.ServerError(http.StatusBadGateway))
	f := newFaultBot(t, h)
	f.dispatchWaiting(t, 250*time.Millisecond)
	m := h.waitDM(t, alice, 1)[0]
	h.click(t, bob, m, actSent) // someone else's click
	h.click(t, alice, m, actSent)
	h.waitUpdated(t, m, 1)
	h.slack.FailNext("chat.postMessage", 1, slacktest.SlackError("user_not_found"))
	f.advance(14 * 24 * time.Hour)
	f.dispatchWaiting(t, 250*time.Millisecond)

	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{h.slack.BotToken(), h.slack.AppToken(), "NOTE-7c1e", longestLine(tv.Touch.Draft)}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.lines) == 0 {
		t.Fatal("nothing logged")
	}
	for _, line := range rec.lines {
		for _, s := range secrets {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("log line holds %.12q…: %s", s, line)
			}
		}
	}
}

// longestLine returns the longest line of a draft, a piece no log line holds by chance.
func longestLine(s string) string {
	best := ""
	for _, l := range strings.Split(s, "\n") {
		if len(l) > len(best) {
			best = l
		}
	}
	return best
}

// TestRateLimitedHistoryLookupRetriesAfterRetryAfter: a 429 on the look-up for an earlier DM
// (a re-claimed touch) gives the touch back only until Slack's Retry-After, not for minutes.
func TestRateLimitedHistoryLookupRetriesAfterRetryAfter(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	f := newFaultBot(t, h)
	h.slack.FailNext("chat.postMessage", maxTransient, slacktest.ServerError(http.StatusInternalServerError))
	f.dispatchWaiting(t, time.Second) // fails; released for retryLater
	f.advance(retryLater)
	h.slack.FailNext("conversations.history", 1, slacktest.RateLimited(3*time.Second))
	f.dispatchWaiting(t, time.Second) // re-claimed: the history look-up is rate limited
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.clock.Now().Add(3 * time.Second); tv.Touch.LeaseUntil.After(want) {
		t.Errorf("touch given back until %v, want no later than %v (Retry-After)", tv.Touch.LeaseUntil, want)
	}
	f.advance(3 * time.Second)
	f.dispatchWaiting(t, time.Second)
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs after the rate limit passed, want 1", n)
	}
}
