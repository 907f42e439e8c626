package mailbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/mailbox"
	"github.com/followup-bot/followup/bot/mailbox/mailboxtest"
	"github.com/followup-bot/followup/prompts/classify"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func raw(from, subject, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: ana@ourco.com\r\nSubject: %s\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, subject, body))
}

// wantFrom is the headers-first filter the bot uses: the contacts' addresses and bounce senders.
func wantFrom(addrs ...string) func(string) bool {
	return func(from string) bool {
		a := classify.Address(from)
		if strings.HasPrefix(a, "mailer-daemon@") || strings.HasPrefix(a, "postmaster@") {
			return true
		}
		for _, x := range addrs {
			if a == x {
				return true
			}
		}
		return false
	}
}

func ids(ms []mailbox.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

func fullReads(reqs []string, suffix string) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r, suffix) {
			n++
		}
	}
	return n
}

// readers builds each real reader against its fake, with a function to add a message.
func readers(t *testing.T) map[string]struct {
	r      mailbox.Reader
	add    func(raw []byte, at time.Time)
	expire func()
	reqs   func() []string
	full   string
} {
	gm := mailboxtest.NewGmail(t)
	gr, err := mailbox.NewGmail(gm.KeyFile(), gm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	fg := mailboxtest.NewGraph(t)
	ms, err := mailbox.NewGraph(mailbox.GraphConfig{Tenant: fg.Tenant, ClientID: fg.ClientID, ClientSecret: fg.Secret,
		APIURL: fg.APIURL, LoginURL: fg.LoginURL})
	if err != nil {
		t.Fatal(err)
	}
	type rd = struct {
		r      mailbox.Reader
		add    func(raw []byte, at time.Time)
		expire func()
		reqs   func() []string
		full   string
	}
	return map[string]rd{
		"gmail": {gr, func(b []byte, at time.Time) { gm.Add("ana@ourco.com", b, at) }, gm.ExpireHistory, gm.Requests, "?format=full"},
		"graph": {ms, func(b []byte, at time.Time) { fg.Add("ana@ourco.com", b, at) }, fg.ExpireDeltas, fg.Requests, "/messages/m"},
	}
}

// TestReadIncrementally drives both real clients against their fakes: a first read from Since,
// bodies fetched only for wanted senders, a second read from the cursor that sees only what is
// new, and an expired cursor (Gmail 404, Graph 410) that starts over from Since.
func TestReadIncrementally(t *testing.T) {
	for name, rd := range readers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rd.add(raw("Old <bob@acme.com>", "before enrollment", "hi"), t0.Add(-48*time.Hour))
			rd.add(raw("Bob <bob@acme.com>", "reply 1", "Thanks!"), t0.Add(time.Hour))
			rd.add(raw("Dave <dave@ourco.com>", "lunch", "lunch?"), t0.Add(2*time.Hour))
			rd.add(raw("MAILER-DAEMON@mx.ourco.com", "Undelivered Mail", "bob@acme.com Status: 5.1.1"), t0.Add(3*time.Hour))
			rd.add(raw("Eve <eve@x.io>", "newsletter", "news"), t0.Add(4*time.Hour))
			q := mailbox.Query{Mailbox: "ana@ourco.com", Since: t0, From: []string{"bob@acme.com"}, Want: wantFrom("bob@acme.com")}
			b, err := rd.r.Read(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(ids(b.Messages), ","); got != "reply 1,Undelivered Mail" || b.Cursor == "" {
				t.Fatalf("first read = %q cursor %q", got, b.Cursor)
			}
			if b.Messages[0].Body == "" || !strings.Contains(b.Messages[0].Body, "Thanks!") {
				t.Fatalf("body = %q", b.Messages[0].Body)
			}
			if n := fullReads(rd.reqs(), rd.full); n != 2 {
				t.Fatalf("bodies fetched: %d, want 2 (only the wanted messages): %v", n, rd.reqs())
			}
			rd.add(raw("Bob <bob@acme.com>", "reply 2", "And one more"), t0.Add(5*time.Hour))
			q.Cursor = b.Cursor
			b2, err := rd.r.Read(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(ids(b2.Messages), ","); got != "reply 2" || b2.Restarted {
				t.Fatalf("second read = %q (restarted %v), want only the new reply", got, b2.Restarted)
			}
			rd.expire()
			rd.add(raw("Bob <bob@acme.com>", "reply 3", "Third"), t0.Add(6*time.Hour))
			q.Cursor, q.Since = b2.Cursor, t0.Add(5*time.Hour)
			b3, err := rd.r.Read(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(ids(b3.Messages), ","); !b3.Restarted || got != "reply 2,reply 3" || b3.Cursor == "" {
				t.Fatalf("after expiry = %q restarted %v; want a restart from Since with reply 2 and 3", got, b3.Restarted)
			}
			// The new cursor works again.
			q.Cursor = b3.Cursor
			b4, err := rd.r.Read(ctx, q)
			if err != nil || len(b4.Messages) != 0 || b4.Restarted {
				t.Fatalf("read after restart = %v, %v, restarted %v", ids(b4.Messages), err, b4.Restarted)
			}
		})
	}
}

func TestGmailAccessErrors(t *testing.T) {
	ctx := context.Background()
	gm := mailboxtest.NewGmail(t)
	r, err := mailbox.NewGmail(gm.KeyFile(), gm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mailbox.NewGmail([]byte(`{"type":"authorized_user"}`), gm.URL, nil); err == nil {
		t.Fatal("a key file that is not a service account's was accepted")
	}
	gm.Revoke("ana@ourco.com")
	_, err = r.Read(ctx, mailbox.Query{Mailbox: "ana@ourco.com", Since: t0})
	var ae *mailbox.AccessError
	if !errors.As(err, &ae) || !errors.Is(err, mailbox.ErrAccess) || !strings.Contains(ae.Fix, "Domain-wide delegation") {
		t.Fatalf("revoked delegation: %v; want an AccessError saying to fix the delegation", err)
	}
	gm.FailNext(http.StatusTooManyRequests)
	var qe *mailbox.QuotaError
	if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ben@ourco.com", Since: t0}); !errors.As(err, &qe) || qe.RetryAfter != time.Second {
		t.Fatalf("429: %v; want a QuotaError with the fake's Retry-After of 1s", err)
	}
	for _, reason := range []string{"userRateLimitExceeded", "rateLimitExceeded", "dailyLimitExceeded"} {
		gm.FailNextReason(http.StatusForbidden, reason)
		if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ben@ourco.com", Since: t0}); !errors.Is(err, mailbox.ErrQuota) || errors.Is(err, mailbox.ErrAccess) {
			t.Fatalf("403 %s: %v; want ErrQuota, not an access error", reason, err)
		}
	}
	gm.FailNext(http.StatusForbidden)
	if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ben@ourco.com", Since: t0}); !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("403: %v; want an AccessError", err)
	}
}

