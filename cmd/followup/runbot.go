package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/store"
)

// cmdRun connects to Slack and serves until SIGINT or SIGTERM. Shutdown goes in order: the bot
// stops taking envelopes, stops its scheduler and finishes acknowledged work; then the database
// is closed.
func cmdRun(ctx context.Context, e *env, args []string) error {
	rest, c, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("run takes no arguments, got %q", rest)}
	}
	if err := c.checkSlack(); err != nil {
		return err
	}
	log := newLogger(e.stderr, c)
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return err
		}
		defer stop(log)
	}
	lib, err := loadLibrary(c.CadencesFile)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	var m *metrics
	if c.HTTPAddr != "" {
		ln, err := net.Listen("tcp", c.HTTPAddr)
		if err != nil {
			return fmt.Errorf("FOLLOWUP_HTTP_ADDR: %w", err)
		}
		m = newMetrics()
		hctx, stopHTTP := context.WithCancel(ctx)
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := serveHTTP(hctx, ln, db, m, log); err != nil {
				log.Error("http server stopped", "err", err)
			}
		}()
		defer func() { stopHTTP(); <-served }()
		log.Info("serving /healthz, /readyz and /metrics", "addr", ln.Addr().String())
	}

	httpc := slackHTTPClient()
	mail, err := newMailReader(c.Mail)
	if err != nil {
		return err
	}
	api := slack.New(c.SlackBotToken,
		slack.OptionAppLevelToken(c.SlackAppToken),
		slack.OptionAPIURL(c.SlackAPIURL),
		slack.OptionHTTPClient(httpc),
	)
	cfg := bot.Config{
		API: api, Store: db, Library: lib, Drafter: newDrafter(c, log, m),
		Team: c.Team, Admins: c.Admins, Logger: log,
		Tick: c.Tick, ReportChannel: c.ReportChannel, ReportCron: c.ReportCron,
		Clock: clockwork.NewRealClock(), DomainStop: c.DomainStop,
		FunctionAPI: func(token string) *slack.Client { // a Workflow Builder step's own token
			return slack.New(token, slack.OptionAPIURL(c.SlackAPIURL), slack.OptionHTTPClient(httpc))
		},
		Mail: mail, MailPoll: c.Mail.Poll, Classifier: newClassifier(c),
	}
	if m != nil {
		cfg.Metrics = m
	}
	// On PostgreSQL several replicas may share the database: one of them runs the weekly report.
	if l := db.Leader(); l != nil {
		cfg.Elector = l
		defer l.Close()
	}
	b, err := bot.New(cfg)
	if err != nil {
		return err
	}
	log.Info("followup starting", "version", version, "db", store.Describe(c.DB), "cadences", len(lib.All()), "llm", c.OpenAIBaseURL != "" || c.OpenAIKey != "")
	if err := b.Run(ctx); err != nil {
		if errors.Is(err, bot.ErrAuth) {
			return err
		}
		return fmt.Errorf("bot stopped: %w", err)
	}
	log.Info("followup stopped")
	return nil
}

// startCPUProfile writes a pprof CPU profile to path until the returned function is called.
func startCPUProfile(path string) (func(*slog.Logger), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("FOLLOWUP_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("FOLLOWUP_CPUPROFILE: %w", err)
	}
	return func(log *slog.Logger) {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Error("write the CPU profile", "err", err)
		}
	}, nil
}

// slackHTTPClient is the Web API client's HTTP client. The dispatcher keeps up to 32 calls in
// flight (bot/dispatch.go); Go's default keeps only 2 idle connections a host, so the rest would
// open a new TLS connection to Slack for every reminder. The answers of posts and updates reach
// slack-go without their echoed message (bot.TrimEchoes).
func slackHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Timeout: 30 * time.Second, Transport: bot.TrimEchoes(t)}
}

// newDrafter returns the LLM drafter with the offline drafter as its fallback when an
// OpenAI-compatible server is configured, and the offline drafter alone otherwise; either way
// behind the same checks, so every draft, from any source, is checked.
// With metrics, the model's drafts are counted (requests, failures, tokens).
func newDrafter(c Config, log *slog.Logger, m *metrics) prompts.Drafter {
	if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
		return prompts.WithProfile(prompts.WithFallback(nil, prompts.Offline{}, log), c.Profile)
	}
	llm := prompts.NewOpenAI(prompts.OpenAIConfig{
		APIKey: c.OpenAIKey, BaseURL: c.OpenAIBaseURL, Model: c.OpenAIModel,
		Timeout: 30 * time.Second, Logger: log,
	})
	if m != nil {
		return prompts.WithProfile(prompts.WithFallback(meteredDrafter{llm, m}, prompts.Offline{}, log), c.Profile)
	}
	return prompts.WithProfile(prompts.WithFallback(llm, prompts.Offline{}, log), c.Profile)
}
