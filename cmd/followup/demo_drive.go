package main

// How the demo moves its fake clock without sleeping. The bot dispatches nothing by itself
// (bot.Config.ManualDispatch): the demo jumps the clock straight to the next moment something is
// due and runs the dispatch pass for that moment with bot.Tick, which returns when the pass is
// over and its DMs are in the fake Slack. A pass that paces DMs to one rep a second apart waits on
// the clock; the dispatcher's sleeps go through the wrapped clock (demoClock), so the demo knows
// when the pass waits and how far to move the clock.

import (
	"context"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// sleeps is what the demo knows about the dispatcher's pacing sleeps on the fake clock.
type sleeps struct {
	mu       sync.Mutex
	changed  chan struct{}     // closed and replaced on every change
	sleepers map[int]time.Time // the deadlines of the dispatcher's sleeps
	nextID   int
}

func newSleeps() *sleeps {
	return &sleeps{changed: make(chan struct{}), sleepers: map[int]time.Time{}}
}

// demoClock is the fake clock, with the dispatcher's sleeps (its only use of After) recorded.
// gocron uses AfterFunc and Now only.
type demoClock struct {
	*clockwork.FakeClock
	s *sleeps
}

func (c demoClock) After(d time.Duration) <-chan time.Time {
	ch := c.FakeClock.After(d)
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.nextID++
	c.s.sleepers[c.s.nextID] = c.FakeClock.Now().Add(d)
	close(c.s.changed)
	c.s.changed = make(chan struct{})
	return ch
}

// advanceTo moves the clock forward to at (nothing when at is not later) and forgets the sleeps it
// ended.
func (c demoClock) advanceTo(at time.Time) {
	if d := at.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	now := c.Now()
	for id, dl := range c.s.sleepers {
		if !dl.After(now) {
			delete(c.s.sleepers, id)
		}
	}
}

// pass runs one dispatch pass (tick, the bot's Tick) at the clock's time and returns when it is
// over. When the pass waits on the clock (pacing DMs to one rep), it moves the clock to the end of
// that wait.
func (c demoClock) pass(ctx context.Context, tick func(context.Context)) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick(ctx)
	}()
	for {
		c.s.mu.Lock()
		var wake time.Time
		for _, dl := range c.s.sleepers {
			if wake.IsZero() || dl.Before(wake) {
				wake = dl
			}
		}
		changed := c.s.changed
		c.s.mu.Unlock()
		if !wake.IsZero() {
			c.advanceTo(wake)
			continue
		}
		select {
		case <-done:
			return nil
		case <-changed:
		case <-ctx.Done():
			<-done // Tick ends with its context
			return ctx.Err()
		}
	}
}
