// Package bot is followup's Slack side: the Socket Mode loop, the routing of slash commands,
// button clicks, modal submissions and events, the Block Kit rendering, the due-reminder
// dispatcher, the posting and scheduling of the weekly report (whose view, text and blocks are
// bot/report's) and the App Home. It reaches the database only through the Store interface it
// declares in cadence's terms (it does not import package store), and drafts only through
// prompts.Drafter.
//
// Every change of a follow-up, whatever asked for it (a command, a button, the reply modal, the
// dispatcher, the resumer, a mailbox reader), goes through one pipeline (change.go): change runs
// the state machine inside Store.Update, publish then brings the reminder DMs and the App Homes
// it concerns up to date. The dispatcher runs a pass every Config.Tick, or when the caller runs
// Tick; all time comes from Config.Clock.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/followup-bot/followup/bot/mailbox"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/prompts/classify"
)

// Config is what the bot needs from its wiring. Store, Library, API and Drafter are required.
type Config struct {
	API     *slack.Client // built with the bot token, the app token and the API URL
	Store   Store
	Library *cadence.Library
	Drafter prompts.Drafter
	Team    cadence.Window // the team's default working time (FOLLOWUP_TIMEZONE, _WORK_HOURS, _WORK_DAYS, _HOLIDAYS)
	Admins  []string       // Slack user ids that may change anyone's enrollments
	Logger  *slog.Logger

	Tick time.Duration // how often due touchpoints are looked for (FOLLOWUP_TICK)
	// ManualDispatch leaves the dispatch pass to the caller, who runs Tick when it wants one (the
	// demo, which moves a fake clock and must know when each pass is over); nothing is dispatched by
	// itself. The weekly report's catch-up still runs every Tick.
	ManualDispatch bool
	ReportChannel  string // FOLLOWUP_REPORT_CHANNEL; "" means no scheduled report
	ReportCron     string // FOLLOWUP_REPORT_CRON
	Clock          Clock  // the one clock: the time of every change, the scheduler's and the dispatcher's waits; nil means the real one
	// Metrics receives ack and reply latencies, reminders, claims, 429 waits and the connection's
	// state; nil keeps none.
	Metrics Metrics
	// Elector, when set, picks the one replica (of several on one database) that runs the
	// singleton jobs, the weekly report; the dispatch pass runs on every replica. nil: this one.
	Elector gocron.Elector

	// PingInterval is how long the Socket Mode client waits for Slack's ping before it reconnects;
	// zero means slack-go's default (30 s). Tests shorten it.
	PingInterval time.Duration
	// Workers bounds the envelopes handled at once after their ack; zero means 4.
	Workers int

	// FunctionAPI returns a Web API client for a Workflow Builder step's own token (the xwfp-…
	// bot_access_token of its function_executed event), on the same API URL as API; the step is
	// completed with it, as Slack recommends. nil completes steps with API (the bot token).
	FunctionAPI func(token string) *slack.Client
	// DomainStop pauses the other running follow-ups at a company when a contact there replies or
	// books a meeting (FOLLOWUP_DOMAIN_STOP=on), besides flagging them in their next reminder.
	DomainStop bool
	// Mail reads reps' mailboxes for replies from contacts (FOLLOWUP_GMAIL_CREDENTIALS or
	// FOLLOWUP_GRAPH_*); nil reads none. MailPoll is how often (FOLLOWUP_MAIL_POLL; zero means 2m).
	Mail     mailbox.Reader
	MailPoll time.Duration
	// Classifier reads what a reply means; nil means the rules (prompts/classify).
	Classifier classify.Classifier
	// AnswerBudget is how long a slash command's ack may wait to carry the command's answer;
	// zero means 20 ms (ackreply.go). Tests lengthen it.
	AnswerBudget time.Duration

	// jobsMonitor, when set (tests), is told of the scheduled jobs' runs, and of the runs gocron
	// skips because the job's previous run was still going on.
	jobsMonitor gocron.Monitor
}

