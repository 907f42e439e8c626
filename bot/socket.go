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
	if b.connectionEvent(ctx, sm, ev) {
		return
	}
	req := ev.Request
	if req == nil || req.EnvelopeID == "" {
		return // hello, disconnect and client-side events carry no envelope
	}
	e := &envelope{ctx: ctx, sm: sm, req: req, start: time.Now(), kind: envelopeKind(ev), b: b}
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		serveEnvelope(e, ev.Data, "slash command", slashOrigin, b.onSlashCommand)
	case socketmode.EventTypeInteractive:
		serveEnvelope(e, ev.Data, "interaction", b.interactionOrigin, b.onInteraction)
	case socketmode.EventTypeEventsAPI:
		serveEnvelope(e, ev.Data, "event", eventOrigin, b.onEventsAPI)
	default:
		e.ack(nil)
		b.log.Debug("acked an envelope of an unknown type", "type", ev.Type)
	}
}

// envelope is one request from Slack being served: what acks it and what its metrics need.
type envelope struct {
	ctx   context.Context
	sm    *socketmode.Client
	req   *socketmode.Request
	start time.Time // when it arrived
	kind  string    // its metrics label (envelopeKind)
	b     *Bot
}

// ack acks the envelope with payload (nil for an empty ack) and records how long it took.
func (e *envelope) ack(payload any) {
	if err := e.sm.AckCtx(e.ctx, e.req.EnvelopeID, payload); err != nil {
		e.b.log.Error("ack failed", "envelope", e.req.EnvelopeID, "err", err)
	}
	e.b.metrics.Acked(e.kind, time.Since(e.start))
}

// origin says whose a request is (team and app, for fromUs) and what to log about a refused one.
type origin[T any] func(T) (team, app string, attrs []any)

// serveEnvelope is the same three steps for every kind of envelope: decode its data as T,
// refuse one from a foreign team or app, then serve it. An envelope refused or unreadable is
// acked empty and logged ("unreadable <what>", "refused <what> from a foreign team or app").
func serveEnvelope[T any](e *envelope, data any, what string, from origin[T], serve func(*envelope, T)) {
	v, ok := data.(T)
	if !ok {
		e.ack(nil)
		e.b.log.Warn("unreadable "+what, "envelope", e.req.EnvelopeID)
		return
	}
	if team, app, attrs := from(v); !e.b.fromUs(team, app) {
		e.ack(nil)
		e.b.log.Warn("refused "+what+" from a foreign team or app", attrs...)
		return
	}
	serve(e, v)
}

func slashOrigin(cmd slack.SlashCommand) (string, string, []any) {
	return cmd.TeamID, cmd.APIAppID, []any{"team", cmd.TeamID, "app", cmd.APIAppID, "user", cmd.UserID}
}

func (b *Bot) interactionOrigin(cb slack.InteractionCallback) (string, string, []any) {
	app := cb.APIAppID
	if app == "" && (cb.Type == slack.InteractionTypeShortcut || cb.Type == slack.InteractionTypeMessageAction) {
		app = b.appID // shortcut payloads carry no api_app_id; the connection is the app's own
	}
	return cb.Team.ID, app, []any{"team", cb.Team.ID, "app", cb.APIAppID, "user", cb.User.ID}
}

func eventOrigin(outer slackevents.EventsAPIEvent) (string, string, []any) {
	return outer.TeamID, outer.APIAppID, []any{"team", outer.TeamID, "app", outer.APIAppID}
}

// onSlashCommand answers a slash command: "add" alone opens a modal, at once; any other command's
// answer rides in the ack when it comes within the budget (answerCommand).
func (b *Bot) onSlashCommand(e *envelope, cmd slack.SlashCommand) {
	if opensModal(cmd.Text) {
		e.ack(nil)
		b.goNow("command", b.timed(e.kind, e.start, func(ctx context.Context) error { return b.serveCommand(ctx, cmd) }))
		return
	}
	b.answerCommand(cmd, e.req.AcceptsResponsePayload, func(p any) error {
		err := e.sm.AckCtx(e.ctx, e.req.EnvelopeID, p)
		b.metrics.Acked(e.kind, time.Since(e.start))
		return err
	}, func() { b.metrics.Replied(e.kind, time.Since(e.start)) })
}

