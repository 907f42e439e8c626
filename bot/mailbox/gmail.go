package mailbox

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/followup-bot/followup/prompts/classify"
)

// GmailScope is the one scope followup asks for: read-only, and only with domain-wide delegation.
const GmailScope = gmail.GmailReadonlyScope

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

func (g *Gmail) service(ctx context.Context, mailbox string) (*gmail.Service, error) {
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
	return gmail.NewService(ctx, option.WithHTTPClient(client), option.WithEndpoint(g.apiURL))
}

// Read reads the mailbox's history since q.Cursor (a history id); without one, or when Gmail no
// longer has it (404), it lists the messages received since q.Since instead, and the cursor
// becomes the mailbox's current history id, taken before the list so nothing falls between.
func (g *Gmail) Read(ctx context.Context, q Query) (Batch, error) {
	srv, err := g.service(ctx, q.Mailbox)
	if err != nil {
		return Batch{}, g.wrap(q.Mailbox, err)
	}
	var b Batch
	var ids []string
	if q.Cursor != "" {
		ids, b.Cursor, err = g.history(ctx, srv, q.Cursor)
		var ge *googleapi.Error
		if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
			b.Restarted, err = true, nil
			ids = nil
			q.Cursor = ""
		} else if err != nil {
			return Batch{}, g.wrap(q.Mailbox, err)
		}
	}
	if q.Cursor == "" {
		prof, err := srv.Users.GetProfile("me").Context(ctx).Do()
		if err != nil {
			return Batch{}, g.wrap(q.Mailbox, err)
		}
		b.Cursor = fmt.Sprint(prof.HistoryId)
		if ids, err = g.list(ctx, srv, q); err != nil {
			return Batch{}, g.wrap(q.Mailbox, err)
		}
	}
	for _, id := range ids {
		m, ok, err := g.message(ctx, srv, id, q.Want)
		if err != nil {
			var ge *googleapi.Error
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

// errEnough stops the paging of a history that has more messages than one read looks at.
var errEnough = errors.New("enough for one read")

// history returns the ids of the messages added since the history id, and the history id to go
// on from: the newest, or, when there were more than g.max, the last record read, so the
// next read takes up the rest and nothing is skipped.
func (g *Gmail) history(ctx context.Context, srv *gmail.Service, cursor string) ([]string, string, error) {
	var start uint64
	if _, err := fmt.Sscan(cursor, &start); err != nil {
		return nil, "", &googleapi.Error{Code: http.StatusNotFound, Message: "unreadable history id"}
	}
	var ids []string
	seen := map[string]bool{}
	next := cursor
	err := srv.Users.History.List("me").StartHistoryId(start).HistoryTypes("messageAdded").Context(ctx).
		Pages(ctx, func(r *gmail.ListHistoryResponse) error {
			for _, h := range r.History {
				if len(ids) >= g.max {
					return errEnough
				}
				for _, a := range h.MessagesAdded {
					if a.Message != nil && !seen[a.Message.Id] {
						seen[a.Message.Id] = true
						ids = append(ids, a.Message.Id)
					}
				}
				if h.Id != 0 {
					next = fmt.Sprint(h.Id)
				}
			}
			if r.HistoryId != 0 && r.NextPageToken == "" {
				next = fmt.Sprint(r.HistoryId) // the whole history was read
			}
			return nil
		})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return ids, next, err
}

// list returns the ids of the messages received since q.Since from the addresses of interest (and
// mail systems, for bounces), asking for a few dozen senders at a time so each search stays short
// and within maxMessages; without addresses, every message since q.Since.
func (g *Gmail) list(ctx context.Context, srv *gmail.Service, q Query) ([]string, error) {
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
		err := srv.Users.Messages.List("me").Q(query).Context(ctx).Pages(ctx, func(r *gmail.ListMessagesResponse) error {
			for _, m := range r.Messages {
				if n++; n > maxMessages {
					return errEnough
				}
				if !seen[m.Id] {
					seen[m.Id] = true
					ids = append(ids, m.Id)
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, err
		}
	}
	return ids, nil
}

// message reads a message's headers and, when want says so, its body.
func (g *Gmail) message(ctx context.Context, srv *gmail.Service, id string, want func(string) bool) (Message, bool, error) {
	meta, err := srv.Users.Messages.Get("me", id).Format("metadata").MetadataHeaders(headerNames...).Context(ctx).Do()
	if err != nil {
		return Message{}, false, err
	}
	if slices.Contains(meta.LabelIds, "SPAM") {
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
	full, err := srv.Users.Messages.Get("me", id).Format("full").Context(ctx).Do()
	if err != nil {
		return Message{}, false, err
	}
	if full.Payload != nil {
		addHeaders(m.Headers, full.Payload.Headers)
		parts := 0
		m.Body = partText(full.Payload, &parts)
	}
	return m, true, nil
}

func addHeaders(dst map[string]string, hs []*gmail.MessagePartHeader) {
	for _, h := range hs {
		k := http.CanonicalHeaderKey(h.Name)
		if _, dup := dst[k]; !dup {
			dst[k] = h.Value
		}
	}
}

// partText returns the text of a message part: text/plain preferred, else HTML as text, walking
// into multiparts. Attachments are never fetched.
func partText(p *gmail.MessagePart, parts *int) string {
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
	var ge *googleapi.Error
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
func gmailQuota(ge *googleapi.Error) bool {
	for _, e := range ge.Errors {
		switch e.Reason {
		case "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded":
			return true
		}
	}
	return false
}
