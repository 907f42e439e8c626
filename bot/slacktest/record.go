package slacktest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Call is one Web API request the server received.
type Call struct {
	// Method is the Web API method, such as "chat.postMessage".
	Method string
	// Form holds the form-encoded parameters (including token) of form requests.
	Form url.Values
	// JSON is the raw body of JSON requests (views.*, apps.connections.open).
	JSON json.RawMessage
	// Token is the token the request authenticated with (form field or Bearer).
	Token string
	// At is when the request arrived, by the server's clock.
	At time.Time
	// Status is the HTTP status code the server answered with.
	Status int
	// Error is the Slack error code of an ok:false answer, or "" on success.
	Error string
}

// Param returns a form parameter of the call, or a top-level string field of its
// JSON body, so tests need not care how slack-go encoded the request.
func (c Call) Param(name string) string {
	if v := c.Form.Get(name); v != "" {
		return v
	}
	if len(c.JSON) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(c.JSON, &m) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(m[name], &v) != nil {
		return string(m[name])
	}
	return v
}

// DecodeJSON unmarshals the call's JSON body into v.
func (c Call) DecodeJSON(v any) error { return json.Unmarshal(c.JSON, v) }

// state is everything the server remembers; guarded by Server.mu.
type state struct {
	calls      []Call
	messages   map[string][]*Message
	ephemerals map[string][]Message
	lastTs     time.Time
	users      map[string]User
	views      map[string]*View
	homeViews  map[string]string // user ID → view ID
	triggers   map[string]time.Time
	files      []*File
	responses  []ResponsePost
	envelopes  []Envelope
	acks       []Ack
	envAt      map[string]int           // envelope ID → its index in envelopes
	ackAt      map[string]int           // envelope ID → the index of its first ack in acks
	ackWait    map[string]chan struct{} // envelope ID → closed when its first ack arrives
	urlPosts   map[string]int           // response_url → posts to it (acks not counted)
	faults     map[string][]Fault
	held       map[string]int         // method → requests held by a Delay fault
	posts      map[string][]time.Time // channel → accepted chat.postMessage times
	conns      []*wsConn
	connects   int
	native     nativeState // shortcuts, permalinks and workflow functions (native.go)
}

func (st *state) init() {
	st.messages = map[string][]*Message{}
	st.ephemerals = map[string][]Message{}
	st.users = map[string]User{}
	st.views = map[string]*View{}
	st.homeViews = map[string]string{}
	st.triggers = map[string]time.Time{}
	st.faults = map[string][]Fault{}
	st.held = map[string]int{}
	st.posts = map[string][]time.Time{}
	st.envAt = map[string]int{}
	st.ackAt = map[string]int{}
	st.ackWait = map[string]chan struct{}{}
	st.urlPosts = map[string]int{}
	st.native.init()
}

// recordCall appends c and wakes waiters.
func (s *Server) recordCall(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

// Calls returns every Web API call so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls to one Web API method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall blocks until some call recorded so far, or arriving later, satisfies
// match, and returns the first such call. It returns ctx.Err() when ctx is done
// and ErrClosed when the server closes.
func (s *Server) WaitCall(ctx context.Context, match func(Call) bool) (Call, error) {
	var found Call
	err := s.waitFor(ctx, func() bool {
		for _, c := range s.calls {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitCalls blocks until at least n calls to method have been recorded and
// returns them all, oldest first.
func (s *Server) WaitCalls(ctx context.Context, method string, n int) ([]Call, error) {
	var out []Call
	err := s.waitFor(ctx, func() bool {
		out = out[:0]
		for _, c := range s.calls {
			if c.Method == method {
				out = append(out, c)
			}
		}
		return len(out) >= n
	})
	return slices.Clone(out), err
}

// ResponsePost is one POST to a response_url the server handed out.
type ResponsePost struct {
	// URL is the full response_url that was posted to.
	URL string
	// Body is the raw JSON body.
	Body json.RawMessage
	// At is when the post arrived, by the server's clock.
	At time.Time
	// InAck is set when this is no post but the message a slash command's ack carried, which
	// Slack shows as the command's reply (At is then when the ack arrived).
	InAck bool
}

// Decode unmarshals the post's body into v.
func (p ResponsePost) Decode(v any) error { return json.Unmarshal(p.Body, v) }

// ResponsePosts returns every response_url post so far, oldest first.
func (s *Server) ResponsePosts() []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.responses)
}

// WaitResponsePosts blocks until at least n response_url posts have arrived and
// returns them all.
func (s *Server) WaitResponsePosts(ctx context.Context, n int) ([]ResponsePost, error) {
	var out []ResponsePost
	err := s.waitFor(ctx, func() bool {
		out = slices.Clone(s.responses)
		return len(out) >= n
	})
	return out, err
}

// WaitResponsePostsAfter blocks until more than n response_url posts have arrived and returns
// those after the first n, so that a caller following the posts as they come copies each once.
func (s *Server) WaitResponsePostsAfter(ctx context.Context, n int) ([]ResponsePost, error) {
	var out []ResponsePost
	err := s.waitFor(ctx, func() bool {
		if len(s.responses) <= n {
			return false
		}
		out = slices.Clone(s.responses[n:])
		return true
	})
	return out, err
}

// NewResponseURL returns a fresh response_url pointing at this server, for
// payloads built by hand and sent with SendEnvelope.
func (s *Server) NewResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newResponseURLLocked()
}

func (s *Server) newResponseURLLocked() string {
	return s.http.URL + "/response/" + s.cfg.teamID + "/" + strconv.Itoa(s.nextIDLocked())
}

// maxResponsePosts is how many times Slack lets an app use one response_url.
const maxResponsePosts = 5

// serveResponseURL records a JSON POST to a response_url and answers
// {"ok":true}; a sixth post to the same URL gets HTTP 404 used_url, which
// slack-go reports as slack.StatusCodeError.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	call := Call{Method: "response_url", JSON: body, At: s.now()}
	if done, _ := s.applyFault(w, r, &call); done {
		return
	}
	u := s.http.URL + r.URL.Path
	s.mu.Lock()
	used := s.urlPosts[u]
	if used < maxResponsePosts {
		s.urlPosts[u]++
		s.responses = append(s.responses, ResponsePost{URL: u, Body: body, At: call.At})
		s.notifyLocked()
	}
	s.mu.Unlock()
	if used >= maxResponsePosts {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "used_url"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