// Bot is a running followup Slack bot.
type Bot struct {
	cfg    Config
	api    *slack.Client
	store  Store
	lib    *cadence.Library
	now    func() time.Time
	log    *slog.Logger
	admins map[string]bool

	metrics Metrics // Config.Metrics, never nil

	// identity, from auth.test (and bots.info for the app id) at start
	teamID, botUserID, botID, appID string

	pacer   pacer         // spaces DMs to one channel a second apart (dispatch.go)
	posting chan struct{} // bounds Web API calls and drafts of the dispatcher in flight (dispatch.go)
	jobs    jobState      // the scheduled jobs (jobs.go)
	home    homePager     // the App Home page each rep is on (home_pages.go)

	// fatal carries an error that must end Run (a bot token Slack refused mid-work); authBroken
	// stops the dispatcher meanwhile (dispatchpost.go).
	fatal      chan error
	authOnce   sync.Once
	authBroken atomic.Bool

	limits limiter // on-demand reports and new drafts per person (limits.go)

	work     sync.WaitGroup // handlers running after their ack
	queue    chan job       // bounded work waiting for one of the Workers (spawn)
	poolOnce sync.Once
	report   reportRun // the scheduled report's runs in this process (reportmeta.go)
	// slots holds one token per handler running in a worker's place: the pool's workers and a
	// command answered in its ack (ackreply.go) take one, so at most Workers run at once.
	slots chan struct{}
	mail  mailState // the mailbox poll (mail.go)

	homeMu   sync.Mutex      // guards homeBusy and homeLive
	homeBusy map[string]bool // reps whose Home is being refreshed; true: refresh once more (homequeue.go)
	homeLive map[string]bool // reps whose Home this process published
}

// New checks the configuration and returns a bot that is not yet connected.
func New(cfg Config) (*Bot, error) {
	switch {
	case cfg.API == nil:
		return nil, errors.New("bot: Config.API is required")
	case cfg.Store == nil:
		return nil, errors.New("bot: Config.Store is required")
	case cfg.Library == nil:
		return nil, errors.New("bot: Config.Library is required")
	case cfg.Drafter == nil:
		return nil, errors.New("bot: Config.Drafter is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.AnswerBudget <= 0 {
		cfg.AnswerBudget = answerBudget
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 30 * time.Second
	}
	admins := make(map[string]bool, len(cfg.Admins))
	for _, a := range cfg.Admins {
		admins[strings.TrimSpace(a)] = true
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	return &Bot{
		cfg: cfg, api: cfg.API, store: cfg.Store, lib: cfg.Library, now: cfg.Clock.Now, log: cfg.Logger, metrics: cfg.Metrics,
		admins: admins, slots: make(chan struct{}, cfg.Workers), posting: make(chan struct{}, postParallel),
		homeBusy: map[string]bool{}, homeLive: map[string]bool{}, fatal: make(chan error, 1),
	}, nil
}

// ErrAuth reports a Slack token that is missing, malformed or rejected. Its message says what to fix.
var ErrAuth = errors.New("slack authentication failed")

// Identify calls auth.test with the bot token and remembers the team, bot user and app the bot is.
// It returns an error wrapping ErrAuth when Slack rejects the token.
func (b *Bot) Identify(ctx context.Context) error {
	res, err := b.api.AuthTestContext(ctx)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) || isAuthError(err) {
			return fmt.Errorf("%w: auth.test said %q for SLACK_BOT_TOKEN: check that it is the app's current Bot User OAuth Token (xoxb-…) from the app created with manifest.yaml (README: \"Create the Slack app\")", ErrAuth, err.Error())
		}
		return fmt.Errorf("auth.test: %w", err)
	}
	b.teamID, b.botUserID, b.botID = res.TeamID, res.UserID, res.BotID
	if res.BotID != "" {
		if info, err := b.api.GetBotInfoContext(ctx, slack.GetBotInfoParameters{Bot: res.BotID}); err == nil {
			b.appID = info.AppID
		} else {
			b.log.Warn("bots.info failed; requests will be checked by team id only", "err", err)
		}
	}
	b.log.Info("slack identity", "team", b.teamID, "bot_user", b.botUserID, "app", b.appID)
	return nil
}

func isAuthError(err error) bool {
	s := err.Error()
	for _, code := range []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"} {
		if strings.Contains(s, code) {
			return true
		}
	}
	return false
}

