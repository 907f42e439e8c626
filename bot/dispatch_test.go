package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// Reps east and west of UTC, added to the harness's fake Slack by the tests that need them.
const (
	tokyo = "U0TOKYO001"
	la    = "U0LOSANG01"
)

// newDispatchHarness is the shared harness without scheduled dispatch passes (ManualDispatch), so
// that each test drives the passes itself with Tick and can assert that nothing more was posted.
// Tick is a year of fake time: the report's catch-up job stays out of the way too.
func newDispatchHarness(t *testing.T, opts ...func(*Config)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*Config){func(c *Config) {
		c.ManualDispatch, c.Tick = true, 365*24*time.Hour
	}}, opts...)...)
}

// enroll starts a follow-up for owner through the state machine and the store, as /followup add
// does, with the trigger at trigger.
func (h *harness) enroll(t *testing.T, owner string, c cadence.Contact, cadenceID string, trigger time.Time, mods ...func(*cadence.Enrollment)) cadence.EnrollmentView {
	t.Helper()
	cd, err := h.bot.lib.Get(cadenceID)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := h.bot.repWindow(h.ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	e := cadence.Enrollment{Owner: owner, CadenceID: cd.ID, Trigger: cd.Trigger, TriggerAt: trigger, Intent: cadence.IntentWarm}
	for _, m := range mods {
		m(&e)
	}
	ch, err := cadence.Start(cd, e, w, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	ch.Event.Actor = owner
	v, err := h.store.Enroll(h.ctx, c, ch, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// advanceTo moves the fake clock forward to at.
func (h *harness) advanceTo(t *testing.T, at time.Time) {
	t.Helper()
	if d := at.Sub(h.clock.Now()); d > 0 {
		h.clock.Advance(d)
	}
}

// pass runs one scheduled job run (resume, then dispatch) and waits for it.
func (h *harness) pass(t *testing.T) {
	t.Helper()
	h.bot.Tick(h.ctx)
}

// dms returns the messages in user's DM channel.
func (h *harness) dms(user string) []slacktest.Message { return h.slack.Messages(user) }

// click presses a button of a reminder DM as user and returns the response_url of the click.
func (h *harness) click(t *testing.T, user string, m slacktest.Message, actionID string) string {
	t.Helper()
	value, blockID := buttonOf(t, m, actionID)
	url := h.slack.NewResponseURL()
	ack, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: user, ChannelID: m.Channel, MessageTs: m.Ts,
		ActionID: actionID, BlockID: blockID, Value: value, ResponseURL: url})
	if err != nil {
		t.Fatalf("click %s: %v", actionID, err)
	}
	checkAck(t, ack)
	return url
}

// buttonOf finds a button in a message and returns its value and its block's id.
func buttonOf(t *testing.T, m slacktest.Message, actionID string) (value, blockID string) {
	t.Helper()
	var blocks []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks of %s: %v", m.Ts, err)
	}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value, b.BlockID
			}
		}
	}
	t.Fatalf("message %s has no %s button:\n%s", m.Ts, actionID, m.Blocks)
	return "", ""
}

// waitUpdated waits until the message at m.Channel/m.Ts was updated at least n times and returns it.
func (h *harness) waitUpdated(t *testing.T, m slacktest.Message, n int) slacktest.Message {
	t.Helper()
	for k := 1; ; k++ {
		if _, err := h.slack.WaitCalls(h.ctx, "chat.update", k); err != nil {
			t.Fatalf("message %s not updated %d times: %v", m.Ts, n, err)
		}
		for _, got := range h.slack.Messages(m.Channel) {
			if got.Ts == m.Ts && got.Updated >= n {
				return got
			}
		}
	}
}

// dmText is a message's text and the text of its sections and context blocks.
func dmText(m slacktest.Message) string { return m.Text + "\n" + blockText(m.Blocks) }

