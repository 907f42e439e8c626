package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Message is a message the bot posted, as the server stores it.
type Message struct {
	// Channel is the channel ID the message lives in (a D… ID for DMs).
	Channel string
	// Ts is the message timestamp, unique and strictly increasing server-wide.
	Ts string
	// Text is the message's text field.
	Text string
	// Blocks is the raw JSON array of blocks, or nil.
	Blocks json.RawMessage
	// Metadata is the raw JSON {event_type, event_payload}, or nil.
	Metadata json.RawMessage
	// Thread is the thread_ts the message was posted into, or "".
	Thread string
	// User is the recipient of an ephemeral message, or "" for normal messages.
	User string
	// Updated counts chat.update calls applied to the message.
	Updated int
}

// DMChannel returns the DM channel ID the server uses for a user: "D" followed
// by the user ID without its leading "U" (or "W").
func DMChannel(userID string) string {
	if len(userID) > 1 && (userID[0] == 'U' || userID[0] == 'W') {
		return "D" + userID[1:]
	}
	return "D" + userID
}

// resolveChannel maps a user ID to its DM channel, as Slack does for posts.
func resolveChannel(ch string) string {
	if strings.HasPrefix(ch, "U") || strings.HasPrefix(ch, "W") {
		return DMChannel(ch)
	}
	return ch
}

// Messages returns the messages in a channel, oldest first. A user ID is read
// as that user's DM channel.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(resolveChannel(channel))
}

func (s *Server) messagesLocked(channel string) []Message {
	out := make([]Message, 0, len(s.messages[channel]))
	for _, m := range s.messages[channel] {
		out = append(out, *m)
	}
	return out
}

// Ephemerals returns the ephemeral messages posted in a channel, oldest first.
func (s *Server) Ephemerals(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.ephemerals[resolveChannel(channel)]...)
}

// WaitMessages blocks until channel holds at least n messages and returns them,
// oldest first. A user ID is read as that user's DM channel.
func (s *Server) WaitMessages(ctx context.Context, channel string, n int) ([]Message, error) {
	channel = resolveChannel(channel)
	var out []Message
	err := s.waitFor(ctx, func() bool {
		out = s.messagesLocked(channel)
		return len(out) >= n
	})
	return out, err
}

// nextTsLocked returns a timestamp from the server clock, strictly after the last one.
func (s *Server) nextTsLocked(now time.Time) string {
	t := now.Truncate(time.Microsecond)
	if !t.After(s.lastTs) {
		t = s.lastTs.Add(time.Microsecond)
	}
	s.lastTs = t
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// tsMicros parses a Slack timestamp into microseconds, for comparisons.
func tsMicros(ts string) (int64, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, false
	}
	frac = (frac + "000000")[:6]
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return s*1_000_000 + us, true
}

// messageContent validates and extracts text, blocks and metadata of a post.
func messageContent(r *apiRequest) (text string, blocks, meta json.RawMessage, rep reply) {
	text = r.form.Get("text")
	if b := r.form.Get("blocks"); b != "" && b != "null" && b != "[]" {
		if msgs := validateBlocks(b, maxMessageBlocks, "/blocks"); len(msgs) > 0 {
			return "", nil, nil, failWith("invalid_blocks", msgs)
		}
		blocks = json.RawMessage(b)
	}
	if text == "" && blocks == nil && r.form.Get("attachments") == "" {
		return "", nil, nil, fail("no_text")
	}
	if m := r.form.Get("metadata"); m != "" {
		var probe struct {
			EventType string `json:"event_type"`
		}
		if json.Unmarshal([]byte(m), &probe) != nil || probe.EventType == "" {
			return "", nil, nil, fail("invalid_metadata_format")
		}
		meta = json.RawMessage(m)
	}
	return text, blocks, meta, reply{}
}

