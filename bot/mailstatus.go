package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/mailbox"
)

// What the admins and the rep are told about a mailbox: the reads that fail, and the mailbox
// /followup settings and the App Home show.

// failReportAfter is how long a mailbox may keep failing for a passing reason (a quota, a 5xx, a
// timeout) before the admins are told: a single 429 or 503 only waits for the next poll, but a
// mailbox that has failed at every read for an hour is not being read, and someone has to look.
const failReportAfter = time.Hour

// failRun is an unbroken run of failed reads of one mailbox, for a passing reason.
type failRun struct {
	since     time.Time
	quota     bool      // refused for quota (else: a server error, a timeout, a malformed answer)
	notBefore time.Time // the provider's Retry-After: the mailbox is not read again before
}

// onReadFailed handles a read of rep's mailbox at addr that failed for a reason that may pass: a
// provider asking to slow down (a 429, Gmail's 403 rateLimitExceeded, Graph's throttling), a 5xx,
// a timeout. The mailbox waits for the next poll (or as long as the provider's Retry-After says,
// if that is longer), which goes on from where it stopped, and the other reps' mailboxes are read
// all the same (quotas are per mailbox). When every read has failed so for failReportAfter, the
// admins are told what to check, once a day while it lasts. It is called with mail.mu held; the
// start of the run is kept in memory, so a restart starts the hour over.
func (b *Bot) onReadFailed(ctx context.Context, rep, addr string, err error) {
	now := b.now()
	quota := errors.Is(err, mailbox.ErrQuota)
	if b.mail.failing == nil {
		b.mail.failing = map[string]failRun{}
	}
	run, ok := b.mail.failing[rep]
	if !ok || run.quota != quota {
		run = failRun{since: now, quota: quota}
	}
	run.notBefore = time.Time{}
	var qe *mailbox.QuotaError
	if errors.As(err, &qe) && qe.RetryAfter > 0 {
		run.notBefore = now.Add(qe.RetryAfter)
	}
	b.mail.failing[rep] = run
	if now.Sub(run.since) < failReportAfter {
		b.log.Warn("mailbox not read; it waits for the next poll", "rep", rep, "quota", quota, "err", err)
		return
	}
	b.log.Warn("mailbox not read for an hour", "rep", rep, "quota", quota, "err", err)
	provider := b.cfg.Mail.Name()
	since := run.since.UTC().Format("2006-01-02 15:04 UTC")
	if !quota {
		b.reportMailError(ctx, rep, readFailing(fmt.Sprintf(
			"the %s mailbox %s has failed at every read since %s (a server error, a timeout or an answer I could not read; the bot's log has each one). To fix: check that the bot reaches %s, and the provider's service status.",
			provider, addr, since, map[string]string{"gmail": "FOLLOWUP_GMAIL_API_URL and the key file's token_uri", "graph": "FOLLOWUP_GRAPH_API_URL and FOLLOWUP_GRAPH_LOGIN_URL"}[provider])))
		return
	}
	fix := "read mailboxes less often (FOLLOWUP_MAIL_POLL, now " + b.mailPoll().String() + ")"
	switch provider {
	case "gmail":
		fix += ", and in the Google Cloud console (APIs & Services → Gmail API → Quotas) check the service account's project and this user's per-user limit; another app reading this mailbox with the same project shares it"
	case "graph":
		fix += ", and check that no other app or script reads this mailbox with the same app registration: Microsoft Graph throttles per app and mailbox"
	}
	b.reportMailError(ctx, rep, readFailing(fmt.Sprintf(
		"the %s mailbox %s has been refused for quota (too many requests) at every read since %s. To fix: %s.",
		provider, addr, since, fix)))
}

// readFailing is a run of failed reads that has lasted failReportAfter, said for the admins.
type readFailing string

func (q readFailing) Error() string { return string(q) }

