package mailboxtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followup-bot/followup/prompts/classify"
)

// Graph is a fake Microsoft Graph (v1.0, the mail delta and message endpoints) with the Microsoft
// identity platform's token endpoint for client credentials.
type Graph struct {
	// APIURL and LoginURL are the bases for FOLLOWUP_GRAPH_API_URL and FOLLOWUP_GRAPH_LOGIN_URL.
	APIURL, LoginURL string
	// Tenant, ClientID and Secret are the credentials the token endpoint accepts.
	Tenant, ClientID, Secret string

	srv   *httptest.Server
	boxes boxes

	mu        sync.Mutex
	tokens    map[string]bool
	forbidden map[string]bool   // mailboxes the app may not read (403)
	deltas    map[string]int    // delta and skip tokens → how far into the mailbox they are
	deltaBox  map[string]string // and whose mailbox
	fail      []int
	requests  []string
	n         int
}

// NewGraph starts a fake Graph, closed when the test ends.
func NewGraph(tb testing.TB) *Graph {
	tb.Helper()
	g := &Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "11111111-2222-3333-4444-555555555555", Secret: "s3cret",
		tokens: map[string]bool{}, forbidden: map[string]bool{}, deltas: map[string]int{}, deltaBox: map[string]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	tb.Cleanup(g.srv.Close)
	g.APIURL, g.LoginURL = g.srv.URL+"/v1.0/", g.srv.URL+"/login/"
	return g
}

// Add puts a raw RFC 5322 message into a mailbox, received at the given time, and returns its id.
func (g *Graph) Add(mailbox string, raw []byte, received time.Time) string {
	return g.boxes.add(strings.ToLower(mailbox), raw, received)
}

// Forbid makes reads of the mailbox answer 403, as when an application access policy leaves it out.
func (g *Graph) Forbid(mailbox string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.forbidden[strings.ToLower(mailbox)] = true
}

// ExpireDeltas forgets every delta link handed out so far: using one gets 410 Gone.
func (g *Graph) ExpireDeltas() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deltas, g.deltaBox = map[string]int{}, map[string]string{}
}

// FailNext makes the next API calls answer with these statuses, one each.
func (g *Graph) FailNext(statuses ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = append(g.fail, statuses...)
}

// Requests returns the API calls so far as "GET /v1.0/users/…", in order.
func (g *Graph) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.requests...)
}

