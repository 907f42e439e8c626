package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// nativeState is what the server remembers about shortcuts, permalinks and Workflow Builder
// functions; guarded by Server.mu.
type nativeState struct {
	hidden    map[string]bool               // channels the bot cannot read
	functions map[string]*FunctionExecution // function_execution_id → execution
	order     []string                      // execution ids, oldest first
}

func (n *nativeState) init() {
	n.hidden = map[string]bool{}
	n.functions = map[string]*FunctionExecution{}
}

// HideChannel makes channel one the bot cannot read (a private channel it is not in, a DM between
// two people): chat.getPermalink answers channel_not_found for it, as Slack does.
func (s *Server) HideChannel(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.native.hidden[channel] = true
}

// Permalink returns the permalink chat.getPermalink gives for a message.
func (s *Server) Permalink(channel, ts string) string {
	return "https://" + s.cfg.teamDomain + ".slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
}

// chatGetPermalink answers chat.getPermalink: channel_not_found for a channel the bot cannot read,
// invalid_arguments without a channel or message_ts.
func (s *Server) chatGetPermalink(r *apiRequest) reply {
	ch, ts := r.str("channel"), r.str("message_ts")
	if ch == "" || ts == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	hidden := s.native.hidden[ch]
	s.mu.Unlock()
	if hidden {
		return fail("channel_not_found")
	}
	if _, ok := tsMicros(ts); !ok {
		return fail("message_not_found")
	}
	return ok(map[string]any{"channel": ch, "permalink": s.Permalink(ch, ts)})
}

// MessageShortcut describes a message shortcut (a message_action payload): a person chose the
// app's entry in a message's menu. Empty fields get defaults: callback_id "followup_message",
// channel C0GENERAL1 "general", the server's team and app, a fresh trigger_id and response_url, a
// message ts from the server clock.
type MessageShortcut struct {
	UserID, UserName string
	// TeamID overrides the server's. Shortcut payloads carry no api_app_id (shared/slack README);
	// APIAppID, when set, adds one.
	TeamID, APIAppID string
	CallbackID       string
	ChannelID        string
	ChannelName      string
	// The message the shortcut was used on: its author (a user id), text and ts; BotID and
	// SubType make it a bot's message ("bot_message").
	Author, Text, Ts string
	BotID, SubType   string
	// Message, when set, replaces the whole message object.
	Message                map[string]any
	TriggerID, ResponseURL string
}

// SendMessageShortcut sends an interactive message_action envelope and waits for its ack.
func (s *Server) SendMessageShortcut(ctx context.Context, m MessageShortcut, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	trigger, respURL := or(m.TriggerID, s.newTriggerIDLocked()), or(m.ResponseURL, s.newResponseURLLocked())
	ts := or(m.Ts, s.nextTsLocked(s.now()))
	s.mu.Unlock()
	team := or(m.TeamID, s.cfg.teamID)
	msg := m.Message
	if msg == nil {
		msg = map[string]any{"type": "message", "text": m.Text, "ts": ts}
		if m.Author != "" {
			msg["user"] = m.Author
		}
		if m.BotID != "" {
			msg["bot_id"] = m.BotID
		}
		if m.SubType != "" {
			msg["subtype"] = m.SubType
		}
	}
	p := map[string]any{
		"type": "message_action", "token": "verification-token-unused", "action_ts": ts,
		"team": map[string]any{"id": team, "domain": s.cfg.teamDomain},
		"user": userObj(m.UserID, m.UserName, team), "callback_id": or(m.CallbackID, "followup_message"),
		"trigger_id": trigger, "message_ts": ts, "message": msg, "response_url": respURL,
		"channel": map[string]any{"id": or(m.ChannelID, "C0GENERAL1"), "name": or(m.ChannelName, "general")},
	}
	if m.APIAppID != "" {
		p["api_app_id"] = m.APIAppID
	}
	return s.SendEnvelope(ctx, TypeInteractive, p, opts...)
}

// GlobalShortcut describes a global shortcut (a shortcut payload): the app's entry in Slack's
// shortcut menu or search. It has no channel and no response_url.
type GlobalShortcut struct {
	UserID, UserName string
	TeamID, APIAppID string // APIAppID, when set, adds an api_app_id (Slack sends none)
	CallbackID       string // "followup_new" by default
	TriggerID        string
}

// SendGlobalShortcut sends an interactive shortcut envelope and waits for its ack.
func (s *Server) SendGlobalShortcut(ctx context.Context, g GlobalShortcut, opts ...EnvelopeOption) (Ack, error) {
	s.mu.Lock()
	trigger := or(g.TriggerID, s.newTriggerIDLocked())
	ts := s.nextTsLocked(s.now())
	s.mu.Unlock()
	team := or(g.TeamID, s.cfg.teamID)
	p := map[string]any{
		"type": "shortcut", "token": "verification-token-unused", "action_ts": ts,
		"team": map[string]any{"id": team, "domain": s.cfg.teamDomain},
		"user": userObj(g.UserID, g.UserName, team), "callback_id": or(g.CallbackID, "followup_new"),
		"trigger_id": trigger,
	}
	if g.APIAppID != "" {
		p["api_app_id"] = g.APIAppID
	}
	return s.SendEnvelope(ctx, TypeInteractive, p, opts...)
}

