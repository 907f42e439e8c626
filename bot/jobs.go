package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/followup-bot/followup/cadence"
)

// jobsStopTimeout bounds how long stopping the scheduler waits for a running dispatch pass to
// finish its current DMs; after that the pass is cancelled, and anything it posted but did not
// record is found again by the next claim (see findPosted).
const jobsStopTimeout = 20 * time.Second

// startJobs starts the scheduled jobs on the configured clock: every Tick, one dispatch pass that
// also resumes follow-ups whose pause ended. The pass is a singleton: a tick that comes while the
// previous pass still runs is skipped. The weekly report, when there is one, is added by
// scheduleReport (report.go). The returned stop waits for a running pass (up to
// jobsStopTimeout) and then cancels it, and returns once every job in flight has ended.
func (b *Bot) startJobs(ctx context.Context) (stop func() error, err error) {
	stopTimeout := jobsStopTimeout
	if b.jobs.stopTimeout > 0 {
		stopTimeout = b.jobs.stopTimeout
	}
	opts := []gocron.SchedulerOption{gocron.WithStopTimeout(stopTimeout), gocron.WithClock(b.cfg.Clock)}
	if b.cfg.jobsMonitor != nil {
		opts = append(opts, gocron.WithMonitor(b.cfg.jobsMonitor))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("start scheduler: %w", err)
	}
	// Jobs outlive Run's context until stop: a pass in flight finishes its DMs during shutdown.
	jobCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	// running tracks the jobs in flight: gocron stops waiting for them after the stop timeout, but
	// a pass still gives its claims back after the cancel (and a report records its post), and
	// both must be done before the store closes. guard wraps every job's body so.
	var (
		mu      sync.Mutex
		stopped bool
		running sync.WaitGroup
	)
	guard := func(fn func(ctx context.Context)) func() {
		return func() {
			mu.Lock()
			if stopped {
				mu.Unlock()
				return
			}
			running.Add(1)
			mu.Unlock()
			defer running.Done()
			fn(jobCtx)
		}
	}
	if !b.cfg.ManualDispatch {
		_, err = s.NewJob(gocron.DurationJob(b.cfg.Tick),
			gocron.NewTask(guard(func(ctx context.Context) {
				b.jobs.started.Add(1)
				b.Tick(ctx)
				b.jobs.passed()
			})),
			gocron.WithName("dispatch"),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithStartAt(gocron.WithStartImmediately()),
		)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("schedule dispatch: %w", err)
		}
	}
	// The singletons go on a scheduler of their own when replicas elect who runs them: gocron asks
	// the elector before every run of every job of a scheduler, and dispatch runs everywhere.
	singles := s
	if b.cfg.Elector != nil {
		if singles, err = gocron.NewScheduler(append(opts, gocron.WithDistributedElector(b.cfg.Elector))...); err != nil {
			cancel()
			return nil, fmt.Errorf("start scheduler: %w", err)
		}
	}
	if err := b.scheduleReport(singles, guard); err != nil {
		cancel()
		return nil, err
	}
	if err := b.scheduleMail(s, guard); err != nil {
		cancel()
		return nil, err
	}
	s.Start()
	if singles != s {
		singles.Start()
	}
	return func() error {
		serr := s.Shutdown()
		if singles != s {
			serr = errors.Join(serr, singles.Shutdown())
		}
		cancel()
		mu.Lock()
		stopped = true
		mu.Unlock()
		running.Wait()
		if serr != nil && !errors.Is(serr, gocron.ErrStopJobsTimedOut) {
			return fmt.Errorf("stop scheduler: %w", serr)
		}
		return nil
	}, nil
}

// jobState is what the bot keeps about its scheduled jobs.
type jobState struct {
	once, closed sync.Once
	first        chan struct{} // closed when the first scheduled pass has run
	// stopTimeout overrides jobsStopTimeout when set (tests).
	stopTimeout time.Duration
	// started counts the scheduled passes begun (tests compare it with gocron's count of runs
	// over, Config.jobsMonitor).
	started atomic.Int64
}

func (j *jobState) init() { j.once.Do(func() { j.first = make(chan struct{}) }) }

// firstPass is closed once the first scheduled pass after start has run: everything that came due
// while the bot was down has been dispatched (or released to be tried again).
func (j *jobState) firstPass() <-chan struct{} {
	j.init()
	return j.first
}

// passed records that a scheduled pass has run.
func (j *jobState) passed() {
	j.init()
	j.closed.Do(func() { close(j.first) })
}

// Tick runs one dispatch pass, the work of the scheduled job every Config.Tick: it resumes the
// follow-ups whose pause ended, then dispatches what is due, and returns when the pass is done (its
// DMs posted and recorded, or given back to be tried again). Its pacing waits are on Config.Clock,
// so with a fake clock the caller moves the clock for a pass that paces DMs to one rep. It logs its
// errors: a failed pass is tried again at the next. Tests and the demo call it to run a pass and
// know when it is over; passes may overlap (claims are leased), as on replicas.
func (b *Bot) Tick(ctx context.Context) {
	if b.authBroken.Load() {
		return // Slack refused the bot token: Run is ending
	}
	if err := b.resumeDue(ctx); err != nil {
		b.log.Error("resume paused follow-ups", "err", err)
	}
	if err := b.dispatch(ctx); err != nil {
		b.log.Error("dispatch due touchpoints", "err", err)
	}
}

// resumeDue resumes the follow-ups paused until a time that has come, through the state machine,
// and brings their reminder DMs and their owners' App Homes up to date.
func (b *Bot) resumeDue(ctx context.Context) error {
	now := b.now()
	due, err := b.store.PausedDue(ctx, now)
	if err != nil {
		return err
	}
	for _, v := range due {
		c, err := b.change(ctx, "bot", v, func(cd cadence.Cadence, cur cadence.EnrollmentView, w cadence.Window, _ time.Time) (cadence.Change, error) {
			if cur.Enrollment.Status != cadence.StatusPaused || cur.Enrollment.PausedUntil.IsZero() ||
				cur.Enrollment.PausedUntil.After(now) {
				return cadence.Change{}, errNotOpen // resumed or changed meanwhile
			}
			return cadence.Resume(cd, cur.Enrollment, cur.Open, w, now)
		})
		if errors.Is(err, errNotOpen) {
			continue
		}
		if err != nil {
			b.log.Error("resume follow-up", "follow_up", v.Enrollment.ID, "err", err)
			continue
		}
		b.log.Info("follow-up resumed", "follow_up", v.Enrollment.ID)
		b.publish(ctx, c)
	}
	return nil
}