func gerror(w http.ResponseWriter, status int, code, msg string) {
	gjson(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (g *Graph) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/login/") {
		g.token(w, r)
		return
	}
	g.mu.Lock()
	g.requests = append(g.requests, r.Method+" "+r.URL.Path)
	var fail int
	if len(g.fail) > 0 {
		fail, g.fail = g.fail[0], g.fail[1:]
	}
	authed := g.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	g.mu.Unlock()
	if fail != 0 {
		if fail == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "2")
		}
		gerror(w, fail, "Failed", http.StatusText(fail))
		return
	}
	if !authed {
		gerror(w, 401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1.0/users/")
	if !ok {
		gerror(w, 404, "ResourceNotFound", "Unknown path")
		return
	}
	box, rest, _ := strings.Cut(rest, "/")
	box = strings.ToLower(box)
	g.mu.Lock()
	forbidden := g.forbidden[box]
	g.mu.Unlock()
	if forbidden {
		gerror(w, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	switch {
	case rest == "mailFolders/inbox/messages/delta":
		g.delta(w, r, box)
	case strings.HasPrefix(rest, "messages/"):
		m := g.boxes.find(box, strings.TrimPrefix(rest, "messages/"))
		if m == nil {
			gerror(w, 404, "ErrorItemNotFound", "The specified object was not found in the store.")
			return
		}
		gjson(w, 200, g.message(m, r.Header.Get("Prefer")))
	default:
		gerror(w, 404, "ResourceNotFound", "Unknown path")
	}
}

// delta serves a page of the inbox's changes: a first call filters on receivedDateTime, and later
// pages and rounds carry $skiptoken or $deltatoken.
func (g *Graph) delta(w http.ResponseWriter, r *http.Request, box string) {
	q := r.URL.Query()
	msgs := g.boxes.list(box)
	from := 0
	var since time.Time
	switch tok := q.Get("$skiptoken") + q.Get("$deltatoken"); {
	case tok != "":
		g.mu.Lock()
		pos, ok := g.deltas[tok]
		owner := g.deltaBox[tok]
		g.mu.Unlock()
		if !ok || owner != box {
			gerror(w, http.StatusGone, "SyncStateNotFound", "The sync state generation is not found. Please start over.")
			return
		}
		from = pos
	default:
		f := q.Get("$filter")
		v, ok := strings.CutPrefix(f, "receivedDateTime ge ")
		if f != "" && !ok {
			gerror(w, 400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")
			return
		}
		if ok {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				gerror(w, 400, "BadRequest", "Invalid filter date")
				return
			}
			since = t
		}
	}
	var page []map[string]any
	i := from
	for ; i < len(msgs) && len(page) < 2; i++ {
		m := msgs[i]
		if m.received.Before(since) {
			continue
		}
		page = append(page, g.summary(m))
	}
	// Skip what the filter leaves out, so the next token points past it.
	for i < len(msgs) && msgs[i].received.Before(since) {
		i++
	}
	g.mu.Lock()
	g.n++
	tok := "t" + strconv.Itoa(g.n)
	g.deltas[tok], g.deltaBox[tok] = i, box
	g.mu.Unlock()
	base := g.APIURL + "users/" + url.PathEscape(box) + "/mailFolders/inbox/messages/delta?"
	resp := map[string]any{"value": page}
	if i < len(msgs) {
		resp["@odata.nextLink"] = base + "$skiptoken=" + tok
	} else {
		resp["@odata.deltaLink"] = base + "$deltatoken=" + tok
	}
	gjson(w, 200, resp)
}

func (g *Graph) summary(m *stored) map[string]any {
	h := header(m.raw)
	out := map[string]any{"id": m.id, "subject": h.Get("Subject"), "receivedDateTime": m.received.UTC().Format(time.RFC3339)}
	if a, err := (&mailAddrParser{}).parse(h.Get("From")); err == nil {
		out["from"] = map[string]any{"emailAddress": map[string]string{"name": a[0], "address": a[1]}}
	}
	return out
}

// message serves a message with its internet headers and its body as text or HTML, as the
// Prefer header asks.
func (g *Graph) message(m *stored, prefer string) map[string]any {
	out := g.summary(m)
	parsed, err := classify.Parse(bytes.NewReader(m.raw))
	if err != nil {
		return out
	}
	var hs []map[string]string
	for k, v := range parsed.Headers {
		hs = append(hs, map[string]string{"name": k, "value": v})
	}
	out["internetMessageHeaders"] = hs
	ctype, content := "html", "<html><body>"+strings.ReplaceAll(parsed.Body, "\n", "<br>")+"</body></html>"
	if strings.Contains(prefer, `outlook.body-content-type="text"`) {
		ctype, content = "text", parsed.Body
	}
	out["body"] = map[string]string{"contentType": ctype, "content": content}
	return out
}

// token serves the client credentials grant of the Microsoft identity platform.
func (g *Graph) token(w http.ResponseWriter, r *http.Request) {
	tenant := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/login/"), "/oauth2/v2.0/token")
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		gjson(w, 400, map[string]string{"error": "unsupported_grant_type", "error_description": "AADSTS70003"})
		return
	}
	switch {
	case tenant != g.Tenant:
		gjson(w, 400, map[string]string{"error": "invalid_request", "error_description": fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", tenant)})
	case r.PostForm.Get("client_id") != g.ClientID:
		gjson(w, 400, map[string]string{"error": "unauthorized_client", "error_description": "AADSTS700016: Application not found in the directory."})
	case r.PostForm.Get("client_secret") != g.Secret:
		gjson(w, 401, map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
	case r.PostForm.Get("scope") != "https://graph.microsoft.com/.default":
		gjson(w, 400, map[string]string{"error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope is not valid."})
	default:
		g.mu.Lock()
		g.n++
		tok := "graph-" + strconv.Itoa(g.n)
		g.tokens[tok] = true
		g.mu.Unlock()
		gjson(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3599})
	}
}

// mailAddrParser splits a From header into name and address.
type mailAddrParser struct{}

func (mailAddrParser) parse(s string) ([2]string, error) {
	addr := classify.Address(s)
	if addr == "" {
		return [2]string{}, fmt.Errorf("no address in %q", s)
	}
	name := ""
	if i := strings.Index(s, "<"); i > 0 {
		name = strings.Trim(strings.TrimSpace(s[:i]), `"`)
	}
	return [2]string{name, addr}, nil
}
