package slacktest

import "context"

// MessageShortcut describes a click on a message shortcut ("…" menu of a message).
type MessageShortcut struct {
	UserID, UserName string
	// CallbackID is the shortcut's callback_id from the manifest.
	CallbackID string
	// ChannelID, MessageTs, MessageUser and Text describe the message it was used on.
	ChannelID, MessageTs, MessageUser, Text string
	ResponseURL, TriggerID                  string
}

// SendMessageShortcut sends an interactive message_action envelope, as Slack does when someone
// picks a message shortcut, and waits for its ack.
func (s *Server) SendMessageShortcut(ctx context.Context, m MessageShortcut, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	trigger, respURL := or(m.TriggerID, s.newTriggerIDLocked()), or(m.ResponseURL, s.newResponseURLLocked())
	s.mu.Unlock()
	team := s.cfg.teamID
	ts := or(m.MessageTs, "1735725600.000100")
	p := map[string]any{
		"type": "message_action", "token": "verification-token-unused", "action_ts": "1735725612.345678",
		"team": map[string]any{"id": team, "domain": s.cfg.teamDomain}, "user": userObj(m.UserID, m.UserName, team),
		"api_app_id": s.cfg.appID, "channel": map[string]any{"id": or(m.ChannelID, "C0SALES001"), "name": "sales"},
		"callback_id": m.CallbackID, "trigger_id": trigger, "message_ts": ts, "response_url": respURL,
		"message": map[string]any{"type": "message", "user": or(m.MessageUser, "U0OTHER001"), "ts": ts, "text": m.Text},
	}
	return s.SendEnvelope(ctx, TypeInteractive, p, opts...)
}