// wire renders a stored message as Slack's message object.
func (s *Server) wire(m *Message, withMeta bool) map[string]any {
	out := map[string]any{
		"type": "message", "text": m.Text, "ts": m.Ts, "user": s.cfg.botUserID,
		"bot_id": s.cfg.botID, "app_id": s.cfg.appID, "team": s.cfg.teamID,
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.Thread != "" {
		out["thread_ts"] = m.Thread
	}
	if m.Updated > 0 {
		out["edited"] = map[string]any{"user": s.cfg.botUserID, "ts": m.Ts}
	}
	if withMeta && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	return out
}

func (s *Server) chatPostMessage(r *apiRequest) reply {
	channel := resolveChannel(r.form.Get("channel"))
	if channel == "" {
		return fail("channel_not_found")
	}
	text, blocks, meta, rep := messageContent(r)
	if rep.status != 0 {
		return rep
	}
	if !s.allowPost(channel, r.call.At) {
		return rateLimitedReply()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Channel: channel, Ts: s.nextTsLocked(r.call.At), Text: text, Blocks: blocks,
		Metadata: meta, Thread: r.form.Get("thread_ts")}
	s.messages[channel] = append(s.messages[channel], m)
	s.notifyLocked()
	return ok(map[string]any{"channel": channel, "ts": m.Ts, "message": s.wire(m, false)})
}

// findLocked returns the stored message at channel/ts, or nil.
func (s *Server) findLocked(channel, ts string) (int, *Message) {
	for i, m := range s.messages[channel] {
		if m.Ts == ts {
			return i, m
		}
	}
	return -1, nil
}

func (s *Server) chatUpdate(r *apiRequest) reply {
	channel := resolveChannel(r.form.Get("channel"))
	text, blocks, meta, rep := messageContent(r)
	if rep.status != 0 {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m := s.findLocked(channel, r.form.Get("ts"))
	if m == nil {
		return fail("message_not_found")
	}
	m.Text, m.Blocks, m.Updated = text, blocks, m.Updated+1
	if meta != nil {
		m.Metadata = meta
	}
	s.notifyLocked()
	return ok(map[string]any{"channel": channel, "ts": m.Ts, "text": m.Text, "message": s.wire(m, false)})
}

func (s *Server) chatPostEphemeral(r *apiRequest) reply {
	channel := resolveChannel(r.form.Get("channel"))
	user := r.form.Get("user")
	if channel == "" {
		return fail("channel_not_found")
	}
	if user == "" {
		return fail("user_not_in_channel")
	}
	text, blocks, _, rep := messageContent(r)
	if rep.status != 0 {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := Message{Channel: channel, Ts: s.nextTsLocked(r.call.At), Text: text, Blocks: blocks,
		Thread: r.form.Get("thread_ts"), User: user}
	s.ephemerals[channel] = append(s.ephemerals[channel], m)
	s.notifyLocked()
	return ok(map[string]any{"message_ts": m.Ts})
}

func (s *Server) chatDelete(r *apiRequest) reply {
	channel := resolveChannel(r.form.Get("channel"))
	s.mu.Lock()
	defer s.mu.Unlock()
	i, m := s.findLocked(channel, r.form.Get("ts"))
	if m == nil {
		return fail("message_not_found")
	}
	s.messages[channel] = append(s.messages[channel][:i:i], s.messages[channel][i+1:]...)
	s.notifyLocked()
	return ok(map[string]any{"channel": channel, "ts": m.Ts})
}

func (s *Server) conversationsOpen(r *apiRequest) reply {
	if ch := r.form.Get("channel"); ch != "" {
		return ok(map[string]any{"no_op": true, "already_open": true, "channel": map[string]any{"id": ch}})
	}
	users := strings.Split(r.form.Get("users"), ",")
	switch {
	case users[0] == "":
		return fail("users_list_not_supplied")
	case len(users) > 1:
		id := "G" + strings.Join(users, "")
		return ok(map[string]any{"channel": map[string]any{"id": id, "is_mpim": true}})
	}
	s.mu.Lock()
	u, known := s.users[users[0]]
	s.mu.Unlock()
	if known && u.Deleted {
		return fail("user_disabled")
	}
	return ok(map[string]any{"no_op": true, "already_open": true,
		"channel": map[string]any{"id": DMChannel(users[0]), "is_im": true, "user": users[0]}})
}

func (s *Server) conversationsHistory(r *apiRequest) reply {
	channel := r.form.Get("channel")
	if channel == "" {
		return fail("channel_not_found")
	}
	limit, _ := strconv.Atoi(r.form.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	inclusive := r.form.Get("inclusive") == "1" || r.form.Get("inclusive") == "true"
	oldest, hasOldest := tsMicros(r.form.Get("oldest"))
	latest, hasLatest := tsMicros(r.form.Get("latest"))
	withMeta := r.form.Get("include_all_metadata") == "1" || r.form.Get("include_all_metadata") == "true"

	s.mu.Lock()
	defer s.mu.Unlock()
	msgs := []map[string]any{}
	hasMore := false
	stored := s.messages[resolveChannel(channel)]
	for i := len(stored) - 1; i >= 0; i-- {
		m := stored[i]
		ts, _ := tsMicros(m.Ts)
		if hasOldest && (ts < oldest || ts == oldest && !inclusive) {
			continue
		}
		if hasLatest && (ts > latest || ts == latest && !inclusive) {
			continue
		}
		if len(msgs) == limit {
			hasMore = true
			break
		}
		msgs = append(msgs, s.wire(m, withMeta))
	}
	return ok(map[string]any{"messages": msgs, "has_more": hasMore, "pin_count": 0,
		"response_metadata": map[string]any{"next_cursor": ""}})
}
