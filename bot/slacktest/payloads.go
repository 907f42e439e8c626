package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// SlashCommand describes a slash command invocation. Empty fields get defaults:
// command "/followup", channel C0GENERAL1 "general", the server's team and app,
// a fresh trigger_id and a response_url on the server.
type SlashCommand struct {
	UserID, UserName       string
	Command, Text          string
	ChannelID, ChannelName string
	// TeamID and APIAppID override the server's, to test foreign workspaces/apps.
	TeamID, TeamDomain, APIAppID string
	EnterpriseID                 string
	// IsEnterpriseInstall is sent as the string "true"/"false", as Slack does.
	IsEnterpriseInstall bool
	ResponseURL         string
	TriggerID           string
}

// or returns v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// SendSlashCommand sends a slash_commands envelope and waits for its ack.
func (s *Server) SendSlashCommand(ctx context.Context, c SlashCommand, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	trigger, respURL := or(c.TriggerID, s.newTriggerIDLocked()), or(c.ResponseURL, s.newResponseURLLocked())
	s.mu.Unlock()
	p := map[string]any{
		"token": "verification-token-unused", "team_id": or(c.TeamID, s.cfg.teamID),
		"team_domain": or(c.TeamDomain, s.cfg.teamDomain), "channel_id": or(c.ChannelID, "C0GENERAL1"),
		"channel_name": or(c.ChannelName, "general"), "user_id": c.UserID,
		"user_name": or(c.UserName, c.UserID), "command": or(c.Command, "/followup"), "text": c.Text,
		"api_app_id": or(c.APIAppID, s.cfg.appID), "is_enterprise_install": strconv.FormatBool(c.IsEnterpriseInstall),
		"response_url": respURL, "trigger_id": trigger,
	}
	if c.EnterpriseID != "" {
		p["enterprise_id"] = c.EnterpriseID
	}
	return s.SendEnvelope(ctx, TypeSlashCommands, p, opts...)
}

// BlockAction describes a click on an interactive element. By default it comes
// from a message in ChannelID at MessageTs (when the server stores that
// message, its text and blocks are included); set ViewID to click inside a
// modal or Home tab the server knows instead.
type BlockAction struct {
	UserID, UserName string
	// TeamID and APIAppID override the server's.
	TeamID, APIAppID string
	// ChannelID and MessageTs locate the message holding the element.
	ChannelID, MessageTs string
	// ViewID locates a view holding the element instead of a message.
	ViewID string
	// ActionID, BlockID, Value and Type ("button" by default) describe the
	// element; Text is its label (Value by default).
	ActionID, BlockID, Value, Type, Text string
	// Action, when set, replaces the whole actions[0] object.
	Action any
	// State is the view's or message's state.values.
	State                  map[string]map[string]any
	ResponseURL, TriggerID string
}

// SendBlockAction sends an interactive block_actions envelope and waits for its ack.
func (s *Server) SendBlockAction(ctx context.Context, a BlockAction, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	trigger, respURL := or(a.TriggerID, s.newTriggerIDLocked()), or(a.ResponseURL, s.newResponseURLLocked())
	channel := resolveChannel(a.ChannelID)
	var message map[string]any
	if _, m := s.findLocked(channel, a.MessageTs); m != nil {
		message = s.wire(m, true)
	}
	var view json.RawMessage
	if v, found := s.views[a.ViewID]; found {
		view = s.viewPayloadLocked(v)
	}
	s.mu.Unlock()

	action := a.Action
	if action == nil {
		action = map[string]any{
			"action_id": a.ActionID, "block_id": a.BlockID, "value": a.Value, "type": or(a.Type, "button"),
			"text":      map[string]any{"type": "plain_text", "text": or(a.Text, a.Value)},
			"action_ts": "1735725612.345678",
		}
	}
	team := or(a.TeamID, s.cfg.teamID)
	p := map[string]any{
		"type": "block_actions", "user": userObj(a.UserID, a.UserName, team),
		"api_app_id": or(a.APIAppID, s.cfg.appID), "token": "verification-token-unused",
		"trigger_id": trigger, "team": map[string]any{"id": team, "domain": s.cfg.teamDomain},
		"enterprise": nil, "is_enterprise_install": false,
		"state": map[string]any{"values": orState(a.State)}, "actions": []any{action},
	}
	if a.ViewID != "" {
		p["container"] = map[string]any{"type": "view", "view_id": a.ViewID}
		p["view"] = view
	} else {
		p["container"] = map[string]any{"type": "message", "message_ts": a.MessageTs,
			"channel_id": channel, "is_ephemeral": false}
		p["channel"] = map[string]any{"id": channel, "name": "directmessage"}
		p["response_url"] = respURL
		if message != nil {
			p["message"] = message
		}
	}
	return s.SendEnvelope(ctx, TypeInteractive, p, opts...)
}

// ViewSubmission describes a modal submission. When ViewID names a view the
// server knows, its callback_id, private_metadata and blocks are sent;
// CallbackID and PrivateMetadata override them.
type ViewSubmission struct {
	UserID, UserName string
	// TeamID and APIAppID override the server's.
	TeamID, APIAppID string
	ViewID           string
	CallbackID       string
	PrivateMetadata  string
	// Values is state.values: block_id → action_id → element state, such as
	// TextInput("…") or DatePicker("2025-01-02").
	Values    map[string]map[string]any
	TriggerID string
}

