package mailbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/followup-bot/followup/prompts/classify"
)

// GmailScope is the one scope followup asks for: read-only, and only with domain-wide delegation.
const GmailScope = "https://www.googleapis.com/auth/gmail.readonly"

// headerNames are the headers read before deciding to fetch a body.
var headerNames = []string{"From", "Subject", "Date", "Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence", "Content-Type", "Authentication-Results"}

// Gmail reads Google Workspace mailboxes as a service account with domain-wide delegation: it
// signs a token for each mailbox's address (the JWT's subject) at the token endpoint the key file
// names, and calls the Gmail API at APIURL.
type Gmail struct {
	key    []byte
	apiURL string
	http   *http.Client

	mu     sync.Mutex
	tokens map[string]oauth2.TokenSource // per mailbox, reused until they expire

	max int // messages looked at in one read of the history (maxMessages; tests lower it)
}

// NewGmail returns a Gmail reader for the service account key file's JSON. apiURL is the Gmail
// API's base ("https://gmail.googleapis.com/"); base is the HTTP client for both the token
// endpoint and the API (nil for a default with a 30 s timeout). It fails on a key that is not a
// service account key.
func NewGmail(key []byte, apiURL string, base *http.Client) (*Gmail, error) {
	if _, err := google.JWTConfigFromJSON(key, GmailScope); err != nil {
		return nil, fmt.Errorf("FOLLOWUP_GMAIL_CREDENTIALS: not a service account key file: %w", err)
	}
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	return &Gmail{key: key, apiURL: apiURL, http: base, tokens: map[string]oauth2.TokenSource{}, max: maxMessages}, nil
}

// Name returns "gmail".
func (g *Gmail) Name() string { return "gmail" }

func (g *Gmail) service(mailbox string) (*gmailAPI, error) {
	g.mu.Lock()
	ts, ok := g.tokens[mailbox]
	if !ok {
		conf, err := google.JWTConfigFromJSON(g.key, GmailScope)
		if err != nil {
			g.mu.Unlock()
			return nil, err
		}
		conf.Subject = mailbox
		tctx := context.WithValue(context.Background(), oauth2.HTTPClient, g.http)
		ts = oauth2.ReuseTokenSource(nil, conf.TokenSource(tctx))
		g.tokens[mailbox] = ts
	}
	g.mu.Unlock()
	client := &http.Client{Timeout: g.http.Timeout, Transport: &oauth2.Transport{Source: ts, Base: g.http.Transport}}
	return &gmailAPI{base: strings.TrimRight(g.apiURL, "/") + "/gmail/v1/users/me/", http: client}, nil
}

// Read reads the mailbox's history since q.Cursor (a history id); without one, or when Gmail no
// longer has it (404), it lists the messages received since q.Since instead, and the cursor
// becomes the mailbox's current history id, taken before the list so nothing falls between.
func (g *Gmail) Read(ctx context.Context, q Query) (Batch, error) {
	srv, err := g.service(q.Mailbox)
	if err != nil {
		return Batch{}, g.wrap(q.Mailbox, err)
	}
	var b Batch
	var ids []string
	if q.Cursor != "" {
		ids, b.Cursor, err = g.history(ctx, srv, q.Cursor)
		var ge *gmailError
		if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
			b.Restarted, err = true, nil
			ids = nil
			q.Cursor = ""
		} else if err != nil {
			return Batch{}, g.wrap(q.Mailbox, err)
		}
	}
	if q.Cursor == "" {
		var prof struct {
			HistoryID uint64 `json:"historyId,string"`
		}
		if err := srv.get(ctx, "profile", nil, &prof); err != nil {
			return Batch{}, g.wrap(q.Mailbox, err)
		}
		b.Cursor = fmt.Sprint(prof.HistoryID)
		if ids, err = g.list(ctx, srv, q); err != nil {
			return Batch{}, g.wrap(q.Mailbox, err)
		}
	}
	for _, id := range ids {
		m, ok, err := g.message(ctx, srv, id, q.Want)
		if err != nil {
			var ge *gmailError
			if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
				continue // deleted since
			}
			return Batch{}, g.wrap(q.Mailbox, err)
		}
		if ok {
			b.Messages = append(b.Messages, m)
		}
	}
	sort.SliceStable(b.Messages, func(i, j int) bool { return b.Messages[i].Received.Before(b.Messages[j].Received) })
	return b, nil
}