// metaTouch reads the touchpoint id from a reminder DM's metadata.
func metaTouch(t *testing.T, m slacktest.Message) int64 {
	t.Helper()
	var meta struct {
		EventType    string `json:"event_type"`
		EventPayload struct {
			TouchpointID int64 `json:"touchpoint_id"`
		} `json:"event_payload"`
	}
	if err := json.Unmarshal(m.Metadata, &meta); err != nil || meta.EventType != touchMetaType {
		t.Fatalf("message %s has no touchpoint metadata: %s", m.Ts, m.Metadata)
	}
	return meta.EventPayload.TouchpointID
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

var dana = cadence.Contact{Name: "Dana Diaz", Email: "dana@acme.com", Company: "Acme", Role: "VP Sales"}

// TestReminderLifecycle: enroll → DM at the right local time → Sent → the next DM after the gap
// in business days → Replied → no more DMs.
func TestReminderLifecycle(t *testing.T) {
	h := newDispatchHarness(t)
	// Tue 3 Mar 2026 09:00 in New York. The demo cadence's first touch is 1h after the demo.
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	first := v.Open.Due
	if got := first.In(nyc(t)).Format("Mon 15:04"); got != "Tue 10:00" {
		t.Fatalf("first touch due %s, want Tue 10:00 New York", got)
	}

	h.advanceTo(t, first.Add(-time.Minute))
	h.pass(t)
	if n := len(h.dms(alice)); n != 0 {
		t.Fatalf("%d DMs a minute before the touch was due", n)
	}
	h.advanceTo(t, first)
	h.pass(t)
	ms := h.waitDM(t, alice, 1)
	m := ms[0]
	mustContain(t, dmText(m), "Dana Diaz", "VP Sales at Acme", "follow-up 1 of 4", "dana@acme.com", "*Draft* (offline template)")
	if got := metaTouch(t, m); got != v.Open.ID {
		t.Errorf("DM metadata names touchpoint %d, want %d", got, v.Open.ID)
	}
	if calls := h.slack.CallsTo("chat.postMessage"); len(calls) != 1 || !calls[0].At.Equal(first) {
		t.Errorf("postMessage calls %+v, want one at %v", calls, first)
	}
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Touch.State != cadence.TouchReminded || tv.Touch.DMTS != m.Ts || tv.Touch.Draft == "" {
		t.Errorf("touchpoint after dispatch: %+v", tv.Touch)
	}

	// Sent, ten minutes later: the DM shows it, with no buttons, and what comes next.
	h.advanceTo(t, first.Add(10*time.Minute))
	h.click(t, alice, m, actSent)
	m = h.waitUpdated(t, m, 1)
	mustContain(t, dmText(m), "*Sent* by <@"+alice+">", "Next: follow-up 2 of 4, Email, Thu 5 Mar 10:10")
	if strings.Contains(string(m.Blocks), `"tp.`+"sent") {
		t.Errorf("closed DM still has buttons: %s", m.Blocks)
	}

	// The next touch comes two business days later, in working hours.
	v2, err := h.store.Enrollment(h.ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	second := v2.Open.Due
	h.advanceTo(t, second.Add(-time.Minute))
	h.pass(t)
	if n := len(h.dms(alice)); n != 1 {
		t.Fatalf("%d DMs before the second touch was due", n)
	}
	h.advanceTo(t, second)
	h.pass(t)
	m2 := h.waitDM(t, alice, 2)[1]
	mustContain(t, dmText(m2), "follow-up 2 of 4", "*Last:* Follow-up 1 of 4 (Email): sent")

	h.click(t, alice, m2, actReplied)
	m2 = h.waitUpdated(t, m2, 1)
	mustContain(t, dmText(m2), "*Replied*", "No more follow-ups: completed (replied)")

	// Weeks go by: nothing more.
	for range 10 {
		h.clock.Advance(3 * 24 * time.Hour)
		h.pass(t)
	}
	if n := len(h.dms(alice)); n != 2 {
		t.Errorf("%d DMs after Replied, want 2", n)
	}
	e, err := h.store.Enrollment(h.ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enrollment.Status != cadence.StatusCompleted || e.Enrollment.StopReason != cadence.StopReplied || e.Open != nil {
		t.Errorf("enrollment after Replied: %+v open %+v", e.Enrollment, e.Open)
	}
}

func nyc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRemindersInEachRepsHours: a rep in Asia/Tokyo and one in America/Los_Angeles get their
// reminders inside their own working hours, also when the bot was down while they came due.
func TestRemindersInEachRepsHours(t *testing.T) {
	h := newDispatchHarness(t)
	h.slack.AddUser(slacktest.User{ID: tokyo, Name: "kenji", RealName: "Kenji Tanaka", TZ: "Asia/Tokyo", TZOffset: 9 * 3600})
	h.slack.AddUser(slacktest.User{ID: la, Name: "lena", RealName: "Lena Ortiz", TZ: "America/Los_Angeles", TZOffset: -8 * 3600})
	now := h.clock.Now() // Tue 14:00 UTC: 23:00 in Tokyo, 06:00 in Los Angeles
	h.enroll(t, tokyo, cadence.Contact{Name: "Aiko", Email: "aiko@example.jp"}, "demo", now)
	h.enroll(t, la, cadence.Contact{Name: "Sam", Email: "sam@example.com"}, "demo", now)
	// A touch that came due while the bot was down, at night for its rep: it must wait for morning.
	h.enroll(t, tokyo, cadence.Contact{Name: "Yuki", Email: "yuki@example.jp"}, "demo", now.Add(-48*time.Hour))

	zones := map[string]string{tokyo: "Asia/Tokyo", la: "America/Los_Angeles"}
	f := newFaultBot(t, h)
	for range 3 * 24 * 2 { // three days, every 30 minutes
		f.advance(30 * time.Minute)
		f.dispatchWaiting(t, 250*time.Millisecond)
	}
	for user, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		ms := h.dms(user)
		if len(ms) == 0 {
			t.Errorf("%s got no reminder", zone)
		}
		for _, m := range ms {
			at := tsTime(t, m.Ts).In(loc)
			if at.Hour() < 9 || at.Hour() >= 17 || at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
				t.Errorf("%s: reminder at %s local, outside working hours", zone, at.Format("Mon 15:04"))
			}
		}
	}
	if n := len(h.dms(tokyo)); n != 2 {
		t.Errorf("Tokyo rep got %d reminders, want 2", n)
	}
}

// tsTime reads a Slack ts (the fake uses its clock for them).
func tsTime(t *testing.T, ts string) time.Time {
	t.Helper()
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}

// TestDecisionDatePassedStops: a touch of a follow-up whose decision date passed is not
// reminded; the follow-up stops as timeline_passed.
func TestDecisionDatePassedStops(t *testing.T) {
	h := newDispatchHarness(t)
	decision := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now(), func(e *cadence.Enrollment) { e.DecisionDate = decision })
	h.advanceTo(t, time.Date(2026, 3, 5, 15, 0, 0, 0, time.UTC)) // Thu: the decision date is over
	h.pass(t)
	if n := len(h.dms(alice)); n != 0 {
		t.Errorf("%d DMs after the decision date", n)
	}
	e, err := h.store.Enrollment(h.ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enrollment.Status != cadence.StatusStopped || e.Enrollment.StopReason != cadence.StopTimelinePassed {
		t.Errorf("enrollment %+v, want stopped timeline_passed", e.Enrollment)
	}
}

// TestSchedulerDispatches: the gocron job on the fake clock dispatches by itself every Tick.
func TestSchedulerDispatches(t *testing.T) {
	runs := newRunMonitor()
	h := newHarness(t, func(c *Config) { c.Tick = time.Minute; c.jobsMonitor = runs })
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	// The immediate first pass must be over before the clock moves: a pass still running when the
	// next run fires makes gocron skip that run (singleton mode) and reschedule it past the advance.
	select {
	case <-h.bot.jobs.firstPass():
	case <-h.ctx.Done():
		t.Fatal(h.ctx.Err())
	}
	if err := h.clock.BlockUntilContext(h.ctx, 1); err != nil { // the job's next run is scheduled
		t.Fatal(err)
	}
	h.advanceTo(t, v.Open.Due)
	// The run the advance fires reminds the rep. gocron may also skip a run, as the advance
	// catches up on the Ticks it jumped (one of them running, the next skipped), or as a run
	// fires in the moment between the end of the previous one's task and gocron counting it
	// over. After a skip the clock moves on a Tick, once every pass begun is counted over: a pass
	// reads the clock, and moving it under a pass could carry it past the rep's working hours.
	dms := make(chan []slacktest.Message, 1)
	go func() {
		ms, _ := h.slack.WaitMessages(h.ctx, alice, 1)
		dms <- ms
	}()
	for {
		select {
		case ms := <-dms:
			if len(ms) == 0 {
				t.Fatalf("waiting for the DM to %s: %v", alice, h.ctx.Err())
			}
			if got := metaTouch(t, ms[0]); got != v.Open.ID {
				t.Errorf("DM for touchpoint %d, want %d", got, v.Open.ID)
			}
			return
		case <-runs.skipped:
			if done, over := runs.over(); h.bot.jobs.started.Load() > done {
				select {
				case <-over:
				case <-h.ctx.Done():
					t.Fatal(h.ctx.Err())
				}
				continue // the pass that ran may have reminded the rep; a skip after it says otherwise
			}
			if err := h.clock.BlockUntilContext(h.ctx, 1); err != nil { // the skipped run is rescheduled
				t.Fatal(err)
			}
			h.clock.Advance(time.Minute)
		}
	}
}

// runMonitor is a gocron.Monitor that counts the dispatch runs gocron has counted over, and
// reports the runs it skips.
type runMonitor struct {
	skipped chan struct{} // one pending skip is enough to act on

	mu      sync.Mutex
	done    int64
	changed chan struct{} // closed and replaced when done goes up
}

func newRunMonitor() *runMonitor {
	return &runMonitor{skipped: make(chan struct{}, 1), changed: make(chan struct{})}
}

// over returns how many runs gocron has counted over, and a channel closed at the next.
func (m *runMonitor) over() (int64, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done, m.changed
}

func (m *runMonitor) IncrementJob(_ uuid.UUID, name string, _ []string, status gocron.JobStatus) {
	if name != "dispatch" {
		return
	}
	switch status {
	case gocron.Success, gocron.Fail:
		m.mu.Lock()
		m.done++
		close(m.changed)
		m.changed = make(chan struct{})
		m.mu.Unlock()
	case gocron.SingletonRescheduled:
		select { // never holds up gocron's executor
		case m.skipped <- struct{}{}:
		default:
		}
	}
}

func (*runMonitor) RecordJobTiming(time.Time, time.Time, uuid.UUID, string, []string) {}

// faultBot is a second bot on the harness's store and fake Slack, not running (no scheduler, no
// Socket Mode), with a fake clock of its own that the fake Slack follows too: the only sleepers
// on it are the dispatcher's, so a test can advance it exactly when the dispatcher waits.
type faultBot struct {
	*Bot
	clock *clockwork.FakeClock
	h     *harness
}

func newFaultBot(t *testing.T, h *harness) *faultBot {
	t.Helper()
	clk := clockwork.NewFakeClockAt(h.clock.Now())
	cfg := h.bot.cfg
	cfg.Clock = clk
	cfg.ManualDispatch = false // when a test starts its jobs (startJobs), the dispatch job is one
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Identify(h.ctx); err != nil {
		t.Fatal(err)
	}
	return &faultBot{Bot: b, clock: clk, h: h}
}

// advance moves the fault bot's clock and the harness's (which the fake Slack reads) together.
func (f *faultBot) advance(d time.Duration) {
	// The fake Slack stamps calls with the harness clock: move it first, so a sleeper woken by the
	// fault bot's clock never posts with a stamp from before the advance.
	f.h.clock.Advance(d)
	f.clock.Advance(d)
}

// dispatchWaiting runs a dispatch pass, advancing both clocks by step whenever the dispatcher
// sleeps, until the pass ends. It returns how much fake time the pass took.
func (f *faultBot) dispatchWaiting(t *testing.T, step time.Duration) time.Duration {
	t.Helper()
	return f.runWaiting(t, step, func() error { return f.dispatch(f.h.ctx) })
}

// runWaiting runs fn, advancing both clocks by step whenever something sleeps on the fault bot's
// clock, until fn returns.
func (f *faultBot) runWaiting(t *testing.T, step time.Duration, fn func() error) time.Duration {
	t.Helper()
	start := f.clock.Now()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	for {
		blocked := make(chan error, 1)
		ctx, cancel := context.WithCancel(f.h.ctx)
		go func() { blocked <- f.clock.BlockUntilContext(ctx, 1) }()
		select {
		case err := <-done:
			cancel()
			if err != nil {
				t.Fatalf("dispatch: %v", err)
			}
			return f.clock.Now().Sub(start)
		case err := <-blocked:
			cancel()
			if err != nil {
				t.Fatalf("dispatch did not finish: %v", err)
			}
			f.advance(step)
		}
	}
}

// TestRateLimitedWaitsRetryAfter: a 429 is waited out as Retry-After says, and the DM is
// delivered once.
func TestRateLimitedWaitsRetryAfter(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	f := newFaultBot(t, h)
	h.slack.FailNext("chat.postMessage", 2, slacktest.RateLimited(3*time.Second))
	took := f.dispatchWaiting(t, 500*time.Millisecond)

	calls := h.slack.CallsTo("chat.postMessage")
	if len(calls) != 3 || calls[0].Status != http.StatusTooManyRequests || calls[2].Error != "" {
		t.Fatalf("postMessage calls: %+v", calls)
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].At.Sub(calls[i-1].At); gap < 3*time.Second {
			t.Errorf("retry %d came %v after a 429 with Retry-After 3s", i, gap)
		}
	}
	if took < 6*time.Second {
		t.Errorf("pass took %v of fake time, want at least two Retry-Afters", took)
	}
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs, want exactly 1", n)
	}
}

