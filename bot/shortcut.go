package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// The callback ids of the app's shortcuts, as manifest.yaml declares them.
const (
	shortcutMessage = "followup_message" // "Follow up on this", in a message's menu
	shortcutNew     = "followup_new"     // "New follow-up", in Slack's shortcut menu
)

// maxLinkLen bounds a permalink kept with a follow-up (Slack's are about 80 characters).
const maxLinkLen = 500

// addMeta is the add modal's private_metadata when the modal was opened from a message: the
// channel and the message's permalink. A modal opened otherwise carries the channel id alone.
type addMeta struct {
	Channel string `json:"channel,omitempty"`
	Link    string `json:"link,omitempty"`
}

// linkOf reads the permalink from an add modal's private_metadata, or "" when there is none (or it
// is not a link, which Slack would not send back: it returns what the bot set).
func linkOf(privateMetadata string) string {
	if !strings.HasPrefix(privateMetadata, "{") {
		return ""
	}
	var m addMeta
	if json.Unmarshal([]byte(privateMetadata), &m) != nil || !strings.HasPrefix(m.Link, "https://") || len(m.Link) > maxLinkLen {
		return ""
	}
	return m.Link
}

// addPrefill is what a message shortcut puts into the add modal; everything stays editable.
type addPrefill struct {
	Name, Email, Note, CadenceID string
	Link, Channel                string
	Context                      string // a line above the form: where it came from, what was cut
}

// onNewShortcut opens the add modal from the global shortcut *New follow-up*. There is no channel
// and no response_url: the answer, if any, reaches the person by DM (tellClicker).
func (b *Bot) onNewShortcut(ctx context.Context, cb slack.InteractionCallback) (Reply, error) {
	if err := b.openAddModalIn(ctx, cb.TriggerID, cb.User.ID, ""); err != nil {
		if cadence.ErrorCode(err) == cadence.EUNAVAIL {
			return Reply{Text: "The form took too long to open. Please use *New follow-up* again."}, nil
		}
		return Reply{}, err
	}
	return Reply{}, nil
}

// onMessageShortcut opens the add modal prefilled from a message (*Follow up on this*); a message
// the bot cannot follow up on gets an answer saying why, and no modal.
func (b *Bot) onMessageShortcut(ctx context.Context, cb slack.InteractionCallback) (Reply, error) {
	p, refusal, err := b.prefillFromMessage(ctx, cb)
	if err != nil {
		return Reply{}, err
	}
	if refusal != "" {
		return Reply{Text: refusal}, nil
	}
	m := b.addModal(cb.Channel.ID)
	prefillAddModal(&m, p)
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, m); err != nil {
		if strings.Contains(err.Error(), "expired_trigger_id") {
			return Reply{Text: "The form took too long to open. Please use *Follow up on this* again."}, nil
		}
		return Reply{}, fmt.Errorf("open add modal from a message for %s: %w", cb.User.ID, err)
	}
	return Reply{}, nil
}

// prefillFromMessage reads what the add modal can take from a message: the note, a link back, a
// guessed cadence and, when the author is a Slack Connect user from another organization, the
// contact. It returns a refusal to show the person instead when the message is no good: posted by
// an app, without text, or in a channel the bot cannot read.
func (b *Bot) prefillFromMessage(ctx context.Context, cb slack.InteractionCallback) (addPrefill, string, error) {
	msg := cb.Message.Msg
	if msg.BotID != "" || msg.SubType == "bot_message" || (msg.User != "" && msg.User == b.botUserID) {
		return addPrefill{}, "That message was posted by an app, not a person, so there is nobody in it to follow up with. Use `/followup add` or the *New follow-up* shortcut instead.", nil
	}
	text := plainMessageText(msg.Text)
	if text == "" {
		return addPrefill{}, "That message has no text to follow up on (only files or attachments). Use `/followup add` or the *New follow-up* shortcut instead.", nil
	}
	ts := msg.Timestamp
	if ts == "" {
		ts = cb.MessageTs
	}
	link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: cb.Channel.ID, Ts: ts})
	if err != nil {
		switch slackCode(err) {
		case "channel_not_found", "not_in_channel", "access_denied", "missing_scope", "message_not_found":
			return addPrefill{}, "I can't read messages in that conversation, so I can't link the follow-up to it. Invite me to the channel (`/invite @followup`) and try again, or use `/followup add`.", nil
		}
		return addPrefill{}, "", fmt.Errorf("chat.getPermalink %s/%s: %w", cb.Channel.ID, ts, err)
	}
	if len(link) > maxLinkLen || !strings.HasPrefix(link, "https://") {
		link = ""
	}
	p := addPrefill{Link: link, Channel: cb.Channel.ID}
	n := utf8.RuneCountInString(text)
	p.Note = truncate(text, maxNoteLen)
	var ctxLines []string
	if n > maxNoteLen {
		ctxLines = append(ctxLines, fmt.Sprintf("The message is %s characters long; the note keeps the first %s. Edit it down to what matters.", thousands(n), thousands(maxNoteLen-1)))
	}
	if cd, ok := b.cadenceFor(cadence.GuessTrigger(text)); ok {
		p.CadenceID = cd.ID
		ctxLines = append(ctxLines, fmt.Sprintf("Cadence guessed from the message: *%s*. Change it if it is wrong.", escapeText(cd.Name)))
	}
	if msg.User != "" {
		if u, err := b.api.GetUserInfoContext(ctx, msg.User); err != nil {
			b.log.Warn("users.info of a message's author failed; contact left empty", "user", msg.User, "err", err)
		} else if b.isExternal(u) {
			p.Name = strings.TrimSpace(firstNonEmpty(u.RealName, u.Profile.RealName, u.Profile.DisplayName, u.Name))
			p.Email = strings.TrimSpace(u.Profile.Email)
			who := "a Slack Connect user"
			if p.Email == "" {
				who += " (their email is not visible to me: add it if you know it)"
			}
			ctxLines = append(ctxLines, "The author is "+who+".")
		}
	}
	if link != "" {
		ctxLines = append([]string{"From <" + link + "|this message>; every reminder links back to it."}, ctxLines...)
	}
	p.Context = strings.Join(ctxLines, "\n")
	return p, "", nil
}

