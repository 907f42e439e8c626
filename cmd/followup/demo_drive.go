package main

// How the demo moves its fake clock without sleeping. The bot's gocron job runs a dispatch pass on
// the fake clock every second of fake time; the demo jumps the clock straight to the next moment
// something is due and then waits until the pass for that moment is over. It learns that from the
// store the bot uses, wrapped (watchedStore): a pass claims the touchpoints due, then ends each
// claim with MarkReminded, Release, Reschedule or an Update, so "a claim round at or after the
// target time came back short and every claim has ended" means the pass is done and its DMs are in
// the fake Slack. The dispatcher's pacing sleeps go through the wrapped clock (demoClock), so the
// demo knows when a pass waits for the clock and how far to move it.

import (
	"context"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/cadence"
)

// nudgeAfter is how long settle waits for a pass that does not come before it moves the clock
// one more second. It only matters when gocron skipped a tick because the previous pass had not
// quite returned yet (its singleton mode); the next tick, a second later, then runs the pass.
const nudgeAfter = 500 * time.Millisecond

// watch is what the demo knows about the bot's dispatch passes and pacing sleeps.
type watch struct {
	mu       sync.Mutex
	changed  chan struct{}     // closed and replaced on every change
	claimed  map[int64]claimOf // touchpoints claimed and not yet ended
	passAt   time.Time         // the latest time a claim round came back short (or failed)
	sleepers map[int]time.Time // the deadlines of the dispatcher's sleeps on the fake clock
	nextID   int
}

type claimOf struct{ enrollment, owner string }

func newWatch() *watch {
	return &watch{changed: make(chan struct{}), claimed: map[int64]claimOf{}, sleepers: map[int]time.Time{}}
}

func (w *watch) notifyLocked() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// end forgets the claims that match.
func (w *watch) end(match func(id int64, c claimOf) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, c := range w.claimed {
		if match(id, c) {
			delete(w.claimed, id)
		}
	}
	w.notifyLocked()
}

// watchedStore is the demo's store: the real one, with the calls that begin and end a claim
// reported to the watch.
type watchedStore struct {
	bot.Store
	w *watch
}

func (s watchedStore) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error) {
	cs, err := s.Store.Claim(ctx, now, limit, lease)
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	for _, c := range cs {
		s.w.claimed[c.Touch.ID] = claimOf{enrollment: c.Enrollment.ID, owner: c.Enrollment.Owner}
	}
	if (err != nil || len(cs) < limit) && now.After(s.w.passAt) {
		s.w.passAt = now
	}
	s.w.notifyLocked()
	return cs, err
}

func (s watchedStore) endTouch(id int64) {
	s.w.end(func(t int64, _ claimOf) bool { return t == id })
}

func (s watchedStore) MarkReminded(ctx context.Context, touchID int64, token int, channel, ts string, now time.Time, d ...cadence.Draft) error {
	defer s.endTouch(touchID)
	return s.Store.MarkReminded(ctx, touchID, token, channel, ts, now, d...)
}

func (s watchedStore) Release(ctx context.Context, touchID int64, token int, retryAt time.Time) error {
	defer s.endTouch(touchID)
	return s.Store.Release(ctx, touchID, token, retryAt)
}

func (s watchedStore) Reschedule(ctx context.Context, touchID int64, token int, due time.Time) error {
	defer s.endTouch(touchID)
	return s.Store.Reschedule(ctx, touchID, token, due)
}

// Update ends the claims of the enrollment: the dispatcher updates an enrollment only to stop it
// (its decision date passed), as the last thing it does with that claim.
func (s watchedStore) Update(ctx context.Context, id string, fn func(cadence.EnrollmentView) (cadence.Change, error)) (cadence.UpdateResult, error) {
	defer s.w.end(func(_ int64, c claimOf) bool { return c.enrollment == id })
	return s.Store.Update(ctx, id, fn)
}

func (s watchedStore) MarkRepGone(ctx context.Context, userID string, now time.Time) ([]cadence.Enrollment, error) {
	defer s.w.end(func(_ int64, c claimOf) bool { return c.owner == userID })
	return s.Store.MarkRepGone(ctx, userID, now)
}

// demoClock is the fake clock, with the dispatcher's sleeps (its only use of After) reported to
// the watch. gocron uses AfterFunc and Now only.
type demoClock struct {
	*clockwork.FakeClock
	w *watch
}

func (c demoClock) After(d time.Duration) <-chan time.Time {
	ch := c.FakeClock.After(d)
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.nextID++
	c.w.sleepers[c.w.nextID] = c.FakeClock.Now().Add(d)
	c.w.notifyLocked()
	return ch
}

// advanceTo moves the clock forward to at (nothing when at is not later) and forgets the sleeps it
// ended.
func (c demoClock) advanceTo(at time.Time) {
	if d := at.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	now := c.Now()
	for id, dl := range c.w.sleepers {
		if !dl.After(now) {
			delete(c.w.sleepers, id)
		}
	}
	c.w.notifyLocked()
}

// settle waits until a dispatch pass ran at or after at and all it claimed is done. When the pass
// waits on the clock (pacing DMs to one rep a second apart), it moves the clock to the end of
// that wait.
func (c demoClock) settle(ctx context.Context, at time.Time) error {
	nudge := time.NewTimer(nudgeAfter)
	defer nudge.Stop()
	for {
		c.w.mu.Lock()
		done := !c.w.passAt.Before(at) && len(c.w.claimed) == 0
		var wake time.Time
		for _, dl := range c.w.sleepers {
			if wake.IsZero() || dl.Before(wake) {
				wake = dl
			}
		}
		changed := c.w.changed
		c.w.mu.Unlock()
		switch {
		case done:
			return nil
		case !wake.IsZero():
			c.advanceTo(wake)
			continue
		}
		select {
		case <-changed:
			nudge.Reset(nudgeAfter) // progress: the pass is running
		case <-nudge.C:
			c.advanceTo(c.Now().Add(time.Second))
			nudge.Reset(nudgeAfter)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
