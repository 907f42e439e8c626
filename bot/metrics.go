package bot

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Metrics receives what the bot measures; cmd/followup exports it to Prometheus. Every method
// must be safe for concurrent use and return at once. Config.Metrics nil means none are kept.
type Metrics interface {
	// Acked is the time from an envelope's arrival to its ack, by kind (see envelopeKind).
	Acked(kind string, d time.Duration)
	// Replied is the time from an envelope's arrival to the end of its handling, by kind.
	Replied(kind string, d time.Duration)
	// Reminder counts a reminder DM "posted", "failed" (given back to be tried again) or
	// "recovered" (found in Slack after an earlier attempt posted it and died).
	Reminder(result string)
	// Claimed is one claimed touchpoint and how late its claim is after its due time.
	Claimed(lag time.Duration)
	// RateLimited is one Slack 429 waited out, and how long Slack asked to wait.
	RateLimited(wait time.Duration)
	// Connected says whether the Socket Mode connection is open.
	Connected(open bool)
}

// noMetrics keeps nothing.
type noMetrics struct{}

func (noMetrics) Acked(string, time.Duration)   {}
func (noMetrics) Replied(string, time.Duration) {}
func (noMetrics) Reminder(string)               {}
func (noMetrics) Claimed(time.Duration)         {}
func (noMetrics) RateLimited(time.Duration)     {}
func (noMetrics) Connected(bool)                {}

// commandKind is the metrics label of a slash command: "slash:" and its subcommand, "slash:help"
// for none, or "slash:other" for an unknown word (labels come from a fixed set, never from what
// a person typed).
func commandKind(text string) string {
	f := strings.Fields(text)
	if len(f) == 0 {
		return "slash:help"
	}
	name := strings.ToLower(f[0])
	if name == "help" {
		return "slash:help"
	}
	for _, sc := range subcommands() {
		if sc.name == name {
			return "slash:" + name
		}
	}
	return "slash:other"
}

// envelopeKind is the metrics label of an envelope: a slash command's (commandKind), "action",
// "view", "interaction" (another kind), "event" or "other".
func envelopeKind(ev socketmode.Event) string {
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		if cmd, ok := ev.Data.(slack.SlashCommand); ok {
			return commandKind(cmd.Text)
		}
		return "slash:other"
	case socketmode.EventTypeInteractive:
		cb, _ := ev.Data.(slack.InteractionCallback)
		switch cb.Type {
		case slack.InteractionTypeBlockActions:
			return "action"
		case slack.InteractionTypeViewSubmission:
			return "view"
		}
		return "interaction"
	case socketmode.EventTypeEventsAPI:
		return "event"
	}
	return "other"
}

// timed wraps a handler so that its end is measured as a reply of kind since start.
func (b *Bot) timed(kind string, start time.Time, fn func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		err := fn(ctx)
		b.metrics.Replied(kind, time.Since(start))
		return err
	}
}