// isExternal reports whether a user belongs to another organization (Slack Connect).
func (b *Bot) isExternal(u *slack.User) bool {
	return u != nil && !u.IsBot && (u.IsStranger || (u.TeamID != "" && b.teamID != "" && u.TeamID != b.teamID))
}

// cadenceFor returns the first cadence of the library that follows trigger.
func (b *Bot) cadenceFor(t cadence.Trigger) (cadence.Cadence, bool) {
	for _, cd := range b.lib.All() {
		if cd.Trigger == t {
			return cd, true
		}
	}
	return cadence.Cadence{}, false
}

// prefillAddModal sets the initial values of the add modal from p, puts p.Context above the form
// and the channel and link into private_metadata.
func prefillAddModal(m *slack.ModalViewRequest, p addPrefill) {
	for _, blk := range m.Blocks.BlockSet {
		in, ok := blk.(*slack.InputBlock)
		if !ok {
			continue
		}
		val := map[string]string{"name": truncate(p.Name, maxFieldLen), "email": truncate(p.Email, maxFieldLen), "note": p.Note}[in.BlockID]
		switch el := in.Element.(type) {
		case *slack.PlainTextInputBlockElement:
			if val != "" {
				el.InitialValue = val
			}
		case *slack.SelectBlockElement:
			if in.BlockID == "cadence" && p.CadenceID != "" {
				for _, o := range el.Options {
					if o.Value == p.CadenceID {
						el.InitialOption = o
					}
				}
			}
		}
	}
	if p.Context != "" {
		ctx := slack.NewContextBlock("add.from", mrkdwn(truncate(p.Context, maxSectionText)))
		m.Blocks.BlockSet = append([]slack.Block{ctx}, m.Blocks.BlockSet...)
	}
	meta, _ := json.Marshal(addMeta{Channel: p.Channel, Link: p.Link})
	m.PrivateMetadata = string(meta)
}

var (
	slackLinkRe    = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)\|([^>]*)>`)
	slackBareRe    = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)>`)
	slackMentionRe = regexp.MustCompile(`<[@#!]([A-Za-z0-9^]+)(?:\|([^>]*))?>`)
)

// plainMessageText turns a message's text, in Slack's markup, into plain text for a note: links
// become "label (url)", mentions their label or id, entities their characters; it is trimmed.
func plainMessageText(s string) string {
	s = slackLinkRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := slackLinkRe.FindStringSubmatch(m)
		url := strings.TrimPrefix(sm[1], "mailto:")
		if sm[2] == "" || sm[2] == url {
			return url
		}
		return sm[2] + " (" + url + ")"
	})
	s = slackBareRe.ReplaceAllString(s, "$1")
	s = slackMentionRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := slackMentionRe.FindStringSubmatch(m)
		if sm[2] != "" {
			return "@" + sm[2]
		}
		return "@" + sm[1]
	})
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
	return strings.TrimSpace(s)
}

// thousands formats n with comma separators: 40,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
