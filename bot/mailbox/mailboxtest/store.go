// Package mailboxtest is a fake Gmail API and a fake Microsoft Graph, with their token endpoints,
// serving mailboxes of RFC 5322 messages, for tests that drive the real clients (the Google API
// client with a service account key, golang.org/x/oauth2's client credentials) against them. Both
// record every request and can be told to fail: revoked delegation, a wrong secret, 403s, 429s,
// expired history ids and delta links.
package mailboxtest

import (
	"bytes"
	"net/mail"
	"sync"
	"time"
)

// stored is one message of a fake mailbox.
type stored struct {
	id       string
	raw      []byte
	received time.Time
	history  uint64   // Gmail: the history id of its arrival; Graph: its place in the delta
	labels   []string // Gmail's label ids ("SPAM"); none means INBOX
}

// boxes are the fake mailboxes, by lower-case address.
type boxes struct {
	mu      sync.Mutex
	byAddr  map[string][]*stored
	history uint64
	nextID  int
}

func (b *boxes) add(addr string, raw []byte, received time.Time, labels ...string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byAddr == nil {
		b.byAddr = map[string][]*stored{}
	}
	b.nextID++
	b.history += 10
	id := "m" + itoa(b.nextID)
	b.byAddr[addr] = append(b.byAddr[addr], &stored{id: id, raw: raw, received: received, history: b.history, labels: labels})
	return id
}

func (b *boxes) list(addr string) []*stored {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*stored(nil), b.byAddr[addr]...)
}

func (b *boxes) find(addr, id string) *stored {
	for _, s := range b.list(addr) {
		if s.id == id {
			return s
		}
	}
	return nil
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = digits[n%10]
		n /= 10
	}
	return string(buf[i:])
}

// header reads the header block of a raw message.
func header(raw []byte) mail.Header {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return mail.Header{}
	}
	return m.Header
}
