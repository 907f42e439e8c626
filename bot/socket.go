package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Clock is the scheduler's clock: clockwork.NewRealClock() in production, a fake clock in tests.
type Clock = clockwork.Clock

// viewDeadline bounds the synchronous work done before a modal submission is acked: Slack waits
// 3 s, and the reply (field errors or a closed modal) must travel in the ack itself.
const viewDeadline = 2 * time.Second

// handleEvent acks every envelope at once, then hands the work to a handler; a slash command's
// ack waits up to answerBudget for its answer, to carry it (ackreply.go). Nothing is left
// unacked: an envelope the bot does not understand, or one from a foreign team or app, is acked
// with an empty payload and logged.
func (b *Bot) handleEvent(ctx context.Context, sm *socketmode.Client, ev socketmode.Event) {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		b.metrics.Connected(false)
		b.log.Debug("socket mode connecting")
		return
	case socketmode.EventTypeConnected:
		b.metrics.Connected(true)
		b.log.Info("socket mode connected")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		if ev.Type == socketmode.EventTypeConnectionError {
			b.metrics.Connected(false)
		}
		b.log.Warn("socket mode error", "type", ev.Type, "err", fmt.Sprint(ev.Data))
		return
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not turn the frame into an event: a type Slack added later, an event
		// the bot does not know, a payload it cannot read. If it is an envelope, ack it anyway,
		// or Slack shows the person an error and redelivers it. The frame itself is not logged:
		// it may hold what a person typed.
		bad, _ := ev.Data.(*socketmode.ErrorBadMessage)
		if bad == nil {
			b.log.Warn("socket mode: a message could not be read")
			return
		}
		var frame struct {
			EnvelopeID string `json:"envelope_id"`
			Type       string `json:"type"`
		}
		_ = json.Unmarshal(bad.Message, &frame)
		if frame.EnvelopeID != "" {
			if err := sm.AckCtx(ctx, frame.EnvelopeID, nil); err != nil {
				b.log.Error("ack failed", "envelope", frame.EnvelopeID, "err", err)
			}
		}
		b.log.Warn("socket mode: acked an envelope the bot cannot read", "envelope", frame.EnvelopeID, "type", frame.Type, "err", bad.Cause)
		return
	}
	req := ev.Request
	if req == nil || req.EnvelopeID == "" {
		return // hello, disconnect and client-side events carry no envelope
	}
	start, kind := time.Now(), envelopeKind(ev)
	ack := func(payload any) {
		if err := sm.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
			b.log.Error("ack failed", "envelope", req.EnvelopeID, "err", err)
		}
		b.metrics.Acked(kind, time.Since(start))
	}

	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := ev.Data.(slack.SlashCommand)
		if !ok {
			ack(nil)
			b.log.Warn("unreadable slash command", "envelope", req.EnvelopeID)
			return
		}
		if !b.fromUs(cmd.TeamID, cmd.APIAppID) {
			ack(nil)
			b.log.Warn("refused slash command from a foreign team or app", "team", cmd.TeamID, "app", cmd.APIAppID, "user", cmd.UserID)
			return
		}
		if opensModal(cmd.Text) {
			ack(nil)
			b.goNow("command", b.timed(kind, start, func(ctx context.Context) error { return b.serveCommand(ctx, cmd) }))
		} else {
			b.answerCommand(cmd, req.AcceptsResponsePayload, func(p any) error {
				err := sm.AckCtx(ctx, req.EnvelopeID, p)
				b.metrics.Acked(kind, time.Since(start))
				return err
			}, func() { b.metrics.Replied(kind, time.Since(start)) })
		}

	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok {
			ack(nil)
			b.log.Warn("unreadable interaction", "envelope", req.EnvelopeID)
			return
		}
		app := cb.APIAppID
		if app == "" && (cb.Type == slack.InteractionTypeShortcut || cb.Type == slack.InteractionTypeMessageAction) {
			app = b.appID // shortcut payloads carry no api_app_id; the connection is the app's own
		}
		if !b.fromUs(cb.Team.ID, app) {
			ack(nil)
			b.log.Warn("refused interaction from a foreign team or app", "team", cb.Team.ID, "app", cb.APIAppID, "user", cb.User.ID)
			return
		}
		switch cb.Type {
		case slack.InteractionTypeViewSubmission:
			// The answer travels in the ack, so the work comes first; it runs beside this loop,
			// which must go on acking other envelopes, and outside the worker slots, which slow
			// handlers may fill. It is not cut short by a shutdown that starts meanwhile.
			b.work.Add(1)
			go func() {
				defer b.work.Done()
				vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), viewDeadline)
				defer cancel()
				var resp *slack.ViewSubmissionResponse
				func() {
					defer func() {
						if r := recover(); r != nil {
							b.log.Error("handler panicked", "handler", "view_submission", "panic", r)
						}
					}()
					resp = b.serveViewSubmission(vctx, cb)
				}()
				if resp == nil {
					ack(nil)
				} else {
					ack(resp)
				}
			}()
		case slack.InteractionTypeBlockActions:
			ack(nil)
			serve := b.timed(kind, start, func(ctx context.Context) error { return b.serveBlockActions(ctx, cb) })
			if clicksAddOpen(cb) {
				b.goNow("action", serve)
			} else {
				b.goWork("action", serve)
			}
		case slack.InteractionTypeShortcut, slack.InteractionTypeMessageAction:
			// Both open a modal, whose trigger id expires about 3 s after the shortcut: at once.
			ack(nil)
			b.goNow("shortcut", func(ctx context.Context) error { return b.serveShortcut(ctx, cb) })
		default:
			ack(nil)
			b.log.Debug("ignored interaction", "type", cb.Type)
		}

	case socketmode.EventTypeEventsAPI:
		ack(nil)
		outer, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok {
			b.log.Warn("unreadable event", "envelope", req.EnvelopeID)
			return
		}
		if !b.fromUs(outer.TeamID, outer.APIAppID) {
			b.log.Warn("refused event from a foreign team or app", "team", outer.TeamID, "app", outer.APIAppID)
			return
		}
		eventID := eventIDOf(req.Payload)
		if outer.InnerEvent.Type == string(slackevents.FunctionExecuted) {
			// A workflow step is idempotent by its execution id (serveFunction), and a redelivery
			// after a completion that failed must run again to complete it: no dedupe by event id.
			eventID = ""
		}
		b.goWork("event", b.timed(kind, start, func(ctx context.Context) error {
			if eventID != "" {
				first, err := b.store.FirstSeen(ctx, eventID, b.now())
				if err != nil {
					return fmt.Errorf("dedupe event %s: %w", eventID, err)
				}
				if !first {
					b.log.Debug("redelivered event ignored", "event_id", eventID, "retry", req.RetryAttempt)
					return nil
				}
			}
			return b.serveEvent(ctx, outer)
		}))

	default:
		ack(nil)
		b.log.Debug("acked an envelope of an unknown type", "type", ev.Type)
	}
}

// fromUs reports whether a request comes from the workspace and app that auth.test reported.
// An empty id in the request is not trusted either.
func (b *Bot) fromUs(team, app string) bool {
	if b.teamID != "" && team != b.teamID {
		return false
	}
	if b.appID != "" && app != b.appID {
		return false
	}
	return true
}

// eventIDOf reads event_id from an events_api envelope payload.
func eventIDOf(payload json.RawMessage) string {
	var p struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.EventID
}

// opensModal reports whether a slash command's text is "add" alone, which opens the add modal.
func opensModal(text string) bool {
	return strings.EqualFold(strings.TrimSpace(text), "add")
}

// clicksAddOpen reports whether a click is on a button that opens a modal (add, or log a reply).
func clicksAddOpen(cb slack.InteractionCallback) bool {
	for _, a := range cb.ActionCallback.BlockActions {
		if a.ActionID == actionAddOpen || a.ActionID == actionReplyOpen {
			return true
		}
	}
	return false
}
