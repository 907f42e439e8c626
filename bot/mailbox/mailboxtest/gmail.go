package mailboxtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Gmail is a fake Gmail API with the OAuth token endpoint a service account key file names. It
// checks each token request's JWT (signature, scope, subject) and each API call's token.
type Gmail struct {
	// URL is the API's base, for FOLLOWUP_GMAIL_API_URL.
	URL string

	srv   *httptest.Server
	key   *rsa.PrivateKey
	boxes boxes

	mu       sync.Mutex
	tokens   map[string]string // access token → mailbox
	revoked  map[string]bool   // mailboxes the delegation does not cover
	oldest   uint64            // history ids before this one are gone (404)
	fail     []gfail           // refusals for the next API calls
	requests []string
}

// NewGmail starts a fake Gmail API, closed when the test ends.
func NewGmail(tb testing.TB) *Gmail {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	g := &Gmail{key: key, tokens: map[string]string{}, revoked: map[string]bool{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	tb.Cleanup(g.srv.Close)
	g.URL = g.srv.URL + "/"
	return g
}

// KeyFile returns a service account key file (the JSON of FOLLOWUP_GMAIL_CREDENTIALS) whose
// token_uri is this fake's token endpoint.
func (g *Gmail) KeyFile() []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(g.key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "followup-test", "private_key_id": "k1",
		"private_key": string(pemKey), "client_email": "followup@followup-test.iam.gserviceaccount.com",
		"client_id": "1234567890", "token_uri": g.srv.URL + "/token",
	})
	return b
}

// Add puts a raw RFC 5322 message into a mailbox, received at the given time, and returns its id.
func (g *Gmail) Add(mailbox string, raw []byte, received time.Time) string {
	return g.boxes.add(strings.ToLower(mailbox), raw, received)
}

// AddLabeled delivers a message with Gmail label ids other than INBOX, such as "SPAM": the
// history lists it, a search (without includeSpamTrash) does not, as in Gmail.
func (g *Gmail) AddLabeled(mailbox string, raw []byte, received time.Time, labels ...string) string {
	return g.boxes.add(strings.ToLower(mailbox), raw, received, labels...)
}

// Revoke makes the token endpoint refuse the mailbox, as when domain-wide delegation is removed.
func (g *Gmail) Revoke(mailbox string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.revoked[strings.ToLower(mailbox)] = true
	for t, m := range g.tokens {
		if m == strings.ToLower(mailbox) {
			delete(g.tokens, t)
		}
	}
}

// ExpireHistory forgets every history id up to now: a read from an older one gets 404.
func (g *Gmail) ExpireHistory() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.boxes.mu.Lock()
	g.oldest = g.boxes.history + 1
	g.boxes.mu.Unlock()
}

// FailNext makes the next API calls answer with these statuses, one each.
func (g *Gmail) FailNext(statuses ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, st := range statuses {
		g.fail = append(g.fail, gfail{status: st, reason: "failed"})
	}
}

// FailNextReason makes the next API call answer with status and this reason in the error's
// errors[] list, as Gmail does for quotas: 403 userRateLimitExceeded, 403 rateLimitExceeded.
func (g *Gmail) FailNextReason(status int, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = append(g.fail, gfail{status: status, reason: reason})
}

// gfail is one refusal FailNext asked for.
type gfail struct {
	status int
	reason string
}

// Requests returns the API calls so far as "GET /path?format=full", in order.
func (g *Gmail) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.requests...)
}

func gjson(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func gerr(w http.ResponseWriter, status int, msg string) { gerrReason(w, status, msg, "failed") }

func gerrReason(w http.ResponseWriter, status int, msg, reason string) {
	gjson(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg,
		"errors": []map[string]string{{"message": msg, "reason": reason}}}})
}

func (g *Gmail) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		g.token(w, r)
		return
	}
	g.mu.Lock()
	line := r.Method + " " + r.URL.Path
	if f := r.URL.Query().Get("format"); f != "" {
		line += "?format=" + f
	}
	g.requests = append(g.requests, line)
	var fail gfail
	if len(g.fail) > 0 {
		fail, g.fail = g.fail[0], g.fail[1:]
	}
	box, ok := g.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	oldest := g.oldest
	g.mu.Unlock()
	if fail.status != 0 {
		if fail.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		gerrReason(w, fail.status, http.StatusText(fail.status), fail.reason)
		return
	}
	if !ok {
		gerr(w, http.StatusUnauthorized, "Request had invalid authentication credentials.")
		return
	}
	rest, found := strings.CutPrefix(r.URL.Path, "/gmail/v1/users/")
	if !found {
		gerr(w, http.StatusNotFound, "Not Found")
		return
	}
	user, rest, _ := strings.Cut(rest, "/")
	if user != "me" && !strings.EqualFold(user, box) {
		gerr(w, http.StatusForbidden, "Delegation denied for "+box)
		return
	}
	msgs := g.boxes.list(box)
	q := r.URL.Query()
	switch {
	case rest == "profile":
		g.boxes.mu.Lock()
		h := g.boxes.history
		g.boxes.mu.Unlock()
		gjson(w, 200, map[string]any{"emailAddress": box, "historyId": strconv.FormatUint(h, 10)})
	case rest == "history":
		start, err := strconv.ParseUint(q.Get("startHistoryId"), 10, 64)
		if err != nil || start < oldest {
			gerr(w, http.StatusNotFound, "Requested entity was not found.")
			return
		}
		var hist []map[string]any
		for _, m := range msgs {
			if m.history > start {
				hist = append(hist, map[string]any{"id": strconv.FormatUint(m.history, 10),
					"messagesAdded": []map[string]any{{"message": map[string]any{"id": m.id, "threadId": m.id}}}})
			}
		}
		page, next := paginate(hist, q.Get("pageToken"))
		g.boxes.mu.Lock()
		h := g.boxes.history
		g.boxes.mu.Unlock()
		resp := map[string]any{"history": page, "historyId": strconv.FormatUint(h, 10)}
		if next != "" {
			resp["nextPageToken"] = next
		}
		gjson(w, 200, resp)
	case rest == "messages":
		after, from := parseQ(q.Get("q"))
		var list []map[string]any
		for _, m := range msgs {
			if m.received.Unix() <= after || slices.Contains(m.labels, "SPAM") || slices.Contains(m.labels, "TRASH") {
				continue
			}
			if len(from) > 0 && !fromMatches(header(m.raw).Get("From"), from) {
				continue
			}
			list = append(list, map[string]any{"id": m.id, "threadId": m.id})
		}
		page, next := paginate(list, q.Get("pageToken"))
		resp := map[string]any{"messages": page, "resultSizeEstimate": len(list)}
		if next != "" {
			resp["nextPageToken"] = next
		}
		gjson(w, 200, resp)
	case strings.HasPrefix(rest, "messages/"):
		m := g.boxes.find(box, strings.TrimPrefix(rest, "messages/"))
		if m == nil {
			gerr(w, http.StatusNotFound, "Requested entity was not found.")
			return
		}
		gjson(w, 200, gmailMessage(m, q.Get("format"), q["metadataHeaders"]))
	default:
		gerr(w, http.StatusNotFound, "Not Found")
	}
}