// FunctionExecution is one run of a Workflow Builder custom step (a function) the server started
// with SendFunctionExecuted, and how the app completed it.
type FunctionExecution struct {
	ID         string         // function_execution_id
	CallbackID string         // the function's callback_id
	Inputs     map[string]any // the inputs as sent
	// RequiredOutputs are the output names functions.completeSuccess must give, as the manifest
	// declares them; a completion without one fails with parameter_validation_failed.
	RequiredOutputs []string
	// State is "running" until the app completes it, then "completed" or "failed".
	State   string
	Outputs map[string]any // of a completed run
	Error   string         // of a failed run
	// Completions counts accepted functions.complete* calls (at most 1); Token is the token the
	// accepted one came with (the execution's xwfp-… token, or the bot token).
	Completions int
	Token       string
}

// FunctionRun describes a function_executed event. ExecutionID is generated when empty ("Fx…"),
// CallbackID defaults to "enroll_followup", EventID to "Ev" + the execution id.
type FunctionRun struct {
	ExecutionID, CallbackID, EventID string
	Inputs                           map[string]any
	RequiredOutputs                  []string
}

// SendFunctionExecuted registers a running function execution and sends its function_executed
// event (an events_api envelope), waits for the ack and returns the execution id.
func (s *Server) SendFunctionExecuted(ctx context.Context, f FunctionRun, opts ...EnvelopeOption) (string, Ack, error) {
	s.mu.Lock()
	id := or(f.ExecutionID, fmt.Sprintf("Fx%08d", s.nextIDLocked()))
	ts := s.nextTsLocked(s.now())
	if _, dup := s.native.functions[id]; !dup {
		s.native.functions[id] = &FunctionExecution{ID: id, CallbackID: or(f.CallbackID, "enroll_followup"),
			Inputs: maps.Clone(f.Inputs), RequiredOutputs: f.RequiredOutputs, State: "running"}
		s.native.order = append(s.native.order, id)
	}
	s.mu.Unlock()
	var params []any
	for name := range f.Inputs {
		params = append(params, map[string]any{"type": "string", "name": name, "title": name, "is_required": false})
	}
	ev := map[string]any{
		"type": "function_executed",
		"function": map[string]any{
			"id": "Fn0ENROLL01", "callback_id": or(f.CallbackID, "enroll_followup"), "title": "Enroll in a follow-up cadence",
			"type": "app", "app_id": s.cfg.appID, "input_parameters": params, "date_created": 1735725600,
		},
		"inputs": f.Inputs, "function_execution_id": id, "workflow_execution_id": "Wx" + id,
		"event_ts": ts, "bot_access_token": ExecutionToken(id),
	}
	ack, err := s.SendEvent(ctx, or(f.EventID, "Ev"+id), ev, opts...)
	return id, ack, err
}

// Function returns a function execution by id.
func (s *Server) Function(id string) (FunctionExecution, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.native.functions[id]
	if !ok {
		return FunctionExecution{}, false
	}
	return *f, true
}

// WaitFunction blocks until the execution id is completed or failed, and returns it.
func (s *Server) WaitFunction(ctx context.Context, id string) (FunctionExecution, error) {
	var out FunctionExecution
	err := s.waitFor(ctx, func() bool {
		f, ok := s.native.functions[id]
		if ok && f.State != "running" {
			out = *f
			return true
		}
		return false
	})
	return out, err
}

// ExecutionToken is the bot_access_token the server gives a function execution.
func ExecutionToken(executionID string) string { return "xwfp-fake-" + executionID }

// runningLocked finds a running execution or returns Slack's error for it. token must be the
// execution's own token or the bot token (checkToken let both through).
func (s *Server) runningLocked(id, token string) (*FunctionExecution, reply) {
	f, ok := s.native.functions[id]
	switch {
	case id == "":
		return nil, fail("invalid_arguments")
	case !ok:
		return nil, fail("function_execution_not_found")
	case token != s.cfg.botToken && token != ExecutionToken(id):
		return nil, fail("invalid_auth")
	case f.State != "running":
		return nil, fail("execution_not_in_running_state")
	}
	return f, reply{}
}

// functionToken accepts, for functions.*, the bot token or any execution token; runningLocked
// then checks that an execution token is the execution's own.
func (s *Server) functionToken(token string) reply {
	if strings.HasPrefix(token, "xwfp-fake-") {
		return reply{}
	}
	return s.checkToken(token, botToken)
}

// functionsCompleteSuccess answers functions.completeSuccess: the outputs must be an object with
// every required output.
func (s *Server) functionsCompleteSuccess(r *apiRequest) reply {
	id := r.str("function_execution_id")
	var outputs map[string]any
	raw := r.json["outputs"]
	if raw == nil && r.form.Get("outputs") != "" {
		raw = json.RawMessage(r.form.Get("outputs"))
	}
	if raw == nil || json.Unmarshal(raw, &outputs) != nil || outputs == nil {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, rep := s.runningLocked(id, r.call.Token)
	if f == nil {
		return rep
	}
	for _, name := range f.RequiredOutputs {
		if v, ok := outputs[name]; !ok || v == "" {
			return failWith("parameter_validation_failed", []string{"missing required output " + name})
		}
	}
	f.State, f.Outputs, f.Token = "completed", outputs, r.call.Token
	f.Completions++
	s.notifyLocked()
	return ok(nil)
}

// functionsCompleteError answers functions.completeError: the error message is required.
func (s *Server) functionsCompleteError(r *apiRequest) reply {
	id, msg := r.str("function_execution_id"), r.str("error")
	if msg == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, rep := s.runningLocked(id, r.call.Token)
	if f == nil {
		return rep
	}
	f.State, f.Error, f.Token = "failed", msg, r.call.Token
	f.Completions++
	s.notifyLocked()
	return ok(nil)
}
