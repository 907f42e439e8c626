package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/followup-bot/followup/cadence"
	openai "github.com/sashabaranov/go-openai"
)

// DefaultModel is the model asked for when OpenAIConfig.Model is empty.
const DefaultModel = "gpt-4o-mini"

// DefaultTimeout bounds one model request when OpenAIConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// OpenAIConfig configures the OpenAI-compatible drafter; cmd fills it from OPENAI_API_KEY,
// OPENAI_BASE_URL and OPENAI_MODEL.
type OpenAIConfig struct {
	// APIKey is sent as a bearer token. It may be empty when BaseURL points at a server that needs
	// no key (Ollama, vLLM, a LiteLLM proxy).
	APIKey string
	// BaseURL is the API root including any version prefix, e.g. "http://localhost:11434/v1";
	// empty means api.openai.com.
	BaseURL string
	// Model is the model name; empty means DefaultModel.
	Model string
	// Timeout bounds each request, connection to last byte; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient, when set, is used as it is (Timeout still bounds each request through its
	// context); nil means a client with Timeout.
	HTTPClient *http.Client
	// Logger receives one line per failed request (never the prompt or the draft); nil discards.
	Logger *slog.Logger
}

// OpenAIDrafter drafts with a chat-completions model. It makes exactly one request per call: it
// never retries on its own (go-openai does not retry either), so a rate limit, a server error or
// a timeout is returned at once and the caller decides; Checked falls back to the offline draft.
// It asks for a JSON object {"subject","body"}, in the prompt and with response_format
// json_object, and parses the answer leniently (code fences, text around the object, a phone
// script given as opener/point/ask/voicemail fields, or plain text that opens with "Subject:" or
// "Opener:").
//
// The one exception to one request per call: some OpenAI-compatible servers (older vLLM and
// Ollama builds, LM Studio) reject response_format json_object with a 400 or 422 that names it.
// The drafter then asks again at once without it, and leaves it out of every later request, so
// such a server costs one extra request once per process, not every draft to the offline drafter.
type OpenAIDrafter struct {
	client  *openai.Client
	model   string
	timeout time.Duration
	log     *slog.Logger
	noJSON  atomic.Bool // the server rejected response_format json_object; ask in the prompt only
}

var _ Drafter = (*OpenAIDrafter)(nil)

// NewOpenAI returns a drafter for the OpenAI-compatible server that cfg describes.
func NewOpenAI(cfg OpenAIConfig) *OpenAIDrafter {
	d := &OpenAIDrafter{model: cfg.Model, timeout: cfg.Timeout, log: cfg.Logger}
	if d.model == "" {
		d.model = DefaultModel
	}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	} else {
		oc.HTTPClient = &http.Client{Timeout: d.timeout}
	}
	d.client = openai.NewClientWithConfig(oc)
	return d
}

// Model returns the model name the drafter asks for.
func (o *OpenAIDrafter) Model() string { return o.model }

// Draft asks the model for the draft of r, once. When r.Revise is set the rejected draft and the
// reason are added to the conversation so the model can fix it. It returns EOPTEDOUT or EINVALID
// (see Render) without a request, and an error wrapping the cause when the request fails or the
// answer is unusable; the Draft it returns then is zero but for the token usage, if any was
// reported.
func (o *OpenAIDrafter) Draft(ctx context.Context, r Request) (Draft, error) {
	system, user, err := Render(r)
	if err != nil {
		return Draft{}, err
	}
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: system},
		{Role: openai.ChatMessageRoleUser, Content: user},
	}
	if rv := r.Revise; rv != nil {
		prev, _ := json.Marshal(map[string]string{"subject": rv.Rejected.Subject, "body": rv.Rejected.Body})
		msgs = append(msgs,
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: string(prev)},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: RevisePrompt(rv.Reason)})
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	start := time.Now()
	req := openai.ChatCompletionRequest{
		Model:       o.model,
		Messages:    msgs,
		MaxTokens:   600,
		Temperature: temperature(r.Angle),
	}
	if !o.noJSON.Load() {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	resp, err := o.client.CreateChatCompletion(ctx, req)
	if err != nil && req.ResponseFormat != nil && rejectsResponseFormat(err) {
		o.noJSON.Store(true)
		o.log.Warn("the llm server rejects response_format json_object; asking for JSON in the prompt only from now on",
			"model", o.model, "err", err)
		req.ResponseFormat = nil
		resp, err = o.client.CreateChatCompletion(ctx, req)
	}
	if err != nil {
		f := &Failure{Kind: classify(err), Err: err}
		o.log.Warn("llm draft request failed", "model", o.model, "kind", f.Kind, "elapsed", time.Since(start), "err", err)
		return Draft{}, f
	}
	d := Draft{Source: SourceLLM, Model: orDefault(resp.Model, o.model),
		PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens}
	if len(resp.Choices) == 0 {
		return o.unusable(d, FailEmpty, errors.New("the answer has no choices"))
	}
	d.Subject, d.Body, err = parseAnswer(resp.Choices[0].Message.Content)
	if err != nil {
		return o.unusable(d, FailMalformed, err)
	}
	if d.Body == "" {
		return o.unusable(d, FailEmpty, errors.New("the answer has an empty body"))
	}
	if r.Step.Channel != cadence.ChannelEmail {
		d.Subject = ""
	}
	o.log.Debug("llm draft", "model", d.Model, "prompt_tokens", d.PromptTokens, "completion_tokens", d.CompletionTokens, "elapsed", time.Since(start))
	return d, nil
}