// SendViewSubmission sends an interactive view_submission envelope and waits
// for its ack, whose payload may carry a response_action.
func (s *Server) SendViewSubmission(ctx context.Context, v ViewSubmission, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	trigger := or(v.TriggerID, s.newTriggerIDLocked())
	view := map[string]any{"type": "modal", "blocks": []any{}}
	if stored, found := s.views[v.ViewID]; found {
		_ = json.Unmarshal(s.viewPayloadLocked(stored), &view)
	} else {
		view["id"] = or(v.ViewID, fmt.Sprintf("V%08d", s.nextIDLocked()))
	}
	s.mu.Unlock()
	if v.CallbackID != "" {
		view["callback_id"] = v.CallbackID
	}
	if v.PrivateMetadata != "" {
		view["private_metadata"] = v.PrivateMetadata
	}
	team := or(v.TeamID, s.cfg.teamID)
	view["team_id"], view["app_id"] = team, or(v.APIAppID, s.cfg.appID)
	view["state"] = map[string]any{"values": orState(v.Values)}
	p := map[string]any{
		"type": "view_submission", "team": map[string]any{"id": team, "domain": s.cfg.teamDomain},
		"user": userObj(v.UserID, v.UserName, team), "api_app_id": or(v.APIAppID, s.cfg.appID),
		"token": "verification-token-unused", "trigger_id": trigger, "enterprise": nil,
		"is_enterprise_install": false, "view": view, "response_urls": []any{},
	}
	return s.SendEnvelope(ctx, TypeInteractive, p, opts...)
}

// viewPayloadLocked renders a stored view as it appears inside payloads.
func (s *Server) viewPayloadLocked(v *View) json.RawMessage {
	var obj map[string]any
	_ = json.Unmarshal(v.JSON, &obj)
	if obj == nil {
		obj = map[string]any{}
	}
	obj["id"], obj["hash"], obj["team_id"], obj["type"] = v.ID, v.Hash, s.cfg.teamID, v.Type
	obj["app_id"], obj["bot_id"], obj["root_view_id"] = s.cfg.appID, s.cfg.botID, v.ID
	b, _ := json.Marshal(obj)
	return b
}

func userObj(id, name, team string) map[string]any {
	return map[string]any{"id": id, "username": or(name, id), "name": or(name, id), "team_id": team}
}

func orState(v map[string]map[string]any) map[string]map[string]any {
	if v == nil {
		return map[string]map[string]any{}
	}
	return v
}

// TextInput is the state of a plain_text_input holding value.
func TextInput(value string) map[string]any {
	return map[string]any{"type": "plain_text_input", "value": value}
}

// DatePicker is the state of a datepicker set to date (YYYY-MM-DD).
func DatePicker(date string) map[string]any {
	return map[string]any{"type": "datepicker", "selected_date": date}
}

// Checkboxes is the state of a checkboxes element with the given option values ticked.
func Checkboxes(values ...string) map[string]any {
	opts := []any{}
	for _, v := range values {
		opts = append(opts, map[string]any{"text": map[string]any{"type": "plain_text", "text": v}, "value": v})
	}
	return map[string]any{"type": "checkboxes", "selected_options": opts}
}

// UsersSelect is the state of a users_select set to userID.
func UsersSelect(userID string) map[string]any {
	return map[string]any{"type": "users_select", "selected_user": userID}
}

// StaticSelect is the state of a static_select with the option of this value.
func StaticSelect(value string) map[string]any {
	return map[string]any{"type": "static_select", "selected_option": map[string]any{
		"text": map[string]any{"type": "plain_text", "text": value}, "value": value}}
}

// SendEvent sends an events_api envelope wrapping event (the inner event, such
// as {"type":"app_home_opened",…}) in an event_callback with eventID, and
// waits for the ack. FromTeam and FromApp override the team and app.
func (s *Server) SendEvent(ctx context.Context, eventID string, event any, opts ...EnvelopeOption) (Ack, error) {
	o := collect(opts)
	team, app := or(o.teamID, s.cfg.teamID), or(o.appID, s.cfg.appID)
	now := s.now()
	p := map[string]any{
		"token": "verification-token-unused", "team_id": team, "api_app_id": app,
		"event": event, "type": "event_callback", "event_id": eventID, "event_time": now.Unix(),
		"authorizations": []any{map[string]any{"enterprise_id": nil, "team_id": team,
			"user_id": s.cfg.botUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
	}
	return s.SendEnvelope(ctx, TypeEventsAPI, p, opts...)
}

// SendAppHomeOpened sends an app_home_opened event (tab "home") for user; the
// event carries the Home view last published for the user, if any.
func (s *Server) SendAppHomeOpened(ctx context.Context, userID, eventID string, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	ev := map[string]any{
		"type": "app_home_opened", "user": userID, "channel": DMChannel(userID),
		"tab": "home", "event_ts": s.nextTsLocked(s.now()),
	}
	if v, found := s.views[s.homeViews[userID]]; found {
		ev["view"] = s.viewPayloadLocked(v)
	}
	s.mu.Unlock()
	return s.SendEvent(ctx, eventID, ev, opts...)
}
