package slacktest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// reply is what a Web API method handler answers.
type reply struct {
	status int
	header map[string]string
	body   map[string]any
}

// ok answers HTTP 200 with ok:true plus fields.
func ok(fields map[string]any) reply {
	body := map[string]any{"ok": true}
	for k, v := range fields {
		body[k] = v
	}
	return reply{status: http.StatusOK, body: body}
}

// fail answers HTTP 200 with ok:false and a Slack error code.
func fail(code string) reply {
	return reply{status: http.StatusOK, body: map[string]any{"ok": false, "error": code}}
}

// failWith answers ok:false with validation messages, like Slack's invalid_blocks.
func failWith(code string, msgs []string) reply {
	r := fail(code)
	r.body["errors"] = msgs
	meta := make([]string, len(msgs))
	for i, m := range msgs {
		meta[i] = "[ERROR] " + m
	}
	r.body["response_metadata"] = map[string]any{"messages": meta}
	return r
}

// apiRequest is a parsed Web API request.
type apiRequest struct {
	call *Call
	form url.Values
	json map[string]json.RawMessage
}

// str returns a parameter from the form or a string field of the JSON body.
func (r *apiRequest) str(name string) string {
	if v := r.form.Get(name); v != "" {
		return v
	}
	var v string
	_ = json.Unmarshal(r.json[name], &v)
	return v
}

type tokenKind int

const (
	botToken tokenKind = iota
	appToken
	functionToken // the bot token or a function execution's xwfp-… token
)

type method struct {
	token  tokenKind
	handle func(*Server, *apiRequest) reply
}

// methods lists the Web API methods the fake implements.
var methods = map[string]method{
	"auth.test":                    {botToken, (*Server).authTest},
	"bots.info":                    {botToken, (*Server).botsInfo},
	"apps.connections.open":        {appToken, (*Server).connectionsOpen},
	"chat.postMessage":             {botToken, (*Server).chatPostMessage},
	"chat.update":                  {botToken, (*Server).chatUpdate},
	"chat.postEphemeral":           {botToken, (*Server).chatPostEphemeral},
	"chat.delete":                  {botToken, (*Server).chatDelete},
	"conversations.open":           {botToken, (*Server).conversationsOpen},
	"conversations.history":        {botToken, (*Server).conversationsHistory},
	"users.info":                   {botToken, (*Server).usersInfo},
	"views.open":                   {botToken, (*Server).viewsOpen},
	"views.update":                 {botToken, (*Server).viewsUpdate},
	"views.publish":                {botToken, (*Server).viewsPublish},
	"files.getUploadURLExternal":   {botToken, (*Server).filesGetUploadURL},
	"files.completeUploadExternal": {botToken, (*Server).filesComplete},
	"chat.getPermalink":            {botToken, (*Server).chatGetPermalink},
	"functions.completeSuccess":    {functionToken, (*Server).functionsCompleteSuccess},
	"functions.completeError":      {functionToken, (*Server).functionsCompleteError},
}

// serveAPI dispatches {api}/<method>: it records the call, applies injected
// faults, checks the token and runs the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	body, err := readBody(r)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	call := Call{Method: name, At: s.now()}
	req := &apiRequest{call: &call, form: url.Values{}}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "application/json":
		call.JSON = body
		if len(body) > 0 {
			_ = json.Unmarshal(body, &req.json)
		}
	default:
		if req.form, err = url.ParseQuery(string(body)); err != nil {
			req.form = url.Values{}
		}
		for k, v := range r.URL.Query() {
			req.form[k] = append(req.form[k], v...)
		}
		call.Form = req.form
	}
	call.Token = req.form.Get("token")
	if bearer, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found && call.Token == "" {
		call.Token = bearer
	}

	done, lost := s.applyFault(w, r, &call)
	if done {
		return
	}
	m, found := methods[name]
	var rep reply
	switch {
	case !found:
		rep = fail("unknown_method")
		rep.status = http.StatusNotFound
	default:
		if m.token == functionToken {
			rep = s.functionToken(call.Token)
		} else {
			rep = s.checkToken(call.Token, m.token)
		}
		if rep.status == 0 {
			rep = m.handle(s, req)
		}
	}
	if lost != nil {
		call.Status = rep.status
		s.loseAnswer(w, &call, lost)
		return
	}
	s.finish(w, &call, rep)
}

// checkToken returns a zero reply when token is right for the method.
func (s *Server) checkToken(token string, kind tokenKind) reply {
	want, other := s.cfg.botToken, s.cfg.appToken
	if kind == appToken {
		want, other = other, want
	}
	switch token {
	case want:
		return reply{}
	case "":
		return fail("not_authed")
	case other:
		return fail("not_allowed_token_type")
	default:
		return fail("invalid_auth")
	}
}

// finish records the call with its outcome and writes the reply.
func (s *Server) finish(w http.ResponseWriter, call *Call, rep reply) {
	call.Status = rep.status
	if okv, _ := rep.body["ok"].(bool); !okv {
		call.Error, _ = rep.body["error"].(string)
	}
	s.recordCall(*call)
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	writeJSON(w, rep.status, rep.body)
}

// readBody reads a request body of reasonable size.
func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 16<<20))
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authTest answers auth.test with the bot's identity.
func (s *Server) authTest(*apiRequest) reply {
	return ok(map[string]any{
		"url": "https://" + s.cfg.teamDomain + ".slack.com/", "team": s.cfg.teamName,
		"user": s.cfg.botName, "team_id": s.cfg.teamID, "user_id": s.cfg.botUserID,
		"bot_id": s.cfg.botID, "is_enterprise_install": false,
	})
}

// botsInfo answers bots.info for the bot itself (it is how a bot learns its app id).
func (s *Server) botsInfo(r *apiRequest) reply {
	if r.form.Get("bot") != s.cfg.botID {
		return fail("bot_not_found")
	}
	return ok(map[string]any{"bot": map[string]any{
		"id": s.cfg.botID, "deleted": false, "name": s.cfg.botName, "app_id": s.cfg.appID,
		"user_id": s.cfg.botUserID, "updated": 1735725600,
	}})
}

// connectionsOpen answers apps.connections.open with a websocket URL on this server.
func (s *Server) connectionsOpen(*apiRequest) reply {
	s.mu.Lock()
	n := s.nextIDLocked()
	s.mu.Unlock()
	u := "ws" + strings.TrimPrefix(s.http.URL, "http") + "/link/?ticket=" + fakeUUID(n) + "&app_id=" + s.cfg.appID
	return ok(map[string]any{"url": u})
}