// onInteraction serves a click, a modal submission or a shortcut.
func (b *Bot) onInteraction(e *envelope, cb slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		// The answer travels in the ack, so the work comes first; it runs beside this loop,
		// which must go on acking other envelopes, and outside the worker slots, which slow
		// handlers may fill. It is not cut short by a shutdown that starts meanwhile.
		b.work.Add(1)
		go func() {
			defer b.work.Done()
			vctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), viewDeadline)
			defer cancel()
			var resp *slack.ViewSubmissionResponse
			func() {
				defer b.logPanic("view_submission")
				resp = b.serveViewSubmission(vctx, cb)
			}()
			if resp == nil {
				e.ack(nil)
			} else {
				e.ack(resp)
			}
		}()
	case slack.InteractionTypeBlockActions:
		e.ack(nil)
		serve := b.timed(e.kind, e.start, func(ctx context.Context) error { return b.serveBlockActions(ctx, cb) })
		if clicksAddOpen(cb) {
			b.goNow("action", serve)
		} else {
			b.goWork("action", serve)
		}
	case slack.InteractionTypeShortcut, slack.InteractionTypeMessageAction:
		// Both open a modal, whose trigger id expires about 3 s after the shortcut: at once.
		e.ack(nil)
		b.goNow("shortcut", func(ctx context.Context) error { return b.serveShortcut(ctx, cb) })
	default:
		e.ack(nil)
		b.log.Debug("ignored interaction", "type", cb.Type)
	}
}

// onEventsAPI acks an Events API event (it carries no answer) and serves it, once per event id.
func (b *Bot) onEventsAPI(e *envelope, outer slackevents.EventsAPIEvent) {
	e.ack(nil)
	eventID := eventIDOf(e.req.Payload)
	if outer.InnerEvent.Type == string(slackevents.FunctionExecuted) {
		// A workflow step is idempotent by its execution id (serveFunction), and a redelivery
		// after a completion that failed must run again to complete it: no dedupe by event id.
		eventID = ""
	}
	retry := e.req.RetryAttempt
	b.goWork("event", b.timed(e.kind, e.start, func(ctx context.Context) error {
		if eventID != "" {
			first, err := b.store.FirstSeen(ctx, eventID, b.now())
			if err != nil {
				return fmt.Errorf("dedupe event %s: %w", eventID, err)
			}
			if !first {
				b.log.Debug("redelivered event ignored", "event_id", eventID, "retry", retry)
				return nil
			}
		}
		return b.serveEvent(ctx, outer)
	}))
}

// connectionEvent handles the events about the connection itself, and frames slack-go could not
// read; it reports whether ev was one of them.
func (b *Bot) connectionEvent(ctx context.Context, sm *socketmode.Client, ev socketmode.Event) bool {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		b.metrics.Connected(false)
		b.log.Debug("socket mode connecting")
	case socketmode.EventTypeConnected:
		b.metrics.Connected(true)
		b.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		if ev.Type == socketmode.EventTypeConnectionError {
			b.metrics.Connected(false)
		}
		b.log.Warn("socket mode error", "type", ev.Type, "err", fmt.Sprint(ev.Data))
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not turn the frame into an event: a type Slack added later, an event
		// the bot does not know, a payload it cannot read. If it is an envelope, ack it anyway,
		// or Slack shows the person an error and redelivers it. The frame itself is not logged:
		// it may hold what a person typed.
		bad, _ := ev.Data.(*socketmode.ErrorBadMessage)
		if bad == nil {
			b.log.Warn("socket mode: a message could not be read")
			return true
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
	default:
		return false
	}
	return true
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
