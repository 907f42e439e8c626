package mailbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/followup-bot/followup/prompts/classify"
)

// GraphScope is what the client credentials ask for: the application permissions an admin granted
// the app (followup needs Mail.Read, and no more).
const GraphScope = "https://graph.microsoft.com/.default"

// GraphConfig is how to reach Microsoft Graph.
type GraphConfig struct {
	Tenant       string // the directory (tenant) id or domain
	ClientID     string // the application (client) id
	ClientSecret string
	APIURL       string       // "https://graph.microsoft.com/v1.0/"
	LoginURL     string       // "https://login.microsoftonline.com/"
	HTTP         *http.Client // nil for a default with a 30 s timeout
}

// Graph reads Microsoft 365 mailboxes through Microsoft Graph with the application's client
// credentials, with delta queries on each mailbox's inbox.
type Graph struct {
	api    *url.URL
	client *http.Client
}

// NewGraph returns a Graph reader. It fails on a missing tenant, client id or secret, or a base
// URL that is not absolute.
func NewGraph(cfg GraphConfig) (*Graph, error) {
	if cfg.Tenant == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("FOLLOWUP_GRAPH_TENANT, FOLLOWUP_GRAPH_CLIENT_ID and FOLLOWUP_GRAPH_CLIENT_SECRET are needed together")
	}
	api, err := url.Parse(cfg.APIURL)
	if err != nil || api.Scheme == "" || api.Host == "" {
		return nil, fmt.Errorf("FOLLOWUP_GRAPH_API_URL %q is not an absolute URL", cfg.APIURL)
	}
	if !strings.HasSuffix(api.Path, "/") {
		api.Path += "/"
	}
	login := strings.TrimSuffix(cfg.LoginURL, "/") + "/"
	base := cfg.HTTP
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		TokenURL: login + url.PathEscape(cfg.Tenant) + "/oauth2/v2.0/token", Scopes: []string{GraphScope},
		AuthStyle: oauth2.AuthStyleInParams}
	ts := oauth2.ReuseTokenSource(nil, cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, base)))
	return &Graph{api: api, client: &http.Client{Timeout: base.Timeout, Transport: &oauth2.Transport{Source: ts, Base: base.Transport}}}, nil
}

// Name returns "graph".
func (g *Graph) Name() string { return "graph" }

type graphMessage struct {
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Received string `json:"receivedDateTime"`
	From     *struct {
		EmailAddress struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		} `json:"emailAddress"`
	} `json:"from"`
	Removed *json.RawMessage `json:"@removed"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"internetMessageHeaders"`
	Body *struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
}

func (m graphMessage) from() string {
	if m.From == nil {
		return ""
	}
	if m.From.EmailAddress.Name != "" {
		return fmt.Sprintf("%q <%s>", m.From.EmailAddress.Name, m.From.EmailAddress.Address)
	}
	return m.From.EmailAddress.Address
}