// reportMailError tells the admins (or, without admins, the rep) that a mailbox cannot be read and
// what to fix: once a day while it lasts, at once when the reason changes.
func (b *Bot) reportMailError(ctx context.Context, rep string, cause error) {
	why := cause.Error()
	var ae *mailbox.AccessError
	if errors.As(cause, &ae) {
		why = fmt.Sprintf("%s (%s). To fix: %s.", ae.Mailbox, ae.Detail, ae.Fix)
	}
	b.log.Warn("mailbox cannot be read", "rep", rep, "err", cause)
	tell, err := b.store.MailError(ctx, rep, why, b.now())
	if err != nil || !tell {
		return
	}
	text := fmt.Sprintf(":warning: I cannot read %s's mailbox, so replies to their follow-ups are not seen: %s Everything else works as before.",
		mention(rep), escapeText(why))
	to := make([]string, 0, len(b.admins))
	for a := range b.admins {
		to = append(to, a)
	}
	if len(to) == 0 {
		to = append(to, rep)
	}
	slices.Sort(to)
	for _, u := range to {
		if _, _, err := b.postPaced(ctx, u, slack.MsgOptionText(text, false)); err != nil {
			b.log.Warn("mailbox error not reported", "to", u, "err", err)
		}
	}
}

// setMailbox sets the address the rep's mail is read at (settings mailbox=you@example.com), or
// goes back to the Slack profile email (mailbox=auto), and says so. It returns EINVALID for an
// address that is not an email address.
func (b *Bot) setMailbox(ctx context.Context, user, value string) (string, error) {
	value = strings.TrimSpace(value)
	addr := value
	if strings.EqualFold(value, "auto") || value == "" {
		addr = ""
	}
	if err := b.store.SetMailbox(ctx, user, addr); err != nil {
		return "", err
	}
	what := "Replies are now looked for in " + escapeText(strings.ToLower(addr)) + "."
	if addr == "" {
		what = "Replies are now looked for in the mailbox of your Slack profile's email address."
	}
	if b.cfg.Mail == nil {
		what += " No mailbox reader is configured yet, though: ask an admin to set FOLLOWUP_GMAIL_CREDENTIALS or FOLLOWUP_GRAPH_* (README: \"Replies seen without a click\")."
	}
	return what, nil
}

// mailboxLine says, for /followup settings, which mailbox is read for the rep's contacts' replies
// and where the address comes from; that no reader is configured; or why it cannot be read. With a
// reader configured it asks Slack for the profile email itself rather than wait for a running poll.
func (b *Bot) mailboxLine(ctx context.Context, rep string) string {
	mb, err := b.store.Mailbox(ctx, rep)
	if err != nil {
		b.log.Warn("mailbox not loaded for settings", "rep", rep, "err", err)
		return "unknown (the database could not be read)"
	}
	var line string
	switch {
	case mb.Address != "":
		line = escapeText(mb.Address) + " (set by you; `mailbox=auto` to use your Slack profile's email)"
	case b.cfg.Mail == nil:
		line = "your Slack profile's email"
	default:
		addr := ""
		if u, err := b.api.GetUserInfoContext(ctx, rep); err == nil && u != nil {
			addr = strings.ToLower(strings.TrimSpace(u.Profile.Email))
		}
		if addr == "" {
			line = "your Slack profile's email, which Slack does not give me: set one with `mailbox=you@example.com`"
		} else {
			line = escapeText(addr) + " (your Slack profile's email)"
		}
	}
	switch {
	case b.cfg.Mail == nil:
		line += " — not read: no mailbox reader is configured (an admin sets FOLLOWUP_GMAIL_CREDENTIALS or FOLLOWUP_GRAPH_*)"
	case mb.Error != "":
		line += " — cannot be read at the moment: " + escapeText(truncate(mb.Error, 300))
	default:
		line += ", read by " + map[string]string{"gmail": "Gmail", "graph": "Microsoft 365"}[b.cfg.Mail.Name()] + " for your contacts' replies"
	}
	return line
}

// homeMailbox is the mailbox line of the App Home's settings: the address set, or the Slack
// profile's email (not asked of Slack at every refresh), and whether it cannot be read; "" when no
// mailbox reader is configured.
func (b *Bot) homeMailbox(ctx context.Context, rep string) string {
	if b.cfg.Mail == nil {
		return ""
	}
	mb, err := b.store.Mailbox(ctx, rep)
	if err != nil {
		return ""
	}
	line := "your Slack profile's email"
	if mb.Address != "" {
		line = escapeText(mb.Address)
	}
	if mb.Error != "" {
		line += " — cannot be read at the moment (your admins were told)"
	}
	return line + " (`/followup settings` for more)"
}
