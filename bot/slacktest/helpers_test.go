package slacktest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/followup-bot/followup/bot/slacktest"
)

// mustServer starts a fake Slack closed when the test ends.
func mustServer(tb testing.TB, opts ...slacktest.Option) *slacktest.Server {
	tb.Helper()
	srv := slacktest.New(opts...)
	tb.Cleanup(srv.Close)
	return srv
}

// testCtx returns a context bounded well below the test timeout.
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// newAPI returns a real slack-go client pointed at srv.
func newAPI(srv *slacktest.Server, opts ...slack.Option) *slack.Client {
	opts = append([]slack.Option{slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.AppToken())}, opts...)
	return slack.New(srv.BotToken(), opts...)
}

// handler answers one socketmode event; nil means "ack every request plainly".
type handler func(sm *socketmode.Client, evt socketmode.Event)

// bot is a real socketmode client running against the fake.
type bot struct {
	api    *slack.Client
	sm     *socketmode.Client
	events chan socketmode.Event // copies of every event, for assertions
	runErr chan error
}

// startBot runs socketmode.Client.RunContext in a goroutine, draining Events
// through h, and stops it (before the server closes) when the test ends.
func startBot(tb testing.TB, srv *slacktest.Server, h handler) *bot {
	tb.Helper()
	api := newAPI(srv)
	b := &bot{api: api, sm: socketmode.New(api), events: make(chan socketmode.Event, 256), runErr: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { b.runErr <- b.sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-b.sm.Events:
				select {
				case b.events <- evt:
				default:
				}
				switch {
				case h != nil:
					h(b.sm, evt)
				case evt.Request != nil && evt.Request.EnvelopeID != "":
					_ = b.sm.Ack(*evt.Request)
				}
			}
		}
	})
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return b
}

// waitEvent returns the next copied event of the given type.
func (b *bot) waitEvent(tb testing.TB, ctx context.Context, typ socketmode.EventType) socketmode.Event {
	tb.Helper()
	for {
		select {
		case evt := <-b.events:
			if evt.Type == typ {
				return evt
			}
		case <-ctx.Done():
			tb.Fatalf("no %s event: %v", typ, ctx.Err())
		}
	}
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// slackErr returns the Slack error code of err, or "".
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
