package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// dispatch runs one dispatch pass: it claims the touchpoints due now, oldest first, in batches,
// and feeds each to its rep's queue. One goroutine a rep works through that rep's queue in order
// (dispatchOne, paced one DM a second), so the reps' reminders go out side by side and a batch
// never waits for its slowest rep. The pass claims again while full batches come back, so a
// backlog after downtime is worked off in one pass; after a short one, it claims again every
// tailClaims while its queues still work, and it ends when every queue is empty.
func (b *Bot) dispatch(ctx context.Context) error {
	p := &dispatchPass{b: b, queues: map[string][]cadence.Claim{}, gone: map[string]bool{}, drained: make(chan struct{})}
	p.room = sync.NewCond(&p.mu)
	stopBeat := b.beatWhile(ctx)
	claimed := false
	defer func() {
		p.wg.Wait()
		stopBeat() // only now: the claims in the queues are this process's until they are handled
		if !claimed {
			return // the reps of an earlier pass were let go when it ended
		}
		// The reps this pass held may be claimed by another replica a second after their last DM.
		if err := b.store.EndDispatch(context.WithoutCancel(ctx), b.now(), postInterval); err != nil {
			b.log.Warn("end dispatch pass", "err", err)
		}
	}()
	for range dispatchRounds {
		if b.authBroken.Load() {
			return nil
		}
		if !p.reserve(ctx, dispatchBatch) {
			return nil
		}
		batch, err := b.store.Claim(ctx, b.now(), dispatchBatch, dispatchLease)
		p.done(dispatchBatch - len(batch))
		if err != nil {
			return err
		}
		claimed = claimed || len(batch) > 0
		for _, c := range batch {
			b.metrics.Claimed(b.now().Sub(c.Touch.Due))
			p.enqueue(ctx, c)
		}
		if len(batch) < dispatchBatch && !p.tail(ctx) {
			return nil
		}
	}
	return nil
}

// tailClaims is how often a pass whose last claim came back short claims again while its queues
// still work: what came due meanwhile, claims given back to be tried again, and reps another
// replica let go of are taken up then rather than at the next pass. (A replica holds the reps of
// its claims until it has handled them; a pass that stopped claiming would hold them idle.)
const tailClaims = time.Second

// tail waits, after a short claim, until the pass should claim again (tailClaims passed, in real
// time: it is about the process, like the heartbeat) or end (every queue is empty, or ctx ended),
// and reports which.
func (p *dispatchPass) tail(ctx context.Context) bool {
	t := time.NewTimer(tailClaims)
	defer t.Stop()
	for {
		p.mu.Lock()
		empty, drained := len(p.queues) == 0, p.drained
		p.mu.Unlock()
		if empty {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-drained:
		}
	}
}

// dispatchPass is the state of one pass: the claims waiting in each rep's queue, and how many
// claims are held (claimed and not yet handled) in all.
type dispatchPass struct {
	b  *Bot
	wg sync.WaitGroup

	mu          sync.Mutex
	room        *sync.Cond // signalled when outstanding drops
	outstanding int
	queues      map[string][]cadence.Claim // rep → claims not yet handled, oldest first
	gone        map[string]bool            // reps Slack no longer knows
	drained     chan struct{}              // closed (and replaced) when a rep's queue is done
}

// reserve waits until n more claims fit under maxOutstanding and counts them as held. It returns
// false when ctx ends first.
func (p *dispatchPass) reserve(ctx context.Context, n int) bool {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.room.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.outstanding+n > maxOutstanding && ctx.Err() == nil {
		p.room.Wait()
	}
	if ctx.Err() != nil {
		return false
	}
	p.outstanding += n
	return true
}

// done counts n claims as handled.
func (p *dispatchPass) done(n int) {
	if n == 0 {
		return
	}
	p.mu.Lock()
	p.outstanding -= n
	p.room.Broadcast()
	p.mu.Unlock()
}

// enqueue adds a claim to its rep's queue and starts the rep's worker if none runs. A claim for a
// rep who is gone, or beyond a full queue, is given back at once.
func (p *dispatchPass) enqueue(ctx context.Context, c cadence.Claim) {
	rep := c.Enrollment.Owner
	p.mu.Lock()
	q, running := p.queues[rep]
	switch {
	case p.gone[rep]:
		p.mu.Unlock()
		p.giveBack(ctx, c, p.b.now())
		return
	case len(q) >= perRepQueue:
		p.mu.Unlock()
		// Claimable again once the rep's queue has worked through what it holds.
		p.giveBack(ctx, c, p.b.now().Add(time.Duration(len(q))*postInterval))
		return
	}
	p.queues[rep] = append(q, c)
	if !running {
		p.wg.Add(1)
		go p.work(ctx, rep)
	}
	p.mu.Unlock()
}

// work handles one rep's queue in order until it is empty.
func (p *dispatchPass) work(ctx context.Context, rep string) {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		q := p.queues[rep]
		if len(q) == 0 {
			delete(p.queues, rep)
			close(p.drained)
			p.drained = make(chan struct{})
			p.mu.Unlock()
			return
		}
		c := q[0]
		p.queues[rep] = q[1:]
		gone := p.gone[rep]
		p.mu.Unlock()

		switch {
		case ctx.Err() != nil:
			// Shutting down: give it back at once rather than when its lease ends.
			p.giveBack(context.WithoutCancel(ctx), c, p.b.now())
			continue
		case gone || p.b.authBroken.Load():
			p.giveBack(ctx, c, p.b.now())
			continue
		}
		err := p.b.dispatchOne(ctx, c)
		if errors.Is(err, ErrAuth) {
			// Logged once by authFailed; the remaining claims are given back above.
		} else if errors.Is(err, errRepGone) {
			// The rep's follow-ups are paused now: the rest of their claims wait for a new owner.
			p.mu.Lock()
			p.gone[rep] = true
			p.mu.Unlock()
		} else if err != nil {
			p.b.log.Error("dispatch touchpoint", "touchpoint", c.Touch.ID, "follow_up", c.Enrollment.ID, "err", err)
		}
		p.done(1)
	}
}

// giveBack releases a claim unhandled, claimable again at retryAt.
func (p *dispatchPass) giveBack(ctx context.Context, c cadence.Claim, retryAt time.Time) {
	p.b.release(ctx, c, retryAt)
	p.done(1)
}

// beatWhile records a heartbeat every store.BeatInterval until the returned stop is called, so
// that another process does not take over this pass's claims while they wait for a slow draft or
// a long pacing queue. It ticks in real time, not on the scheduler's clock: liveness is about the
// process, and a fake clock in tests must see no sleeper of its own.
func (b *Bot) beatWhile(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(cadence.BeatInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := b.store.Beat(ctx, b.now()); err != nil && ctx.Err() == nil {
					b.log.Warn("dispatcher heartbeat", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