// TestServerErrorThenSuccess: 5xx answers are retried with backoff and the DM goes out once.
func TestServerErrorThenSuccess(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	f := newFaultBot(t, h)
	h.slack.FailNext("chat.postMessage", 2, slacktest.ServerError(http.StatusServiceUnavailable))
	f.dispatchWaiting(t, time.Second)
	if n := len(h.slack.CallsTo("chat.postMessage")); n != 3 {
		t.Errorf("%d postMessage calls, want 2 failures and 1 success", n)
	}
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs, want 1", n)
	}
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Touch.State != cadence.TouchReminded {
		t.Errorf("touchpoint %s, want reminded", tv.Touch.State)
	}
}

// TestServerErrorsReleaseForLater: Slack failing on every try is retried a bounded number of
// times, then the touchpoint is released and reminded on a later pass.
func TestServerErrorsReleaseForLater(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	f := newFaultBot(t, h)
	h.slack.FailNext("chat.postMessage", maxTransient, slacktest.ServerError(http.StatusInternalServerError))
	f.dispatchWaiting(t, time.Second)
	if n := len(h.slack.CallsTo("chat.postMessage")); n != maxTransient {
		t.Fatalf("%d tries, want %d", n, maxTransient)
	}
	f.dispatchWaiting(t, time.Second) // released: not tried again at once
	if n := len(h.slack.CallsTo("chat.postMessage")); n != maxTransient {
		t.Fatalf("tried again before the retry time: %d calls", n)
	}
	f.advance(retryLater)
	f.dispatchWaiting(t, time.Second)
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs after the retry time, want 1", n)
	}
}