// Read follows the inbox's delta from q.Cursor (a delta link); without one, or when Graph says
// the delta link expired (410 Gone), it starts a new delta of the messages received since q.Since.
func (g *Graph) Read(ctx context.Context, q Query) (Batch, error) {
	var b Batch
	link := q.Cursor
	if link != "" && !g.ours(link) {
		link, b.Restarted = "", true // a cursor for another Graph: start over rather than send the token there
	}
	if link == "" {
		link = g.start(q)
	}
	var found []graphMessage
	for pages := 0; ; pages++ {
		var page struct {
			Value     []graphMessage `json:"value"`
			NextLink  string         `json:"@odata.nextLink"`
			DeltaLink string         `json:"@odata.deltaLink"`
		}
		status, err := g.get(ctx, link, &page, `odata.maxpagesize=50`)
		if status == http.StatusGone && !b.Restarted {
			b.Restarted, found = true, nil
			link = g.start(q)
			continue
		}
		if err != nil {
			return Batch{}, g.wrap(q.Mailbox, status, err)
		}
		for _, m := range page.Value {
			if m.Removed == nil && (q.Want == nil || q.Want(m.from())) {
				found = append(found, m)
			}
		}
		switch {
		case page.DeltaLink != "":
			b.Cursor = page.DeltaLink
		case page.NextLink != "" && g.ours(page.NextLink) && (len(found) >= maxMessages || pages >= 100):
			b.Cursor = page.NextLink // enough for one read: the next one goes on from this page
		case page.NextLink != "" && g.ours(page.NextLink):
			link = page.NextLink
			continue
		default:
			return Batch{}, fmt.Errorf("graph %s: a delta page without a next or delta link", q.Mailbox)
		}
		break
	}
	for _, m := range found {
		var full graphMessage
		u := g.api.JoinPath("users", q.Mailbox, "messages", m.ID)
		u.RawQuery = "$select=internetMessageHeaders,body,from,subject,receivedDateTime"
		status, err := g.get(ctx, u.String(), &full, `outlook.body-content-type="text"`)
		if status == http.StatusNotFound {
			continue // deleted since
		}
		if err != nil {
			return Batch{}, g.wrap(q.Mailbox, status, err)
		}
		msg := Message{ID: m.ID, From: m.from(), Subject: m.Subject, Headers: map[string]string{}}
		msg.Received, _ = time.Parse(time.RFC3339, m.Received)
		for _, h := range full.Headers {
			k := http.CanonicalHeaderKey(h.Name)
			if _, dup := msg.Headers[k]; !dup {
				msg.Headers[k] = h.Value
			}
		}
		if full.Body != nil {
			body := full.Body.Content
			if len(body) > 256<<10 {
				body = body[:256<<10]
			}
			if strings.EqualFold(full.Body.ContentType, "html") {
				body = classify.HTMLText(body)
			}
			msg.Body = body
		}
		b.Messages = append(b.Messages, msg)
	}
	sort.SliceStable(b.Messages, func(i, j int) bool { return b.Messages[i].Received.Before(b.Messages[j].Received) })
	return b, nil
}

// start is the first delta link of a mailbox's inbox: messages received since q.Since, headers only.
func (g *Graph) start(q Query) string {
	u := g.api.JoinPath("users", q.Mailbox, "mailFolders", "inbox", "messages", "delta")
	v := url.Values{}
	v.Set("$select", "from,subject,receivedDateTime")
	v.Set("$filter", "receivedDateTime ge "+q.Since.UTC().Format(time.RFC3339))
	u.RawQuery = v.Encode()
	return u.String()
}

// ours reports whether a link Graph returned points at the configured Graph, so the token is
// never sent anywhere else.
func (g *Graph) ours(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.Scheme == g.api.Scheme && u.Host == g.api.Host
}

// get fetches link as JSON into v with a Prefer header, and returns the HTTP status.
func (g *Graph) get(ctx context.Context, link string, v any, prefer string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Prefer", prefer)
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 32<<20)
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		raw, _ := io.ReadAll(io.LimitReader(body, 4096))
		_ = json.Unmarshal(raw, &e)
		msg := strings.TrimSpace(e.Error.Code + " " + e.Error.Message)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			return resp.StatusCode, &QuotaError{Provider: "graph", RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
				Detail: fmt.Sprintf("%d %s", resp.StatusCode, msg)}
		}
		return resp.StatusCode, fmt.Errorf("%d %s", resp.StatusCode, msg)
	}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		return resp.StatusCode, fmt.Errorf("read %s: %w", req.URL.Path, err)
	}
	return resp.StatusCode, nil
}

// wrap turns the errors that last into an AccessError saying what to fix, and 429s into ErrQuota.
func (g *Graph) wrap(mailbox string, status int, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		return &AccessError{Provider: "graph", Mailbox: mailbox, Detail: "the token endpoint said " + re.ErrorCode + " " + re.ErrorDescription,
			Fix: "check FOLLOWUP_GRAPH_TENANT, FOLLOWUP_GRAPH_CLIENT_ID and FOLLOWUP_GRAPH_CLIENT_SECRET (secrets expire) against the app registration in Microsoft Entra"}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &AccessError{Provider: "graph", Mailbox: mailbox, Status: status, Detail: err.Error(),
			Fix: "grant the app registration the application permission Mail.Read with admin consent, and, if an application access policy limits it, add this mailbox to its group"}
	case status == http.StatusNotFound:
		return &AccessError{Provider: "graph", Mailbox: mailbox, Status: status, Detail: err.Error(),
			Fix: "no such mailbox in the tenant: set the rep's Microsoft 365 address with /followup settings mailbox=…"}
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		var qe *QuotaError
		if errors.As(err, &qe) {
			q := *qe
			q.Mailbox = mailbox
			return &q
		}
		return fmt.Errorf("graph %s: %w: %v", mailbox, ErrQuota, err)
	}
	return fmt.Errorf("graph %s: %w", mailbox, err)
}