func TestGraphAccessErrors(t *testing.T) {
	ctx := context.Background()
	fg := mailboxtest.NewGraph(t)
	cfg := mailbox.GraphConfig{Tenant: fg.Tenant, ClientID: fg.ClientID, ClientSecret: "wrong", APIURL: fg.APIURL, LoginURL: fg.LoginURL}
	r, err := mailbox.NewGraph(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ae *mailbox.AccessError
	if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ana@ourco.com", Since: t0}); !errors.As(err, &ae) || !strings.Contains(ae.Fix, "FOLLOWUP_GRAPH_CLIENT_SECRET") {
		t.Fatalf("wrong secret: %v; want an AccessError naming the secret", err)
	}
	cfg.ClientSecret, cfg.Tenant = fg.Secret, "fabrikam.example"
	r, _ = mailbox.NewGraph(cfg)
	if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ana@ourco.com", Since: t0}); !errors.As(err, &ae) || !strings.Contains(ae.Detail, "AADSTS90002") {
		t.Fatalf("wrong tenant: %v; want an AccessError", err)
	}
	cfg.Tenant = fg.Tenant
	r, _ = mailbox.NewGraph(cfg)
	fg.Forbid("ana@ourco.com")
	if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ana@ourco.com", Since: t0}); !errors.As(err, &ae) || ae.Status != 403 || !strings.Contains(ae.Fix, "Mail.Read") {
		t.Fatalf("403: %v; want an AccessError naming Mail.Read", err)
	}
	fg.FailNext(http.StatusTooManyRequests)
	var qe *mailbox.QuotaError
	if _, err := r.Read(ctx, mailbox.Query{Mailbox: "ben@ourco.com", Since: t0}); !errors.Is(err, mailbox.ErrQuota) ||
		!errors.As(err, &qe) || qe.RetryAfter != 2*time.Second || qe.Mailbox != "ben@ourco.com" {
		t.Fatalf("429: %v; want a QuotaError for ben@ourco.com with the fake's Retry-After of 2s", err)
	}
	// A cursor pointing at another host is never followed with the token.
	b, err := r.Read(ctx, mailbox.Query{Mailbox: "ben@ourco.com", Since: t0, Cursor: "https://evil.example/v1.0/x"})
	if err != nil || !b.Restarted {
		t.Fatalf("foreign cursor: %v restarted %v; want a restart", err, b.Restarted)
	}
	if _, err := mailbox.NewGraph(mailbox.GraphConfig{Tenant: "t", ClientID: "c"}); err == nil {
		t.Fatal("a config without a secret was accepted")
	}
}

