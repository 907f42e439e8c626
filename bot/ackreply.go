package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// answerBudget is how long a slash command's ack may wait for the command's answer, unless
// Config.AnswerBudget says otherwise. An answer ready by then travels in the ack itself, which
// Slack shows as the reply at once; past it, the command is acked empty and the answer goes to
// the response_url when it is ready. Slack waits 3 s for the ack; the budget is kept far below
// that so a slow command costs the ack little.
const answerBudget = 20 * time.Millisecond

// maxAckPayload is the largest answer sent in an ack. slack-go refuses ack frames of 20 KB or
// more; a larger answer goes to the response_url.
const maxAckPayload = 16 << 10

// ackMessage is a slash command's answer as an ack payload.
type ackMessage struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

// answerCommand runs a slash command and acks its envelope exactly once: with the answer when
// it is ready within Config.AnswerBudget, else empty when the budget is spent, the answer then
// following through the response_url. ack sends the ack frame with the payload given (nil for
// none) and says whether it was written; an answer whose ack could not be written goes to the
// response_url, as does every answer when the envelope does not accept a response payload
// (inAck false). The answer is made only after the command's writes are committed.
//
// Only a command that can start at once waits for its answer: when every worker is busy, the
// ack goes out at once, as the queue would eat the budget and then delay the ack by it.
func (b *Bot) answerCommand(cmd slack.SlashCommand, inAck bool, ack func(payload any) error, replied func()) {
	if inAck {
		select {
		case b.slots <- struct{}{}: // a worker is free; released when the command is done
		default:
			inAck = false
		}
	}
	if !inAck {
		b.logAckErr(ack(nil))
		b.goWork("command", func(ctx context.Context) error {
			defer replied()
			return b.serveCommand(ctx, cmd)
		})
		return
	}
	var mu sync.Mutex
	acked := false
	first := func() bool { // reports whether the caller is the one to ack
		mu.Lock()
		defer mu.Unlock()
		if acked {
			return false
		}
		acked = true
		return true
	}
	late := time.AfterFunc(b.cfg.AnswerBudget, func() {
		if first() {
			b.logAckErr(ack(nil))
		}
	})
	b.goNow("command", func(ctx context.Context) error {
		held := true
		release := func() {
			if held {
				held = false
				<-b.slots
			}
		}
		defer release()
		reply, err := b.commandRecovered(ctx, cmd)
		if err != nil {
			reply = b.errorReply(err, "user", cmd.UserID)
		}
		payload, fits := ackPayload(reply)
		if first() {
			late.Stop()
			if fits {
				// The command's work is done: its slot is free before its answer goes out, so the
				// next command the person sends on seeing it finds a worker free.
				release()
			}
			if !fits {
				b.logAckErr(ack(nil))
			} else if err := ack(payload); err == nil {
				replied()
				return nil
			} else {
				b.logAckErr(err)
			}
		}
		defer replied()
		return b.respond(ctx, cmd.ResponseURL, reply, false)
	})
}

// commandRecovered runs a command and turns a panic into an error, so that the person is answered
// at once ("something went wrong", with a ref to the log) instead of waiting for the budget's
// empty ack and getting nothing.
func (b *Bot) commandRecovered(ctx context.Context, cmd slack.SlashCommand) (r Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = Reply{}, fmt.Errorf("command panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return b.command(ctx, cmd)
}

// ackPayload returns a reply as an ack payload, and whether it can go in the ack: it is not
// empty and not too large.
func ackPayload(r Reply) (json.RawMessage, bool) {
	if r.Text == "" && len(r.Blocks) == 0 {
		return nil, false
	}
	raw, err := json.Marshal(ackMessage{ResponseType: responseType(r), Text: r.Text, Blocks: r.Blocks})
	if err != nil || len(raw) > maxAckPayload {
		return nil, false
	}
	return raw, true
}

func (b *Bot) logAckErr(err error) {
	if err != nil {
		b.log.Error("ack failed", "err", err)
	}
}