// Run connects over Socket Mode and serves until ctx is done, then shuts down in order: it stops
// taking envelopes, stops the scheduled jobs, and waits for handlers in flight. It returns nil on a
// clean shutdown and an error wrapping ErrAuth when Slack rejects a token.
func (b *Bot) Run(ctx context.Context) error {
	// Announce this dispatcher before anything else, so that replicas started together share the
	// reps from their first claims (store: a new dispatcher wants its part at once).
	if err := b.store.Beat(ctx, b.now()); err != nil {
		b.log.Warn("dispatcher heartbeat", "err", err)
	}
	// Deferred first, so it runs last: once every dispatch pass has ended and given back what it
	// held (below), or at once when the start fails, the other replicas may take up this one's
	// part of the reps.
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := b.store.Retire(rctx); err != nil {
			b.log.Warn("retire dispatcher", "err", err)
		}
	}()
	if b.teamID == "" {
		if err := b.Identify(ctx); err != nil {
			return err
		}
	}
	opts := []socketmode.Option{socketmode.OptionLog(slogAdapter{b.log})}
	if b.cfg.PingInterval > 0 {
		opts = append(opts, socketmode.OptionPingInterval(b.cfg.PingInterval))
	}
	sm := socketmode.New(b.api, opts...)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopJobs, err := b.startJobs(runCtx)
	if err != nil {
		return err
	}

	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(runCtx) }()

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case runErr = <-b.fatal:
			break loop
		case err := <-errc:
			if err != nil && !errors.Is(err, context.Canceled) {
				if isAuthError(err) {
					runErr = fmt.Errorf("%w: Socket Mode said %q for SLACK_APP_TOKEN: create an app-level token (xapp-…) with the connections:write scope (README: \"Create the Slack app\")", ErrAuth, err.Error())
				} else {
					runErr = fmt.Errorf("socket mode: %w", err)
				}
			}
			break loop
		case ev, ok := <-sm.Events:
			if !ok {
				break loop
			}
			b.handleEvent(runCtx, sm, ev)
		}
	}
	cancel()
	if err := stopJobs(); err != nil {
		b.log.Error("stop scheduler", "err", err)
	}
	b.work.Wait()
	return runErr
}

// goWork runs fn after an ack, bounded by Config.Workers, and tracked for a graceful shutdown.
// The handler gets a context that outlives the Socket Mode connection by a grace period, so work
// that was acked is finished even while the bot shuts down.
func (b *Bot) goWork(name string, fn func(ctx context.Context) error) { b.spawn(name, true, fn) }

// goNow is goWork without waiting for a worker slot, for work that must start at once: opening a
// modal, whose trigger id expires about 3 s after the click or command.
func (b *Bot) goNow(name string, fn func(ctx context.Context) error) { b.spawn(name, false, fn) }

func (b *Bot) spawn(name string, bounded bool, fn func(ctx context.Context) error) {
	b.work.Add(1)
	if !bounded {
		go b.runJob(job{name, fn})
		return
	}
	// A fixed pool of Workers goroutines takes the bounded work from a queue, so a burst of
	// envelopes costs queue entries, not a goroutine each. When the queue is full the loop waits
	// for room (the envelope in hand is already acked).
	b.poolOnce.Do(func() {
		b.queue = make(chan job, jobQueue)
		for range b.cfg.Workers {
			go func() {
				for j := range b.queue {
					b.slots <- struct{}{}
					b.runJob(j)
					<-b.slots
				}
			}()
		}
	})
	b.queue <- job{name, fn}
}

// jobQueue is how many acked envelopes may wait for a worker.
const jobQueue = 1024

// job is work to run after an ack.
type job struct {
	name string
	fn   func(ctx context.Context) error
}

// runJob runs one job with a context that outlives the connection by a grace period, recovers a
// panic, logs an error, and marks the work done.
func (b *Bot) runJob(j job) {
	defer b.work.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	defer b.logPanic(j.name)
	if err := j.fn(ctx); err != nil {
		b.log.Error("handler failed", "handler", j.name, "err", err)
	}
}

// isAdmin reports whether user may change anyone's enrollments.
func (b *Bot) isAdmin(user string) bool { return b.admins[user] }

// slogAdapter lets slack-go's socketmode log through slog at debug level.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Output(_ int, s string) error {
	a.l.Debug(strings.TrimSpace(s), "component", "socketmode")
	return nil
}

// logPanic, deferred, recovers a panic of the handler name and logs it: one bad request never
// takes the process down.
func (b *Bot) logPanic(name string) {
	if r := recover(); r != nil {
		b.log.Error("handler panicked", "handler", name, "panic", r)
	}
}
