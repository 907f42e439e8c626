package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// Reply is what a handler answers a person with: plain text, or blocks with the text as the
// notification fallback. Replies to slash commands are ephemeral unless InChannel is set.
type Reply struct {
	Text      string
	Blocks    []slack.Block
	InChannel bool
}

// textReply is a Reply of plain text.
func textReply(format string, args ...any) Reply {
	return Reply{Text: fmt.Sprintf(format, args...)}
}

// errorReply turns a handler's error into what the person sees. A coded error is shown as its
// message; anything else is "something went wrong" with a short reference, and the full error goes
// to the log under that reference.
func (b *Bot) errorReply(err error, attrs ...any) Reply {
	if code := cadence.ErrorCode(err); code != cadence.EINTERNAL {
		return Reply{Text: cadence.ErrorMessage(err)}
	}
	ref := newRef()
	b.log.Error("request failed", append([]any{"ref", ref, "err", err}, attrs...)...)
	return Reply{Text: fmt.Sprintf("Something went wrong on our side (ref %s). Nothing was changed unless a message says so; please try again, or give the ref to your admin.", ref)}
}

// newRef returns a short random reference that ties a person's error message to a log line.
func newRef() string {
	var p [2]byte
	_, _ = rand.Read(p[:])
	return hex.EncodeToString(p[:])
}

// serveCommand runs a slash command after its ack and delivers the reply through the command's
// response_url, so that no command, however slow, can miss Slack's 3-second window.
func (b *Bot) serveCommand(ctx context.Context, cmd slack.SlashCommand) error {
	reply, err := b.command(ctx, cmd)
	if err != nil {
		reply = b.errorReply(err, "user", cmd.UserID)
	}
	return b.respond(ctx, cmd.ResponseURL, reply, false)
}

// respond posts a reply to a response_url. With replace set, it replaces the message the
// response_url belongs to (used for buttons in ephemeral messages).
func (b *Bot) respond(ctx context.Context, responseURL string, r Reply, replace bool) error {
	if responseURL == "" || (r.Text == "" && len(r.Blocks) == 0) {
		return nil // nothing to say (e.g. "add" opened a modal)
	}
	opts := []slack.MsgOption{slack.MsgOptionResponseURL(responseURL, responseType(r)), slack.MsgOptionText(r.Text, false)}
	if len(r.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.Blocks...))
	}
	if replace {
		opts = append(opts, slack.MsgOptionReplaceOriginal(responseURL))
	}
	_, _, err := b.api.PostMessageContext(ctx, "", opts...)
	if err != nil {
		return fmt.Errorf("reply via response_url: %w", err)
	}
	return nil
}

func responseType(r Reply) string {
	if r.InChannel {
		return slack.ResponseTypeInChannel
	}
	return slack.ResponseTypeEphemeral
}
