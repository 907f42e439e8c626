// Package openaitest is a fake OpenAI-compatible chat-completions server for tests. Each request
// to POST /v1/chat/completions (or /chat/completions, for a base URL without the version prefix)
// takes the next scripted Reply; every request is recorded so a test can assert how many were
// made and what they carried.
package openaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// Reply is one scripted answer. Build it with Draft, Content, Status, Error, ErrorBody, Hang,
// Malformed or NoChoices.
type Reply struct {
	status     int             // HTTP status; 0 means 200
	retryAfter int             // seconds, sent as Retry-After when > 0
	content    string          // the assistant message content
	raw        string          // when set, the response body as it is (not JSON-encoded)
	hang       bool            // block until the client gives up
	noChoices  bool            // a 200 with an empty choice list
	message    string          // the error message of a non-200 reply; "" means the status text
	arrived    chan<- struct{} // told when the request arrived (Held)
	release    <-chan struct{} // the answer waits until this is closed (Held)
}

// Held answers with r once release is closed, after telling arrived that the request came: a
// slow model, with the test deciding when it answers. It gives up when the client does.
func Held(arrived chan<- struct{}, release <-chan struct{}, r Reply) Reply {
	r.arrived, r.release = arrived, release
	return r
}

// Draft answers with a well-formed completion whose content is the JSON object {subject, body}.
func Draft(subject, body string) Reply {
	b, _ := json.Marshal(map[string]string{"subject": subject, "body": body})
	return Reply{content: string(b)}
}

// Content answers with a well-formed completion whose content is s as it is.
func Content(s string) Reply { return Reply{content: s} }

// Status answers with an OpenAI-style error and the given HTTP status; retryAfter > 0 adds a
// Retry-After header (seconds).
func Status(code, retryAfter int) Reply { return Reply{status: code, retryAfter: retryAfter} }

// Error answers with an OpenAI-style error object carrying message and the given HTTP status, as
// a server does that rejects a parameter: Error(400, "response_format is not supported").
func Error(code int, message string) Reply { return Reply{status: code, message: message} }

// ErrorBody answers with the given HTTP status and body as it is, for servers whose error bodies
// are not OpenAI-shaped: ErrorBody(400, `{"error": "'response_format.type' must be 'json_schema'"}`).
func ErrorBody(code int, body string) Reply { return Reply{status: code, raw: body} }

// Hang never answers: the handler returns only when the client's request context ends, so a
// client with a short timeout sees a timeout and the test needs no sleep.
func Hang() Reply { return Reply{hang: true} }

// Malformed answers 200 with a body that is not valid JSON.
func Malformed() Reply { return Reply{raw: `{"id": "chatcmpl-1", "choices": [ {"message": `} }

// NoChoices answers 200 with a well-formed completion that has no choices.
func NoChoices() Reply { return Reply{noChoices: true} }

// Request is one recorded request.
type Request struct {
	Path string
	Auth string // the Authorization header
	Body []byte
	Chat openai.ChatCompletionRequest // Body decoded
}

// Server is the fake. Its URL (with /v1) is the base URL to configure a client with.
type Server struct {
	*httptest.Server
	tb testing.TB

	mu       sync.Mutex
	script   []Reply
	requests []Request
}

// Model is the model name the fake reports in its answers.
const Model = "fake-model"

// Usage is the token usage the fake reports with every completion.
var Usage = openai.Usage{PromptTokens: 400, CompletionTokens: 60, TotalTokens: 460}

// New starts a fake that answers with replies in order; it is closed when the test ends. A request
// beyond the script fails the test and gets a 500.
func New(tb testing.TB, replies ...Reply) *Server {
	tb.Helper()
	s := &Server{tb: tb, script: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	tb.Cleanup(s.Close)
	return s
}

// BaseURL is the base URL with the /v1 prefix, as OPENAI_BASE_URL would hold it.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Enqueue appends replies to the script.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || (r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/chat/completions") {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Body: body}
	if err := json.Unmarshal(body, &req.Chat); err != nil {
		s.tb.Errorf("openaitest: request body does not decode: %v", err)
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	n := len(s.requests)
	var reply Reply
	ok := n <= len(s.script)
	if ok {
		reply = s.script[n-1]
	}
	s.mu.Unlock()
	if !ok {
		s.tb.Errorf("openaitest: unscripted request #%d", n)
		writeError(w, http.StatusInternalServerError, "unscripted request")
		return
	}
	if reply.release != nil {
		if reply.arrived != nil {
			select {
			case reply.arrived <- struct{}{}:
			case <-r.Context().Done():
				return
			}
		}
		select {
		case <-reply.release:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case reply.hang:
		<-r.Context().Done()
	case reply.status != 0 && reply.status != http.StatusOK:
		if reply.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(reply.retryAfter))
		}
		switch {
		case reply.raw != "":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(reply.status)
			io.WriteString(w, reply.raw)
		case reply.message != "":
			writeError(w, reply.status, reply.message)
		default:
			writeError(w, reply.status, http.StatusText(reply.status))
		}
	case reply.raw != "":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply.raw)
	default:
		resp := openai.ChatCompletionResponse{ID: fmt.Sprintf("chatcmpl-%d", n), Object: "chat.completion",
			Model: Model, Usage: Usage, Choices: []openai.ChatCompletionChoice{}}
		if !reply.noChoices {
			resp.Choices = append(resp.Choices, openai.ChatCompletionChoice{
				Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply.content},
				FinishReason: openai.FinishReasonStop})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "fake_error", "code": status}})
}
