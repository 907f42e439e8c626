package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Envelope types of Socket Mode.
const (
	TypeSlashCommands = "slash_commands"
	TypeInteractive   = "interactive"
	TypeEventsAPI     = "events_api"
)

// Envelope is a Socket Mode request the server sent.
type Envelope struct {
	// ID is the envelope_id the client must ack.
	ID string
	// Type is "slash_commands", "interactive" or "events_api".
	Type string
	// Payload is the raw payload.
	Payload json.RawMessage
	// AcceptsResponsePayload, RetryAttempt and RetryReason are sent as is.
	AcceptsResponsePayload bool
	RetryAttempt           int
	RetryReason            string
	// SentAt is when the frame went out, by the wall clock.
	SentAt time.Time
	// RedeliveryOf is the envelope ID this one redelivers, or "".
	RedeliveryOf string
}

// Envelopes returns every envelope sent so far, oldest first.
func (s *Server) Envelopes() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.envelopes)
}

// envelopeOptions collects EnvelopeOptions.
type envelopeOptions struct {
	noWait        bool
	acceptsSet    bool
	accepts       bool
	retryAttempt  int
	retryReason   string
	teamID, appID string
}

// EnvelopeOption adjusts one envelope sent by a Send method or Redeliver.
type EnvelopeOption func(*envelopeOptions)

// NoAckWait makes the Send method return as soon as the frame is written,
// without waiting for the ack; the returned Ack has a zero AckedAt. Use WaitAck
// later if needed.
func NoAckWait() EnvelopeOption { return func(o *envelopeOptions) { o.noWait = true } }

// AcceptsResponsePayload overrides the envelope's accepts_response_payload flag.
func AcceptsResponsePayload(v bool) EnvelopeOption {
	return func(o *envelopeOptions) { o.acceptsSet, o.accepts = true, v }
}

// Retry sets retry_attempt and retry_reason, as on a redelivered event.
func Retry(attempt int, reason string) EnvelopeOption {
	return func(o *envelopeOptions) { o.retryAttempt, o.retryReason = attempt, reason }
}

// FromTeam makes SendEvent and SendAppHomeOpened claim another team_id, to test
// that the bot refuses foreign workspaces.
func FromTeam(teamID string) EnvelopeOption { return func(o *envelopeOptions) { o.teamID = teamID } }

// FromApp makes SendEvent and SendAppHomeOpened claim another api_app_id.
func FromApp(appID string) EnvelopeOption { return func(o *envelopeOptions) { o.appID = appID } }

func collect(opts []EnvelopeOption) envelopeOptions {
	var o envelopeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// SendEnvelope sends an envelope of type typ ("slash_commands", "interactive",
// "events_api") carrying payload (any JSON-marshalable value, or
// json.RawMessage) on the current websocket, waiting for one to be open first.
// It returns the ack once it arrives; if none does (the client never acks, or
// the websocket drops first) it returns the context's error, or ErrClosed when
// the server closes, with an Ack holding only EnvelopeID and SentAt. The payload is
// sent as given: use NewResponseURL and NewTriggerID to fill its URLs.
// accepts_response_payload defaults to true for slash commands and view
// submissions.
func (s *Server) SendEnvelope(ctx context.Context, typ string, payload any, opts ...EnvelopeOption) (Ack, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Ack{}, fmt.Errorf("marshal payload: %w", err)
	}
	o := collect(opts)
	accepts := typ == TypeSlashCommands || isViewSubmission(raw)
	if o.acceptsSet {
		accepts = o.accepts
	}
	return s.send(ctx, Envelope{Type: typ, Payload: raw, AcceptsResponsePayload: accepts,
		RetryAttempt: o.retryAttempt, RetryReason: o.retryReason}, o.noWait)
}

// isViewSubmission reports whether an interactive payload is a view submission.
func isViewSubmission(raw json.RawMessage) bool {
	var p struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(raw, &p) == nil && p.Type == "view_submission"
}

// send writes env on the current websocket and, unless noWait, waits for its ack.
func (s *Server) send(ctx context.Context, env Envelope, noWait bool) (Ack, error) {
	if err := s.WaitConnected(ctx); err != nil {
		return Ack{}, err
	}
	s.mu.Lock()
	c := s.pickLocked()
	env.ID = fakeUUID(s.nextIDLocked())
	env.SentAt = time.Now()
	s.envAt[env.ID] = len(s.envelopes)
	s.envelopes = append(s.envelopes, env)
	s.notifyLocked()
	s.mu.Unlock()
	if c == nil {
		return Ack{}, ErrNotConnected
	}
	frame := map[string]any{
		"envelope_id": env.ID, "type": env.Type, "payload": env.Payload,
		"accepts_response_payload": env.AcceptsResponsePayload,
	}
	if env.Type == TypeEventsAPI || env.RetryAttempt > 0 {
		frame["retry_attempt"], frame["retry_reason"] = env.RetryAttempt, env.RetryReason
	}
	if err := c.write(frame); err != nil {
		return Ack{EnvelopeID: env.ID, SentAt: env.SentAt}, fmt.Errorf("write envelope: %w", err)
	}
	if noWait {
		return Ack{EnvelopeID: env.ID, SentAt: env.SentAt}, nil
	}
	a, err := s.WaitAck(ctx, env.ID)
	if err != nil {
		return Ack{EnvelopeID: env.ID, SentAt: env.SentAt}, err
	}
	return a, nil
}

// Redeliver sends an earlier envelope again, as Slack does when an ack is late:
// a new envelope ID, the same payload, retry_attempt one higher and, for
// events_api envelopes, retry_reason "timeout". It waits for the ack unless
// NoAckWait is given.
func (s *Server) Redeliver(ctx context.Context, envelopeID string, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	var orig *Envelope
	for i := range s.envelopes {
		if s.envelopes[i].ID == envelopeID {
			orig = &s.envelopes[i]
		}
	}
	var env Envelope
	if orig != nil {
		env = *orig
	}
	s.mu.Unlock()
	if orig == nil {
		return Ack{}, fmt.Errorf("slacktest: unknown envelope %q", envelopeID)
	}
	env.RetryAttempt++
	env.RetryReason = ""
	if env.Type == TypeEventsAPI {
		env.RetryReason = "timeout"
	}
	env.RedeliveryOf = envelopeID
	o := collect(opts)
	if o.retryReason != "" {
		env.RetryAttempt, env.RetryReason = o.retryAttempt, o.retryReason
	}
	return s.send(ctx, env, o.noWait)
}