func (o *OpenAIDrafter) unusable(d Draft, kind string, err error) (Draft, error) {
	o.log.Warn("llm draft unusable", "model", d.Model, "kind", kind, "err", err)
	return Draft{PromptTokens: d.PromptTokens, CompletionTokens: d.CompletionTokens}, &Failure{Kind: kind, Err: err}
}

// RevisePrompt is the user message that follows a rejected draft in the one retry.
func RevisePrompt(reason string) string {
	return "That draft was rejected: " + reason + ". Write it again following every rule, and reply with only the JSON object."
}

// temperature is low for the normal draft and higher for "New draft", so that angles differ.
func temperature(angle int) float32 {
	if angle <= 0 {
		return 0.4
	}
	return 0.9
}

// The kinds of Failure.
const (
	FailTimeout     = "timeout"
	FailRateLimited = "rate limited"
	FailServer      = "server error"
	FailRequest     = "request failed"
	FailMalformed   = "malformed answer"
	FailEmpty       = "empty answer"
)

// Failure is why a model could not produce a usable draft. Kind is one of the Fail constants and
// fit for logs and Draft.Fallback; Err is the cause, which never contains the draft.
type Failure struct {
	Kind string
	Err  error
}

// Error implements the error interface.
func (f *Failure) Error() string { return "llm draft: " + f.Kind + ": " + f.Err.Error() }

// Unwrap returns the cause.
func (f *Failure) Unwrap() error { return f.Err }

// rejectsResponseFormat reports whether err is a server's refusal of the response_format
// parameter: a 400 or 422 whose error names it (or json_object).
func rejectsResponseFormat(err error) bool {
	text := strings.ToLower(err.Error())
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.Param != nil {
		text += " " + strings.ToLower(*apiErr.Param)
	}
	if status := httpStatus(err); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		return false
	}
	return strings.Contains(text, "response_format") || strings.Contains(text, "response format") ||
		strings.Contains(text, "json_object")
}

func classify(err error) string {
	var netErr net.Error
	var synErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	// The status first: an error answer whose body go-openai cannot decode wraps a JSON error, and
	// is still a rate limit, a server error or a refused request, not a malformed answer.
	switch status := httpStatus(err); {
	case status == http.StatusTooManyRequests:
		return FailRateLimited
	case status >= 500:
		return FailServer
	case status >= 400:
		return FailRequest
	case errors.As(err, &synErr), errors.As(err, &typeErr), errors.Is(err, io.ErrUnexpectedEOF):
		return FailMalformed
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return FailTimeout
	}
	return FailRequest
}

// httpStatus is the HTTP status of a failed request, or 0 when there was no answer. A
// RequestError (an error body go-openai could not fully decode) may wrap an empty APIError, so
// it is asked first.
func httpStatus(err error) int {
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	return 0
}

// parseAnswer finds the JSON object in a model's answer and returns its subject and body. It
// accepts code fences and text around the object, "message" or "text" for "body", and a phone
// script given as "opener", "point", "ask" and "voicemail" fields. An answer with no JSON object
// is taken as plain text only when it opens the way a draft does, with "Subject:" (the rest is
// the body) or "Opener:" (a call script); chatter such as "Sure! Here is a draft:" is refused,
// since no check could tell it from the message.
func parseAnswer(content string) (subject, body string, err error) {
	i, j := strings.IndexByte(content, '{'), strings.LastIndexByte(content, '}')
	if i < 0 || j < i {
		if subject, body, ok := parsePlain(content); ok {
			return subject, body, nil
		}
		return "", "", errors.New("the answer holds no JSON object")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(content[i:j+1]), &m); err != nil {
		return "", "", fmt.Errorf("the answer's JSON does not parse: %w", err)
	}
	get := func(keys ...string) string {
		for k, v := range m {
			for _, want := range keys {
				if s, ok := v.(string); ok && strings.EqualFold(k, want) {
					return strings.TrimSpace(s)
				}
			}
		}
		return ""
	}
	subject, body = get("subject"), get("body", "message", "text")
	if body == "" {
		var parts []string
		for _, k := range []string{"Opener", "Point", "Ask", "Voicemail"} {
			if s := get(k); s != "" {
				parts = append(parts, k+": "+s)
			}
		}
		body = strings.Join(parts, "\n")
	}
	return subject, body, nil
}

// parsePlain reads a plain-text answer that opens with "Subject:" or "Opener:", inside a code
// fence or not.
func parsePlain(content string) (subject, body string, ok bool) {
	s := strings.TrimSpace(content)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s[strings.IndexByte(s+"\n", '\n'):], "\n")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
	}
	first, rest, _ := strings.Cut(s, "\n")
	switch low := strings.ToLower(first); {
	case strings.HasPrefix(low, "subject:"):
		return strings.TrimSpace(first[len("subject:"):]), strings.TrimSpace(rest), true
	case strings.HasPrefix(low, "opener:"):
		return "", s, true
	}
	return "", "", false
}
