package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrNotConnected is returned when a frame must go out but no websocket is open.
var ErrNotConnected = errors.New("slacktest: no socket mode connection")

var upgrader = websocket.Upgrader{
	// slack-go dials with Origin: https://api.slack.com.
	CheckOrigin: func(*http.Request) bool { return true },
}

// wsConn is one Socket Mode websocket.
type wsConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	done    chan struct{}
	once    sync.Once
	hello   bool // guarded by Server.mu
	id      int  // 1 for the first connection the server accepted, 2 for the next, …
}

// write sends one JSON text frame; gorilla allows one writer at a time.
func (c *wsConn) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// drop closes the TCP connection without a close frame, like a network failure.
func (c *wsConn) drop() {
	c.once.Do(func() { close(c.done) })
	_ = c.ws.UnderlyingConn().Close()
}

// Ack is a client → server acknowledgement of an envelope.
type Ack struct {
	// EnvelopeID is the envelope being acknowledged.
	EnvelopeID string
	// Payload is the ack's payload (a slash command reply, a response_action …),
	// or nil for a plain ack.
	Payload json.RawMessage
	// SentAt is when the envelope went out and AckedAt when the ack came back,
	// both by the wall clock; AckedAt is zero for an envelope not acked.
	SentAt  time.Time
	AckedAt time.Time
	// Conn is the connection the envelope went out on and the ack came back on (1 for the
	// first connection the server accepted, 2 for the next, …).
	Conn int
}

// Latency is how long the client took to ack.
func (a Ack) Latency() time.Duration { return a.AckedAt.Sub(a.SentAt) }

// DecodePayload unmarshals the ack's payload into v.
func (a Ack) DecodePayload(v any) error { return json.Unmarshal(a.Payload, v) }

// Acks returns every ack received so far, in arrival order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// WaitAck blocks until the envelope is acked and returns the (first) ack. Each waiter waits on
// a channel of its own envelope, woken by its ack alone, so many commands in flight cost each
// ack one wake-up rather than one per waiter.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	s.mu.Lock()
	if i, ok := s.ackAt[envelopeID]; ok {
		a := s.acks[i]
		s.mu.Unlock()
		return a, nil
	}
	ch := s.ackWait[envelopeID]
	if ch == nil {
		ch = make(chan struct{})
		s.ackWait[envelopeID] = ch
	}
	s.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return Ack{}, ctx.Err()
	case <-s.closed:
		return Ack{}, ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[s.ackAt[envelopeID]], nil
}

// Connections returns how many websockets have connected so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// WaitConnected blocks until a websocket is open and has been sent hello.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, func() bool { return s.currentLocked() != nil })
}

// WaitConnections blocks until at least n websockets have connected in total
// and the latest one has been sent hello; use it to wait for a reconnect.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.connects >= n && s.currentLocked() != nil })
}

// currentLocked returns the newest open connection that has been sent hello.
func (s *Server) currentLocked() *wsConn {
	for i := len(s.conns) - 1; i >= 0; i-- {
		if s.conns[i].hello {
			return s.conns[i]
		}
	}
	return nil
}

// pickLocked returns the connection the next envelope goes out on: the newest, or with
// WithSpread each open one in turn.
func (s *Server) pickLocked() *wsConn {
	if !s.cfg.spread {
		return s.currentLocked()
	}
	var open []*wsConn
	for _, c := range s.conns {
		if c.hello {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return nil
	}
	s.turn++
	return open[s.turn%len(open)]
}

// Disconnect drops the current websocket abruptly, without a close frame, as a
// network failure would. slack-go notices and reconnects through
// apps.connections.open. It returns ErrNotConnected when no websocket is open.
func (s *Server) Disconnect() error {
	s.mu.Lock()
	c := s.currentLocked()
	s.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	c.drop()
	return nil
}

// SendDisconnect sends a disconnect frame with reason ("refresh_requested",
// "warning", "link_disabled", …) on the current websocket; slack-go then
// reconnects by itself.
func (s *Server) SendDisconnect(reason string) error {
	s.mu.Lock()
	c := s.currentLocked()
	s.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	return c.write(map[string]any{"type": "disconnect", "reason": reason,
		"debug_info": map[string]any{"host": "applink-fake-0"}})
}

// serveSocket upgrades a Socket Mode websocket, says hello, pings, and records acks.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if s.isClosed() {
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{ws: ws, done: make(chan struct{})}
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns = append(s.conns, c)
	s.connects++
	c.id = s.connects
	n := len(s.conns)
	s.wsWG.Add(1)
	s.mu.Unlock()
	defer s.wsWG.Done()
	defer s.removeConn(c)

	hello := map[string]any{
		"type": "hello", "num_connections": n,
		"debug_info": map[string]any{"host": "applink-fake-0", "build_number": 10,
			"approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.cfg.appID},
	}
	if err := c.write(hello); err != nil {
		return
	}
	s.mu.Lock()
	c.hello = true
	s.notifyLocked()
	s.mu.Unlock()

	s.wsWG.Go(func() { s.ping(c) })
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		s.recordAck(c, data)
	}
}

// ping pings c every ping interval until it closes; slack-go reconnects when
// pings stop.
func (s *Server) ping(c *wsConn) {
	t := time.NewTicker(s.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second))
			if err != nil {
				return
			}
		}
	}
}

// removeConn forgets a closed websocket.
func (s *Server) removeConn(c *wsConn) {
	c.drop()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = slices.DeleteFunc(s.conns, func(x *wsConn) bool { return x == c })
	s.notifyLocked()
}

// recordAck stores a client frame {"envelope_id":…, "payload":…}.
func (s *Server) recordAck(c *wsConn, data []byte) {
	var frame struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(data, &frame) != nil || frame.EnvelopeID == "" {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := Ack{EnvelopeID: frame.EnvelopeID, Payload: frame.Payload, AckedAt: now, Conn: c.id}
	var env *Envelope
	if i, ok := s.envAt[frame.EnvelopeID]; ok {
		env = &s.envelopes[i]
		a.SentAt = env.SentAt
	}
	if _, ok := s.ackAt[a.EnvelopeID]; !ok {
		s.ackAt[a.EnvelopeID] = len(s.acks)
		if ch := s.ackWait[a.EnvelopeID]; ch != nil {
			close(ch)
			delete(s.ackWait, a.EnvelopeID)
		}
	}
	s.acks = append(s.acks, a)
	if env != nil && env.Type == TypeSlashCommands && env.AcceptsResponsePayload && isMessage(frame.Payload) {
		// Slack shows a message in a slash command's ack as the command's reply, as if it had
		// been posted to the command's response_url: record it with the posts, marked InAck.
		var p struct {
			ResponseURL string `json:"response_url"`
		}
		if json.Unmarshal(env.Payload, &p) == nil && p.ResponseURL != "" {
			s.responses = append(s.responses, ResponsePost{URL: p.ResponseURL, Body: frame.Payload, At: s.now(), InAck: true})
		}
	}
	s.notifyLocked()
}

// isMessage reports whether an ack payload is a message: it has a text or blocks.
func isMessage(payload json.RawMessage) bool {
	var m struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	return len(payload) > 0 && json.Unmarshal(payload, &m) == nil && (m.Text != "" || len(m.Blocks) > 0)
}