// paginate serves two items a page, so the clients' paging is exercised.
func paginate[T any](all []T, token string) ([]T, string) {
	start, _ := strconv.Atoi(token)
	if start > len(all) {
		start = len(all)
	}
	end := min(start+2, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next
}

// parseQ reads the parts of a Gmail search the fake knows: after:<unix> and {from:a from:b}.
func parseQ(q string) (after int64, from []string) {
	for _, f := range strings.Fields(strings.NewReplacer("{", " ", "}", " ").Replace(q)) {
		if v, ok := strings.CutPrefix(f, "after:"); ok {
			after, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(f, "from:"); ok {
			from = append(from, strings.ToLower(v))
		}
	}
	return after, from
}

func fromMatches(fromHeader string, from []string) bool {
	low := strings.ToLower(fromHeader)
	for _, f := range from {
		if strings.Contains(low, f) {
			return true
		}
	}
	return false
}

// token checks a JWT bearer grant signed with the service account's key for the readonly scope.
func (g *Gmail) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		gjson(w, 400, map[string]string{"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
		return
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		gjson(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Invalid JWT"})
		return
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&g.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		gjson(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
		return
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Sub   string `json:"sub"`
		Scope string `json:"scope"`
	}
	_ = json.Unmarshal(payload, &claims)
	sub := strings.ToLower(claims.Sub)
	g.mu.Lock()
	defer g.mu.Unlock()
	if claims.Scope != "https://www.googleapis.com/auth/gmail.readonly" || sub == "" || g.revoked[sub] {
		gjson(w, 401, map[string]string{"error": "unauthorized_client",
			"error_description": "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."})
		return
	}
	tok := fmt.Sprintf("g-%s-%d", sub, len(g.tokens)+1)
	g.tokens[tok] = sub
	gjson(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

// gmailMessage renders a stored message as the API's Message resource.
func gmailMessage(m *stored, format string, metaHeaders []string) map[string]any {
	msg, err := mail.ReadMessage(bytes.NewReader(m.raw))
	out := map[string]any{"id": m.id, "threadId": m.id, "historyId": strconv.FormatUint(m.history, 10),
		"internalDate": strconv.FormatInt(m.received.UnixMilli(), 10), "snippet": ""}
	if len(m.labels) > 0 {
		out["labelIds"] = m.labels
	} else {
		out["labelIds"] = []string{"INBOX"}
	}
	if err != nil {
		return out
	}
	hs := headerList(msg.Header)
	if format == "metadata" {
		var keep []map[string]string
		for _, h := range hs {
			for _, want := range metaHeaders {
				if strings.EqualFold(h["name"], want) {
					keep = append(keep, h)
				}
			}
		}
		out["payload"] = map[string]any{"mimeType": mediaType(msg.Header.Get("Content-Type")), "headers": keep}
		return out
	}
	body, _ := io.ReadAll(msg.Body)
	out["payload"] = part(hs, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), body)
	return out
}

func headerList(h map[string][]string) []map[string]string {
	var hs []map[string]string
	for k, vs := range h {
		for _, v := range vs {
			hs = append(hs, map[string]string{"name": k, "value": v})
		}
	}
	return hs
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || ct == "" {
		return "text/plain"
	}
	return mt
}

// part renders one MIME part as a MessagePart: bodies decoded from their transfer encoding and
// base64url-encoded, as Gmail does; multiparts as parts.
func part(hs []map[string]string, ctype, cte string, body []byte) map[string]any {
	mt := mediaType(ctype)
	p := map[string]any{"mimeType": mt, "headers": hs, "body": map[string]any{"size": 0}}
	if strings.HasPrefix(mt, "multipart/") {
		_, params, _ := mime.ParseMediaType(ctype)
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		var parts []map[string]any
		for {
			np, err := mr.NextRawPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(np)
			parts = append(parts, part(headerList(np.Header), np.Header.Get("Content-Type"), np.Header.Get("Content-Transfer-Encoding"), b))
		}
		p["parts"] = parts
		return p
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		if d, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body))); err == nil {
			body = d
		}
	case "quoted-printable":
		if d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			body = d
		}
	}
	p["body"] = map[string]any{"size": len(body), "data": base64.URLEncoding.EncodeToString(body)}
	return p
}
