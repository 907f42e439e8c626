package main

import (
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/bot/mailbox"
	"github.com/followup-bot/followup/prompts/classify"
)

// mailConfig is where reps' mailboxes are read (issue 14): Gmail or Microsoft 365, or neither.
type mailConfig struct {
	GmailKey     []byte // the service account key file's JSON; nil when Gmail is not read
	GmailKeyFile string
	GmailAPIURL  string

	GraphTenant, GraphClientID, GraphSecret string
	GraphAPIURL, GraphLoginURL              string

	Poll time.Duration
}

// loadMail validates the mailbox settings, each problem naming its variable. One provider at most:
// a rep's mailbox is read by the one configured.
func (raw rawConfig) loadMail() (mailConfig, []error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	c := mailConfig{GmailKeyFile: raw["FOLLOWUP_GMAIL_CREDENTIALS"], GmailAPIURL: raw["FOLLOWUP_GMAIL_API_URL"],
		GraphTenant: raw["FOLLOWUP_GRAPH_TENANT"], GraphClientID: raw["FOLLOWUP_GRAPH_CLIENT_ID"],
		GraphSecret: raw["FOLLOWUP_GRAPH_CLIENT_SECRET"], GraphAPIURL: raw["FOLLOWUP_GRAPH_API_URL"],
		GraphLoginURL: raw["FOLLOWUP_GRAPH_LOGIN_URL"]}
	for _, u := range []struct{ name, v string }{{"FOLLOWUP_GMAIL_API_URL", c.GmailAPIURL},
		{"FOLLOWUP_GRAPH_API_URL", c.GraphAPIURL}, {"FOLLOWUP_GRAPH_LOGIN_URL", c.GraphLoginURL}} {
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad(u.name, "%q is not an http(s) URL", u.v)
		}
	}
	if d, err := time.ParseDuration(raw["FOLLOWUP_MAIL_POLL"]); err != nil {
		bad("FOLLOWUP_MAIL_POLL", "%q is not a duration; use e.g. 2m or 30s", raw["FOLLOWUP_MAIL_POLL"])
	} else if d < bot.MinMailPoll || d > bot.MaxMailPoll {
		bad("FOLLOWUP_MAIL_POLL", "%s is out of range; use 1s to 1h", d)
	} else {
		c.Poll = d
	}
	if c.GmailKeyFile != "" {
		key, err := os.ReadFile(c.GmailKeyFile)
		switch {
		case err != nil:
			bad("FOLLOWUP_GMAIL_CREDENTIALS", "cannot read the key file: %v", err)
		default:
			if _, err := mailbox.NewGmail(key, "https://gmail.googleapis.com/", nil); err != nil {
				bad("FOLLOWUP_GMAIL_CREDENTIALS", "%s is not a service account key file (JSON with type service_account, client_email, private_key and token_uri); download one under IAM & Admin → Service Accounts → Keys", c.GmailKeyFile)
			} else {
				c.GmailKey = key
			}
		}
	}
	graph := 0
	for _, v := range []string{c.GraphTenant, c.GraphClientID, c.GraphSecret} {
		if v != "" {
			graph++
		}
	}
	switch {
	case graph > 0 && graph < 3:
		bad("FOLLOWUP_GRAPH_TENANT", "FOLLOWUP_GRAPH_TENANT, FOLLOWUP_GRAPH_CLIENT_ID and FOLLOWUP_GRAPH_CLIENT_SECRET go together; set all three or none")
	case graph == 3 && c.GmailKeyFile != "":
		bad("FOLLOWUP_GMAIL_CREDENTIALS", "set either Gmail (FOLLOWUP_GMAIL_CREDENTIALS) or Microsoft 365 (FOLLOWUP_GRAPH_*), not both")
	}
	return c, errs
}

// newMailReader returns the configured mailbox reader; a nil Reader (and no error) means none is
// configured, and the bot reads no mailbox.
func newMailReader(c mailConfig) (mailbox.Reader, error) {
	switch {
	case c.GmailKey != nil:
		return mailbox.NewGmail(c.GmailKey, c.GmailAPIURL, nil)
	case c.GraphTenant != "":
		g, err := mailbox.NewGraph(mailbox.GraphConfig{Tenant: c.GraphTenant, ClientID: c.GraphClientID,
			ClientSecret: c.GraphSecret, APIURL: c.GraphAPIURL, LoginURL: c.GraphLoginURL})
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	return nil, nil
}

// newClassifier returns the model classifier of replies when an OpenAI-compatible server is
// configured (the bot falls back to the rules when it fails), and nil for the rules alone.
func newClassifier(c Config) classify.Classifier {
	if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
		return nil
	}
	return classify.NewLLM(classify.LLMConfig{APIKey: c.OpenAIKey, BaseURL: c.OpenAIBaseURL, Model: c.OpenAIModel, Timeout: 30 * time.Second})
}