// history returns the ids of the messages added since the history id, and the history id to go
// on from: the newest, or, when there were more than g.max, the last record read, so the
// next read takes up the rest and nothing is skipped.
func (g *Gmail) history(ctx context.Context, srv *gmailAPI, cursor string) ([]string, string, error) {
	var start uint64
	if _, err := fmt.Sscan(cursor, &start); err != nil {
		return nil, "", &gmailError{Code: http.StatusNotFound, Message: "unreadable history id"}
	}
	var ids []string
	seen := map[string]bool{}
	next := cursor
	q := url.Values{"startHistoryId": {fmt.Sprint(start)}, "historyTypes": {"messageAdded"}}
	for {
		var r struct {
			History []struct {
				ID            uint64 `json:"id,string"`
				MessagesAdded []struct {
					Message *struct {
						ID string `json:"id"`
					} `json:"message"`
				} `json:"messagesAdded"`
			} `json:"history"`
			HistoryID     uint64 `json:"historyId,string"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := srv.get(ctx, "history", q, &r); err != nil {
			return nil, "", err
		}
		for _, h := range r.History {
			if len(ids) >= g.max {
				return ids, next, nil
			}
			for _, a := range h.MessagesAdded {
				if a.Message != nil && !seen[a.Message.ID] {
					seen[a.Message.ID] = true
					ids = append(ids, a.Message.ID)
				}
			}
			if h.ID != 0 {
				next = fmt.Sprint(h.ID)
			}
		}
		if r.NextPageToken == "" {
			if r.HistoryID != 0 {
				next = fmt.Sprint(r.HistoryID) // the whole history was read
			}
			return ids, next, nil
		}
		q.Set("pageToken", r.NextPageToken)
	}
}

// list returns the ids of the messages received since q.Since from the addresses of interest (and
// mail systems, for bounces), asking for a few dozen senders at a time so each search stays short
// and within maxMessages; without addresses, every message since q.Since.
func (g *Gmail) list(ctx context.Context, srv *gmailAPI, q Query) ([]string, error) {
	after := fmt.Sprintf("after:%d", q.Since.Unix()-1) // after: is exclusive; Since is not
	var queries []string
	for i := 0; i < len(q.From); i += 40 {
		from := q.From[i:min(i+40, len(q.From))]
		if i == 0 {
			from = append([]string{"mailer-daemon", "postmaster"}, from...)
		}
		queries = append(queries, after+" {from:"+strings.Join(from, " from:")+"}")
	}
	if len(queries) == 0 {
		queries = []string{after}
	}
	var ids []string
	seen := map[string]bool{}
	for _, query := range queries {
		n := 0
		v := url.Values{"q": {query}}
	pages:
		for {
			var r struct {
				Messages []struct {
					ID string `json:"id"`
				} `json:"messages"`
				NextPageToken string `json:"nextPageToken"`
			}
			if err := srv.get(ctx, "messages", v, &r); err != nil {
				return nil, err
			}
			for _, m := range r.Messages {
				if n++; n > maxMessages {
					break pages
				}
				if !seen[m.ID] {
					seen[m.ID] = true
					ids = append(ids, m.ID)
				}
			}
			if r.NextPageToken == "" {
				break
			}
			v.Set("pageToken", r.NextPageToken)
		}
	}
	return ids, nil
}

// message reads a message's headers and, when want says so, its body.
func (g *Gmail) message(ctx context.Context, srv *gmailAPI, id string, want func(string) bool) (Message, bool, error) {
	var meta gmailMessage
	if err := srv.get(ctx, "messages/"+url.PathEscape(id), url.Values{"format": {"metadata"}, "metadataHeaders": headerNames}, &meta); err != nil {
		return Message{}, false, err
	}
	if slices.Contains(meta.LabelIDs, "SPAM") {
		// Gmail's own verdict, often on a forged From: never acted on. (A search leaves spam out
		// already; the history does not.)
		return Message{}, false, nil
	}
	m := Message{ID: id, Received: time.UnixMilli(meta.InternalDate).UTC(), Headers: map[string]string{}}
	if meta.Payload != nil {
		addHeaders(m.Headers, meta.Payload.Headers)
	}
	m.From, m.Subject = m.Headers["From"], m.Headers["Subject"]
	if want != nil && !want(m.From) {
		return Message{}, false, nil
	}
	var full gmailMessage
	if err := srv.get(ctx, "messages/"+url.PathEscape(id), url.Values{"format": {"full"}}, &full); err != nil {
		return Message{}, false, err
	}
	if full.Payload != nil {
		addHeaders(m.Headers, full.Payload.Headers)
		parts := 0
		m.Body = partText(full.Payload, &parts)
	}
	return m, true, nil
}

func addHeaders(dst map[string]string, hs []gmailHeader) {
	for _, h := range hs {
		k := http.CanonicalHeaderKey(h.Name)
		if _, dup := dst[k]; !dup {
			dst[k] = h.Value
		}
	}
}

// partText returns the text of a message part: text/plain preferred, else HTML as text, walking
// into multiparts. Attachments are never fetched.
func partText(p *gmailPart, parts *int) string {
	*parts++
	if *parts > 32 {
		return ""
	}
	if strings.HasPrefix(p.MimeType, "multipart/") {
		var plain, htm, other string
		for _, c := range p.Parts {
			t := partText(c, parts)
			switch {
			case c.MimeType == "text/plain" && plain == "":
				plain = t
			case c.MimeType == "text/html" && htm == "":
				htm = t
			case other == "":
				other = t
			}
		}
		for _, s := range []string{plain, htm, other} {
			if s != "" {
				return s
			}
		}
		return ""
	}
	if p.Body == nil || p.Body.Data == "" || !(strings.HasPrefix(p.MimeType, "text/") || strings.HasPrefix(p.MimeType, "message/")) {
		return ""
	}
	data := strings.TrimRight(p.Body.Data, "=")
	if len(data) > 350<<10 {
		data = data[:350<<10] // a multiple of 4: whole groups of 3 bytes
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return ""
	}
	ctype := p.MimeType
	for _, h := range p.Headers {
		if strings.EqualFold(h.Name, "Content-Type") {
			ctype = h.Value
		}
	}
	return classify.TextOf(ctype, raw)
}

// wrap turns the errors that last into an AccessError saying what to fix, and 429s into ErrQuota.
func (g *Gmail) wrap(mailbox string, err error) error {
	var ge *gmailError
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		return &AccessError{Provider: "gmail", Mailbox: mailbox, Detail: "the token endpoint said " + re.ErrorCode + " " + re.ErrorDescription,
			Fix: "in the Google Admin console (Security → API controls → Domain-wide delegation) allow the service account's client id the scope " + GmailScope + ", and check that the mailbox is a user of the Workspace"}
	case errors.As(err, &ge) && (ge.Code == http.StatusTooManyRequests || gmailQuota(ge)):
		return &QuotaError{Provider: "gmail", Mailbox: mailbox, RetryAfter: retryAfter(ge.Header.Get("Retry-After"), time.Now()),
			Detail: fmt.Sprintf("%d %s", ge.Code, ge.Message)}
	case errors.As(err, &ge) && (ge.Code == http.StatusUnauthorized || ge.Code == http.StatusForbidden):
		return &AccessError{Provider: "gmail", Mailbox: mailbox, Status: ge.Code, Detail: fmt.Sprintf("%d %s", ge.Code, ge.Message),
			Fix: "enable the Gmail API in the service account's Google Cloud project and allow its client id the scope " + GmailScope + " under domain-wide delegation"}
	case errors.As(err, &ge) && ge.Code == http.StatusNotFound:
		return &AccessError{Provider: "gmail", Mailbox: mailbox, Status: ge.Code, Detail: "404 " + ge.Message,
			Fix: "set the rep's Google Workspace address with /followup settings mailbox=…"}
	}
	return fmt.Errorf("gmail %s: %w", mailbox, err)
}

// gmailQuota reports a Gmail refusal for quota: Gmail answers 403 (not only 429) with the reason
// rateLimitExceeded, userRateLimitExceeded, dailyLimitExceeded or quotaExceeded, and that is no
// missing permission but a wait.
func gmailQuota(ge *gmailError) bool {
	for _, e := range ge.Errors {
		switch e.Reason {
		case "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded":
			return true
		}
	}
	return false
}

// gmailAPI calls the Gmail API's REST resources under one mailbox ("me", the delegated user). The
// few calls followup makes (profile, history, messages) are plain JSON over HTTP, so they are made
// here rather than through Google's generated client, which brings some 170 packages (gRPC,
// OpenTelemetry, protobuf) into the binary and costs the idle bot memory for code it never runs.
type gmailAPI struct {
	base string // ".../gmail/v1/users/me/"
	http *http.Client
}

// gmailError is the API's error: its HTTP status, message and reasons, and the response headers
// (Retry-After).
type gmailError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Reason string `json:"reason"`
	} `json:"errors"`
	Header http.Header `json:"-"`
}

func (e *gmailError) Error() string { return fmt.Sprintf("gmail API: %d %s", e.Code, e.Message) }

// maxGmailResponse bounds what one response may weigh: a message in format=full carries its
// bodies, base64 encoded, and is read only up to 350 KB of text anyway.
const maxGmailResponse = 16 << 20

func (a *gmailAPI) get(ctx context.Context, path string, q url.Values, out any) error {
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxGmailResponse))
	if err != nil {
		return fmt.Errorf("gmail API: read %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		var env struct {
			Error *gmailError `json:"error"`
		}
		ge := &gmailError{}
		if json.Unmarshal(body, &env) == nil && env.Error != nil {
			ge = env.Error
		}
		ge.Code, ge.Header = resp.StatusCode, resp.Header
		if ge.Message == "" {
			ge.Message = http.StatusText(resp.StatusCode)
		}
		return ge
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("gmail API: unreadable answer to %s: %w", path, err)
	}
	return nil
}

// gmailMessage is the part of the API's Message resource followup reads.
type gmailMessage struct {
	LabelIDs     []string   `json:"labelIds"`
	InternalDate int64      `json:"internalDate,string"`
	Payload      *gmailPart `json:"payload"`
}

type gmailPart struct {
	MimeType string        `json:"mimeType"`
	Headers  []gmailHeader `json:"headers"`
	Body     *struct {
		Data string `json:"data"`
	} `json:"body"`
	Parts []*gmailPart `json:"parts"`
}

type gmailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
