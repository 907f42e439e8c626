package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	lib, err := loadLibrary(c.CadencesFile)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()

	api := slack.New(c.SlackBotToken,
		slack.OptionAppLevelToken(c.SlackAppToken),
		slack.OptionAPIURL(c.SlackAPIURL),
		slack.OptionHTTPClient(slackHTTPClient()),
	)
	b, err := bot.New(bot.Config{
		API: api, Store: db, Library: lib, Drafter: newDrafter(c, log),
		Team: c.Team, Admins: c.Admins, Now: time.Now, Logger: log,
		Tick: c.Tick, ReportChannel: c.ReportChannel, ReportCron: c.ReportCron,
		Clock: clockwork.NewRealClock(),
	})
	if err != nil {
		return err
	}
	log.Info("followup starting", "version", version, "db", c.DB, "cadences", len(lib.All()), "llm", c.OpenAIBaseURL != "" || c.OpenAIKey != "")
	if err := b.Run(ctx); err != nil {
		if errors.Is(err, bot.ErrAuth) {
			return err
		}
		return fmt.Errorf("bot stopped: %w", err)
	}
	log.Info("followup stopped")
	return nil
}

// slackHTTPClient is the Web API client's HTTP client. The dispatcher keeps up to 16 calls in
// flight (bot/dispatch.go); Go's default keeps only 2 idle connections a host, so the rest would
// open a new TLS connection to Slack for every reminder.
func slackHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}

// newDrafter returns the LLM drafter with the offline drafter as its fallback when an
// OpenAI-compatible server is configured, and the offline drafter alone otherwise; either way
// behind the same checks, so every draft, from any source, is checked.
func newDrafter(c Config, log *slog.Logger) prompts.Drafter {
	if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
		return prompts.WithProfile(prompts.WithFallback(nil, prompts.Offline{}, log), c.Profile)
	}
	llm := prompts.NewOpenAI(prompts.OpenAIConfig{
		APIKey: c.OpenAIKey, BaseURL: c.OpenAIBaseURL, Model: c.OpenAIModel,
		Timeout: 30 * time.Second, Logger: log,
	})
	return prompts.WithProfile(prompts.WithFallback(llm, prompts.Offline{}, log), c.Profile)
}