// TestHugeBody: a 10 MB body is read no further than its first part's first few hundred KB, and
// the classifier does not see an opt-out hidden at its end.
func TestHugeBody(t *testing.T) {
	gm := mailboxtest.NewGmail(t)
	r, err := mailbox.NewGmail(gm.KeyFile(), gm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("All good on our side, thanks. ", 10<<20/30) + "remove me"
	gm.Add("ana@ourco.com", raw("Bob <bob@acme.com>", "Re: demo", body), t0.Add(time.Hour))
	b, err := r.Read(context.Background(), mailbox.Query{Mailbox: "ana@ourco.com", Since: t0, Want: wantFrom("bob@acme.com")})
	if err != nil || len(b.Messages) != 1 {
		t.Fatalf("read: %d messages, %v", len(b.Messages), err)
	}
	if n := len(b.Messages[0].Body); n > 300<<10 || n == 0 {
		t.Fatalf("body of %d bytes kept, want at most about 256 KB", n)
	}
	m := b.Messages[0]
	if k := classify.Rules(classify.Message{From: m.From, Contact: "bob@acme.com", Body: m.Body, Subject: m.Subject}).Kind; k != classify.KindReply {
		t.Errorf("kind %s, want reply", k)
	}
}

// TestGmailLongHistoryNothingSkipped: a history longer than one read looks at is taken up by the
// next reads from where the last one stopped, so no message is skipped.
func TestGmailLongHistoryNothingSkipped(t *testing.T) {
	ctx := context.Background()
	gm := mailboxtest.NewGmail(t)
	r, err := mailbox.NewGmail(gm.KeyFile(), gm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	mailbox.SetMaxMessages(r, 2)
	q := mailbox.Query{Mailbox: "ana@ourco.com", Since: t0, Want: wantFrom("bob@acme.com")}
	b, err := r.Read(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 7; i++ {
		gm.Add("ana@ourco.com", raw("Bob <bob@acme.com>", fmt.Sprintf("r%d", i), "hi"), t0.Add(time.Duration(i)*time.Minute))
	}
	var got []string
	for reads := 0; reads < 10; reads++ {
		q.Cursor = b.Cursor
		if b, err = r.Read(ctx, q); err != nil {
			t.Fatal(err)
		}
		if len(b.Messages) > 2 {
			t.Fatalf("read %d messages, want at most 2", len(b.Messages))
		}
		got = append(got, ids(b.Messages)...)
		if len(b.Messages) == 0 {
			break
		}
	}
	if strings.Join(got, ",") != "r1,r2,r3,r4,r5,r6,r7" {
		t.Fatalf("read %v over several reads, want r1 to r7 once each", got)
	}
}

// TestGmailFirstReadManyContacts: a first read for a rep with many contacts asks Gmail a few
// dozen senders at a time and finds a reply from the last of them.
func TestGmailFirstReadManyContacts(t *testing.T) {
	gm := mailboxtest.NewGmail(t)
	r, err := mailbox.NewGmail(gm.KeyFile(), gm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var from []string
	for i := 0; i < 95; i++ {
		from = append(from, fmt.Sprintf("c%02d@acme.com", i))
	}
	gm.Add("ana@ourco.com", raw("C94 <c94@acme.com>", "late reply", "yes"), t0.Add(time.Hour))
	gm.Add("ana@ourco.com", raw("Zed <zed@other.io>", "spam", "buy"), t0.Add(time.Hour))
	b, err := r.Read(context.Background(), mailbox.Query{Mailbox: "ana@ourco.com", Since: t0, From: from, Want: wantFrom(from...)})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(b.Messages), ","); got != "late reply" {
		t.Fatalf("first read = %q, want the reply from the 95th contact", got)
	}
	lists := 0
	for _, q := range gm.Requests() {
		if strings.HasSuffix(q, "/messages") {
			lists++
		}
	}
	if lists != 3 {
		t.Errorf("%d searches, want 3 (95 senders, 40 at a time)", lists)
	}
}