// TestPacingPerChannel: many touches due at once for one rep go out one a second; another
// rep's DM is not held back by them.
func TestPacingPerChannel(t *testing.T) {
	h := newDispatchHarness(t)
	for i := range 5 {
		h.enroll(t, alice, cadence.Contact{Name: "Contact " + strconv.Itoa(i), Email: "c" + strconv.Itoa(i) + "@example.com"}, "demo", h.clock.Now())
	}
	h.enroll(t, admin, cadence.Contact{Name: "Other", Email: "other@example.com"}, "demo", h.clock.Now())
	start := mustTime(t, "2026-03-03T15:00:00Z") // 10:00 in New York, 15:00 for the admin (UTC)
	h.advanceTo(t, start)
	f := newFaultBot(t, h)
	f.dispatchWaiting(t, 250*time.Millisecond)
	var prev, adminAt time.Time
	for _, c := range h.slack.CallsTo("chat.postMessage") {
		switch c.Param("channel") {
		case admin:
			adminAt = c.At
		case alice:
			if !prev.IsZero() && c.At.Sub(prev) < postInterval {
				t.Errorf("two DMs to alice %v apart", c.At.Sub(prev))
			}
			prev = c.At
		}
	}
	if n := len(h.dms(alice)); n != 5 {
		t.Errorf("alice got %d DMs, want 5", n)
	}
	if !adminAt.Before(prev) {
		t.Errorf("the admin's DM (%v) waited behind all of alice's (last %v)", adminAt, prev)
	}
	if d := prev.Sub(start); d < 4*postInterval {
		t.Errorf("alice's five DMs went out within %v", d)
	}
}

