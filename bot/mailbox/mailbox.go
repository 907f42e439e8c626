// Package mailbox reads reps' mailboxes for messages from the contacts they follow up with: Gmail
// through a Google Workspace service account with domain-wide delegation, and Microsoft 365
// through Microsoft Graph with an application's client credentials. Both read incrementally (a
// Gmail history id, a Graph delta link) from a cursor the caller keeps, read headers first, and
// fetch the body only of the messages the caller wants. Nothing here is Slack-bound, and nothing
// is kept: the caller decides what to store.
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message is one message read from a mailbox: the headers that matter and the plain-text body.
type Message struct {
	ID       string // the provider's id, stable for the mailbox
	From     string // the From header as sent
	Subject  string
	Received time.Time
	Headers  map[string]string // canonical keys: "Auto-Submitted", "Content-Type", ...
	Body     string            // plain text (HTML turned into text), at most about 256 KB
}

// Query says what to read from one mailbox.
type Query struct {
	Mailbox string    // the address of the mailbox
	Cursor  string    // where the last read ended; "" to start from Since
	Since   time.Time // the earliest message of interest, used when there is no cursor or it expired
	// From lists the addresses of interest, for a filter on the server where the provider has one.
	From []string
	// Want says, from the From header alone, whether a message's body should be fetched.
	Want func(from string) bool
}

// Batch is what one read returned.
type Batch struct {
	Messages []Message // wanted messages, oldest first
	Cursor   string    // where the next read starts
	// Restarted is true when the cursor had expired and the read started over from Since: the
	// caller may see messages again, and must act on each only once.
	Restarted bool
}

// Reader reads one provider's mailboxes.
type Reader interface {
	// Name is "gmail" or "graph".
	Name() string
	// Read returns the wanted messages since q.Cursor (or q.Since) and the cursor to go on from.
	// Errors wrap ErrAccess when the mailbox cannot be read until someone fixes something, and
	// ErrQuota when the provider asks to slow down.
	Read(ctx context.Context, q Query) (Batch, error)
}

// ErrAccess marks an error that lasts until an admin fixes something: a revoked delegation, a
// wrong tenant or secret, a missing permission, an unknown mailbox. AccessError says what to fix.
var ErrAccess = errors.New("mailbox cannot be read")

// ErrQuota marks a provider asking to slow down (429, or a quota exceeded): try again next poll.
var ErrQuota = errors.New("mailbox quota exceeded")

// QuotaError is an ErrQuota with how long the provider asked to wait (its Retry-After), when it
// said; the caller does not read that mailbox again before then.
type QuotaError struct {
	Provider   string
	Mailbox    string
	RetryAfter time.Duration // 0 when the provider did not say
	Detail     string        // what the provider said
}

// Error says which mailbox, what the provider said and how long to wait.
func (e *QuotaError) Error() string {
	s := fmt.Sprintf("%s %s: %v: %s", e.Provider, e.Mailbox, ErrQuota, e.Detail)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Unwrap makes errors.Is(err, ErrQuota) true.
func (e *QuotaError) Unwrap() error { return ErrQuota }

// retryAfter reads a Retry-After header: seconds, or an HTTP date; 0 when absent or unreadable,
// and at most a day.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, 24*time.Hour))
}

// AccessError is an ErrAccess with what to fix, for the admins.
type AccessError struct {
	Provider string
	Mailbox  string
	Status   int    // the HTTP status, 0 when the token endpoint refused
	Detail   string // what the provider said
	Fix      string // what to do about it
}

// Error says which mailbox, what the provider said and what to fix.
func (e *AccessError) Error() string {
	return fmt.Sprintf("%s mailbox %s cannot be read (%s): %s", e.Provider, e.Mailbox, e.Detail, e.Fix)
}

// Unwrap makes errors.Is(err, ErrAccess) true.
func (e *AccessError) Unwrap() error { return ErrAccess }

// maxMessages bounds the messages one read looks at, so one poll of a flooded mailbox stays short;
// the cursor still moves past them all.
const maxMessages = 500
