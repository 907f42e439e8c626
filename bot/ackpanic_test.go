package bot

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// panicListStore panics in the first QueuePage (what /followup list reads) once armed, as a bug in a command would.
type panicListStore struct {
	Store
	armed *atomic.Bool
}

func (s panicListStore) QueuePage(ctx context.Context, owner string, offset, limit int) ([]cadence.EnrollmentView, int, error) {
	if s.armed.CompareAndSwap(true, false) {
		panic("a bug in a command")
	}
	return s.Store.QueuePage(ctx, owner, offset, limit)
}

// TestPanicInAnsweredCommand: a command that panics while its answer may still travel in the ack
// is recovered: the person gets the "something went wrong (ref …)" answer at once, in the ack,
// and the worker slot it held is free again for the next command.
func TestPanicInAnsweredCommand(t *testing.T) {
	t.Parallel()
	armed := new(atomic.Bool)
	h := newHarness(t, func(c *Config) {
		c.Workers, c.AnswerBudget = 1, 10*time.Second
		c.Store = panicListStore{Store: c.Store, armed: armed}
	})
	armed.Store(true)
	r := h.slashFull(t, slacktest.SlashCommand{UserID: alice, Text: "list"}) // acked within Slack's 3 s
	mustContain(t, r.Text, "Something went wrong on our side (ref ")
	r = h.slashFull(t, slacktest.SlashCommand{UserID: alice, Text: "help"})
	if len(r.Ack.Payload) == 0 || string(r.Ack.Payload) == "null" {
		t.Error("the next command was not answered in its ack: the panicked command's worker slot was not given back")
	}
}
