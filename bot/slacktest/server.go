// Package slacktest is the project's in-repo fake Slack: an httptest server that
// speaks enough of the Web API and of Socket Mode for the real slack-go client to
// connect to it.
//
// It records every Web API call, every envelope it sends and every ack it
// receives (with timestamps), stores posted messages, views and uploaded files,
// sends shortcuts and Workflow Builder function executions and records how
// they were completed (native.go), and can inject faults: HTTP 429 and 5xx answers, Slack error codes, delays,
// dropped websockets, disconnect frames and redeliveries.
//
// Tests never sleep to wait for the bot: every Wait method blocks on a
// broadcast channel that is signalled on each state change, and returns when
// its condition holds, when its context is done, or with ErrClosed when the
// server is closed.
package slacktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// ErrClosed is returned by the Wait and Send methods once the server is closed.
var ErrClosed = errors.New("slacktest: server closed")

// Default identities and tokens of a new Server. They match the IDs used by the
// samples in shared/slack.
const (
	DefaultTeamID    = "T0FAKETEAM"
	DefaultTeamName  = "FakeCo"
	DefaultAppID     = "A0FAKEAPP1"
	DefaultBotUserID = "U0FAKEBOT1"
	DefaultBotID     = "B0FAKEBOT1"
	DefaultBotToken  = "xoxb-fake"
	DefaultAppToken  = "xapp-fake"
)

// config holds what Options set; it is read-only once New returns.
type config struct {
	teamID, teamName, teamDomain string
	appID, botUserID, botID      string
	botName                      string
	botToken, appToken           string
	now                          func() time.Time
	pingInterval                 time.Duration
	triggerTTL                   time.Duration
	channelRate                  int
	spread                       bool
}

// Option configures a Server created by New.
type Option func(*config)

// WithTeamID sets the workspace ID the server reports and puts into envelopes.
func WithTeamID(id string) Option { return func(c *config) { c.teamID = id } }

// WithAppID sets the app ID the server reports and puts into envelopes.
func WithAppID(id string) Option { return func(c *config) { c.appID = id } }

// WithBotUserID sets the bot's user ID returned by auth.test.
func WithBotUserID(id string) Option { return func(c *config) { c.botUserID = id } }

// WithBotID sets the bot ID (B…) returned by auth.test and set on posted messages.
func WithBotID(id string) Option { return func(c *config) { c.botID = id } }

// WithBotToken sets the only bot token (xoxb-…) the Web API accepts.
func WithBotToken(token string) Option { return func(c *config) { c.botToken = token } }

// WithAppToken sets the only app-level token (xapp-…) apps.connections.open accepts.
func WithAppToken(token string) Option { return func(c *config) { c.appToken = token } }

// WithClock makes the server read time from now instead of time.Now. It drives
// message timestamps, Call.At, trigger expiry and the per-channel rate limit, so
// tests can use a fake clock. Websocket pings and ack timestamps always use the
// wall clock, because they measure real latency.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithPingInterval sets how often the server pings each websocket (default 5 s;
// zero or less keeps the default). slack-go reconnects when no ping arrives
// for 30 s, so keep it well below that.
func WithPingInterval(d time.Duration) Option { return func(c *config) { c.pingInterval = d } }

// WithTriggerTTL sets how long a trigger_id stays valid for views.open (default
// 3 s of the server's clock, as on Slack). Zero disables expiry checking; unknown
// trigger IDs are still refused with invalid_trigger_id.
func WithTriggerTTL(d time.Duration) Option { return func(c *config) { c.triggerTTL = d } }

// WithChannelRateLimit makes chat.postMessage accept at most perSecond messages
// per channel in any one-second window of the server's clock, answering HTTP 429
// with Retry-After: 1 beyond that, like Slack's ~1 message per second limit.
// Zero (the default) turns the limit off.
func WithChannelRateLimit(perSecond int) Option { return func(c *config) { c.channelRate = perSecond } }

// WithSpread sends each envelope to one of the open Socket Mode connections in turn, as Slack
// does for an app with several connections (several replicas of a bot), instead of to the newest.
func WithSpread() Option { return func(c *config) { c.spread = true } }

// Server is a fake Slack. Create it with New and stop it with Close; all methods
// are safe for concurrent use.
type Server struct {
	cfg  config
	http *httptest.Server

	closeOnce sync.Once
	closed    chan struct{}
	wsWG      sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	seq     int           // source of unique IDs
	turn    int           // the next connection's turn when envelopes are spread
	state
}

// New starts a fake Slack on a local port. Close it when the test ends, after
// stopping the clients that use it.
func New(opts ...Option) *Server {
	cfg := config{
		teamID: DefaultTeamID, teamName: DefaultTeamName, teamDomain: "fakeco",
		appID: DefaultAppID, botUserID: DefaultBotUserID, botID: DefaultBotID,
		botName: "followup-bot", botToken: DefaultBotToken, appToken: DefaultAppToken,
		now: time.Now, pingInterval: 5 * time.Second, triggerTTL: 3 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.pingInterval <= 0 {
		cfg.pingInterval = 5 * time.Second
	}
	s := &Server{cfg: cfg, closed: make(chan struct{}), changed: make(chan struct{})}
	s.state.init()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/response/", s.serveResponseURL)
	mux.HandleFunc("/upload/", s.serveUpload)
	s.http = httptest.NewServer(mux)
	return s
}

// Close closes every websocket, unblocks all waiters (they return ErrClosed),
// lets delayed requests return, and shuts the HTTP server down. It is safe to
// call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		conns := append([]*wsConn(nil), s.conns...)
		s.notifyLocked()
		s.mu.Unlock()
		for _, c := range conns {
			c.drop()
		}
		s.http.Close()
		s.wsWG.Wait()
	})
}

// URL returns the server's base URL, such as http://127.0.0.1:4242.
func (s *Server) URL() string { return s.http.URL }

// APIURL returns the Web API base URL for slack.OptionAPIURL; it ends in "/".
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// TeamID returns the workspace ID the server was configured with.
func (s *Server) TeamID() string { return s.cfg.teamID }

// AppID returns the app ID the server was configured with.
func (s *Server) AppID() string { return s.cfg.appID }

// BotUserID returns the bot's user ID the server was configured with.
func (s *Server) BotUserID() string { return s.cfg.botUserID }

// BotToken returns the bot token the server accepts.
func (s *Server) BotToken() string { return s.cfg.botToken }

// AppToken returns the app-level token the server accepts.
func (s *Server) AppToken() string { return s.cfg.appToken }

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextID returns a fresh number for IDs; s.mu must be held.
func (s *Server) nextIDLocked() int {
	s.seq++
	return s.seq
}

// waitFor blocks until cond, evaluated with s.mu held, returns true.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		}
	}
}

// isClosed reports whether Close has been called.
func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// now reads the configured clock.
func (s *Server) now() time.Time { return s.cfg.now() }

// fakeUUID formats n like the UUIDs Slack uses for envelope IDs.
func fakeUUID(n int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", 0x5eed0000+n, n)
}
