package classify

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/template"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

//go:embed classify.tmpl
var tmplFS embed.FS

var systemTmpl = template.Must(template.ParseFS(tmplFS, "classify.tmpl"))

// LLMConfig configures the model classifier; cmd fills it from OPENAI_API_KEY, OPENAI_BASE_URL and
// OPENAI_MODEL, like the drafter.
type LLMConfig struct {
	APIKey, BaseURL, Model string
	Timeout                time.Duration // per request; zero means 30 s
	HTTPClient             *http.Client
}

// LLM classifies with a chat-completions model, inside the rules' guard rails: what the headers
// settle (a bounce, an automatic reply, a sender who is not the contact) is decided by the rules
// without asking the model, and a referral to an address the text does not contain is read as a
// plain reply. It makes one request per message and never retries; on any failure it returns the
// error, and the caller falls back to the rules.
type LLM struct {
	client  *openai.Client
	model   string
	timeout time.Duration
}

// NewLLM returns a model classifier for the OpenAI-compatible server cfg describes.
func NewLLM(cfg LLMConfig) *LLM {
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	l := &LLM{model: cfg.Model, timeout: cfg.Timeout}
	if l.model == "" {
		l.model = "gpt-4o-mini"
	}
	if l.timeout <= 0 {
		l.timeout = 30 * time.Second
	}
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	} else {
		oc.HTTPClient = &http.Client{Timeout: l.timeout}
	}
	l.client = openai.NewClientWithConfig(oc)
	return l
}

// settled reports a result the rules decide alone: the sender is not the contact, a delivery
// notice, or an automatic reply by its headers.
func settled(r Result) bool {
	return r.Kind == KindNone || r.Kind == KindBounce || (r.Kind == KindOutOfOffice && strings.HasPrefix(r.Reason, "header"))
}

// maxPrompt bounds the message text sent to the model.
const maxPrompt = 4000

// Classify reads m with the model, after the rules have had their say on what headers settle.
func (l *LLM) Classify(ctx context.Context, m Message) (Result, error) {
	if rules := Rules(m); settled(rules) {
		return rules, nil
	}
	fresh := Unquote(strings.ToValidUTF8(m.Body, ""))
	if len(fresh) > maxPrompt {
		fresh = fresh[:maxPrompt]
	}
	var sys strings.Builder
	if err := systemTmpl.Execute(&sys, struct{ Today string }{m.Date.Format(time.DateOnly)}); err != nil {
		return Result{}, err
	}
	user := "Subject: " + m.Subject + "\n\n" + fresh
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := l.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: l.model, MaxTokens: 200, Temperature: 0,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: sys.String()},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
	})
	if err != nil {
		return Result{}, fmt.Errorf("classify with %s: %w", l.model, err)
	}
	if len(resp.Choices) == 0 {
		return Result{}, errors.New("classify: the model gave no answer")
	}
	return parseAnswer(resp.Choices[0].Message.Content, fresh, m.Date)
}

// parseAnswer reads the model's JSON (leniently: text or code fences around it) and checks it.
func parseAnswer(content, text string, anchor time.Time) (Result, error) {
	if i, j := strings.Index(content, "{"), strings.LastIndex(content, "}"); i >= 0 && j > i {
		content = content[i : j+1]
	}
	var a struct {
		Kind        string `json:"kind"`
		ReturnDate  string `json:"return_date"`
		Referral    string `json:"referral"`
		Meeting     bool   `json:"meeting"`
		MeetingTime string `json:"meeting_time"`
		Question    string `json:"question"`
		Reason      string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(content), &a); err != nil {
		return Result{}, fmt.Errorf("classify: the model's answer is not JSON: %w", err)
	}
	r := Result{Kind: Kind(a.Kind), Meeting: a.Meeting, MeetingText: a.MeetingTime, Question: a.Question,
		Reason: "the model: " + strings.TrimSpace(a.Reason)}
	switch r.Kind {
	case KindReply, KindOptOut:
	case KindOutOfOffice:
		if d, err := time.Parse(time.DateOnly, a.ReturnDate); err == nil {
			day0 := time.Date(anchor.Year(), anchor.Month(), anchor.Day(), 0, 0, 0, 0, time.UTC)
			if !d.Before(day0) && !d.After(day0.AddDate(1, 0, 0)) {
				r.ReturnDate = d // a date in the past or far away is dropped: the 14-day pause applies
			}
		}
	case KindReferral:
		addr := Address(a.Referral)
		if addr == "" || !strings.Contains(strings.ToLower(text), addr) {
			r.Kind, r.Reason = KindReply, r.Reason+" (the referral's address is not in the text)"
		} else {
			r.Referral = addr
		}
	default:
		return Result{}, fmt.Errorf("classify: the model answered kind %q", a.Kind)
	}
	return r, nil
}