// TestUserNotFoundPausesAndTellsAdmins: a rep Slack no longer knows gets no retries; their
// follow-ups are paused and every admin is told, once.
func TestUserNotFoundPausesAndTellsAdmins(t *testing.T) {
	h := newDispatchHarness(t)
	v1 := h.enroll(t, alice, dana, "demo", h.clock.Now())
	v2 := h.enroll(t, alice, cadence.Contact{Name: "Eve", Email: "eve@example.com"}, "demo", h.clock.Now())
	h.advanceTo(t, v1.Open.Due)
	h.slack.FailNext("chat.postMessage", 1, slacktest.SlackError("user_not_found"))
	f := newFaultBot(t, h)
	f.dispatchWaiting(t, 250*time.Millisecond)
	for _, id := range []string{v1.Enrollment.ID, v2.Enrollment.ID} {
		e, err := h.store.Enrollment(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Enrollment.Status != cadence.StatusPaused {
			t.Errorf("follow-up %s is %s, want paused", id, e.Enrollment.Status)
		}
	}
	ms := h.waitDM(t, admin, 1)
	mustContain(t, ms[0].Text, "<@"+alice+">", "user_not_found", v1.Enrollment.ID, v2.Enrollment.ID)
	rep, err := h.store.GetRep(h.ctx, alice)
	if err != nil || !rep.Gone {
		t.Errorf("rep %+v (%v), want gone", rep, err)
	}
	f.advance(time.Hour)
	f.dispatchWaiting(t, 250*time.Millisecond)
	if n := len(h.dms(admin)); n != 1 {
		t.Errorf("admins told %d times, want once", n)
	}
	if n := len(h.dms(alice)); n != 0 {
		t.Errorf("%d DMs to a gone rep", n)
	}
}

// TestDispatchIsExclusive: two dispatch passes at once (two processes, or a manual run beside the
// scheduled one) post each reminder once.
func TestDispatchIsExclusive(t *testing.T) {
	h := newDispatchHarness(t)
	for i := range 6 {
		h.enroll(t, []string{alice, bob}[i%2], cadence.Contact{Name: "C" + strconv.Itoa(i), Email: "x" + strconv.Itoa(i) + "@example.com"}, "demo", h.clock.Now())
	}
	h.advanceTo(t, mustTime(t, "2026-03-03T15:00:00Z"))
	f := newFaultBot(t, h)
	f.runWaiting(t, 250*time.Millisecond, func() error {
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() { defer wg.Done(); _ = f.dispatch(h.ctx) }()
		}
		wg.Wait()
		return nil
	})
	seen := map[int64]int{}
	for _, u := range []string{alice, bob} {
		for _, m := range h.dms(u) {
			seen[metaTouch(t, m)]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("touchpoint %d has %d DMs", id, n)
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d touchpoints reminded, want 6", len(seen))
	}
}
