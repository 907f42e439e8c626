package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/mailbox"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
	"github.com/followup-bot/followup/store"
)

// MailStore is what reading mailboxes needs from the database (store/mail.go). Every method owns
// its transaction.
type MailStore interface {
	Mailbox(ctx context.Context, rep string) (cadence.Mailbox, error)
	SetMailbox(ctx context.Context, rep, address string) error
	SaveMailCursor(ctx context.Context, rep, provider, address, cursor string, seenUntil time.Time) error
	MailError(ctx context.Context, rep, why string, now time.Time) (bool, error)
	RecordMail(ctx context.Context, m cadence.MailSeen) (cadence.MailSeen, bool, error)
	MailSeen(ctx context.Context, id int64) (cadence.MailSeen, error)
	PendingMail(ctx context.Context) ([]cadence.MailSeen, error)
	MailActed(ctx context.Context, id int64, action string, prior cadence.Status, priorStep int, priorDue, now time.Time) error
	MailUndone(ctx context.Context, id int64, by string, now time.Time) error
	UndoMailOptOut(ctx context.Context, id int64, by string, now time.Time) ([]store.EnrollmentView, error)
}

var _ MailStore = (*store.DB)(nil)

// The bounds of FOLLOWUP_MAIL_POLL.
const (
	MinMailPoll = time.Second
	MaxMailPoll = time.Hour
)

// oooPause is how long an out-of-office pauses a follow-up when it names no return date.
const oooPause = 14 * 24 * time.Hour

// mailState is what the bot keeps about reading mailboxes.
type mailState struct {
	mu      sync.Mutex // one pass at a time: the scheduled job and a test's direct call never overlap
	emails  map[string]profileEmail
	failing map[string]failRun // rep → an unbroken run of reads failed for a passing reason
}

// profileEmail is a rep's Slack profile email as users.info gave it, asked again once a day.
type profileEmail struct {
	addr string
	at   time.Time
}

// scheduleMail adds the mailbox poll to the scheduler when a mailbox reader is configured: every
// Config.MailPoll, a singleton like the dispatch pass.
func (b *Bot) scheduleMail(s gocron.Scheduler, guard func(func(ctx context.Context)) func()) error {
	if b.cfg.Mail == nil {
		return nil
	}
	_, err := s.NewJob(gocron.DurationJob(b.mailPoll()), gocron.NewTask(guard(func(ctx context.Context) {
		if err := b.pollMail(ctx); err != nil {
			b.log.Error("mail poll", "err", err)
		}
	})), gocron.WithName("mail"), gocron.WithSingletonMode(gocron.LimitModeReschedule))
	if err != nil {
		return fmt.Errorf("schedule mail poll: %w", err)
	}
	return nil
}

// watched is one rep's running follow-ups, by their contact's email address.
type watched struct {
	rep      string
	contacts map[string]store.EnrollmentView
	since    time.Time // the earliest enrollment: nothing older is read
}

// pollMail reads every rep's mailbox once: first it finishes what a crash interrupted (messages
// kept but not acted on), then, a rep at a time, it reads the new messages from the contacts of
// the rep's running follow-ups, acts on each once, and saves how far it read. A mailbox that cannot
// be read is reported to the admins (once a day) and the others are read all the same; a mailbox
// the provider refuses for quota, or that fails for another passing reason, waits for the next
// poll, which goes on from where it stopped (see onReadFailed).
func (b *Bot) pollMail(ctx context.Context) error {
	if b.cfg.Mail == nil {
		return nil
	}
	b.mail.mu.Lock()
	defer b.mail.mu.Unlock()
	pending, err := b.store.PendingMail(ctx)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if err := b.actOnMail(ctx, m); err != nil {
			b.log.Warn("mail not acted on; will try again", "mail", m.ID, "err", err)
		}
	}
	views, err := b.store.ListEnrollments(ctx, "", cadence.StatusActive, cadence.StatusPaused)
	if err != nil {
		return err
	}
	for _, w := range watchList(views) {
		if ctx.Err() != nil {
			return nil
		}
		if run, ok := b.mail.failing[w.rep]; ok && b.now().Before(run.notBefore) {
			b.log.Debug("mailbox skipped: the provider asked to wait", "rep", w.rep, "until", run.notBefore)
			continue
		}
		addr, err := b.pollRep(ctx, w)
		switch {
		case err == nil || ctx.Err() != nil:
			delete(b.mail.failing, w.rep)
		case errors.Is(err, mailbox.ErrAccess):
			delete(b.mail.failing, w.rep)
			b.reportMailError(ctx, w.rep, err)
		default:
			b.onReadFailed(ctx, w.rep, addr, err)
		}
	}
	return nil
}

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
// if that is longer), which goes on from where it stopped, and the
// other reps' mailboxes are read all the same (quotas are per mailbox). When every read has failed
// so for failReportAfter, the admins are told what to check, once a day while it lasts. It is
// called with mail.mu held; the start of the run is kept in memory, so a restart starts the hour
// over.
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

// mailPoll is the interval mailboxes are read at.
func (b *Bot) mailPoll() time.Duration {
	if b.cfg.MailPoll <= 0 {
		return 2 * time.Minute
	}
	return b.cfg.MailPoll
}

// watchList groups the running follow-ups with an email address by rep, in a stable order.
func watchList(views []store.EnrollmentView) []watched {
	byRep := map[string]*watched{}
	for _, v := range views {
		if v.Contact.Email == "" || v.Contact.DoNotContact {
			continue
		}
		w := byRep[v.Enrollment.Owner]
		if w == nil {
			w = &watched{rep: v.Enrollment.Owner, contacts: map[string]store.EnrollmentView{}, since: v.Enrollment.CreatedAt}
			byRep[v.Enrollment.Owner] = w
		}
		w.contacts[strings.ToLower(v.Contact.Email)] = v
		if v.Enrollment.CreatedAt.Before(w.since) {
			w.since = v.Enrollment.CreatedAt
		}
	}
	out := make([]watched, 0, len(byRep))
	for _, w := range byRep {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rep < out[j].rep })
	return out
}

// mailboxOf returns the address of the rep's mailbox: the one set with settings mailbox=, else
// the rep's Slack profile email (users.info, asked once a day); "" when there is neither. It is
// called with mail.mu held.
func (b *Bot) mailboxOf(ctx context.Context, rep string, mb cadence.Mailbox) string {
	if mb.Address != "" {
		return mb.Address
	}
	now := b.now()
	if c, ok := b.mail.emails[rep]; ok && now.Sub(c.at) < tzRefresh {
		return c.addr
	}
	u, err := b.api.GetUserInfoContext(ctx, rep)
	if err != nil || u == nil {
		b.log.Debug("users.info failed; mailbox not read this time", "rep", rep, "err", err)
		return ""
	}
	addr := strings.ToLower(strings.TrimSpace(u.Profile.Email))
	if b.mail.emails == nil {
		b.mail.emails = map[string]profileEmail{}
	}
	b.mail.emails[rep] = profileEmail{addr: addr, at: now}
	return addr
}

// pollRep reads one rep's mailbox from where the last read ended, and returns its address.
func (b *Bot) pollRep(ctx context.Context, w watched) (string, error) {
	mb, err := b.store.Mailbox(ctx, w.rep)
	if err != nil {
		return "", err
	}
	addr := b.mailboxOf(ctx, w.rep, mb)
	if addr == "" {
		return "", fmt.Errorf("%w: Slack gives no email address for this rep (the app needs the users:read.email scope, see manifest.yaml), and none was set: ask them to run /followup settings mailbox=their@address", mailbox.ErrAccess)
	}
	r := b.cfg.Mail
	q := mailbox.Query{Mailbox: addr, Since: w.since}
	if mb.Provider == r.Name() && mb.CursorAddress == addr {
		q.Cursor = mb.Cursor
		if mb.SeenUntil.After(q.Since) {
			q.Since = mb.SeenUntil
		}
	}
	for a := range w.contacts {
		q.From = append(q.From, a)
	}
	slices.Sort(q.From)
	q.Want = func(from string) bool {
		a := classify.Address(from)
		_, ok := w.contacts[a]
		return ok || bounceSender(a)
	}
	batch, err := r.Read(ctx, q)
	if err != nil {
		return addr, err
	}
	seen := mb.SeenUntil
	for _, m := range batch.Messages {
		if err := b.onMail(ctx, w, r.Name(), m); err != nil {
			// Not saved as read: the next poll reads it again (and acts on it once).
			return addr, fmt.Errorf("act on a message in %s's mailbox: %w", w.rep, err)
		}
		if m.Received.After(seen) {
			seen = m.Received
		}
	}
	return addr, b.store.SaveMailCursor(ctx, w.rep, r.Name(), addr, batch.Cursor, seen)
}

// bounceSender reports the mail systems that send delivery status notifications.
func bounceSender(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	return local == "mailer-daemon" || local == "postmaster" || local == "mail-daemon"
}

// onMail classifies one message read from w's mailbox and, when it is from (or a bounce about)
// the contact of a running follow-up and says something about it, keeps it and acts on it.
func (b *Bot) onMail(ctx context.Context, w watched, provider string, m mailbox.Message) error {
	from := classify.Address(m.From)
	var res classify.Result
	var v store.EnrollmentView
	found := false
	if cv, ok := w.contacts[from]; ok {
		v, found = cv, true
		res = b.classify(ctx, classify.Message{From: m.From, Subject: m.Subject, Headers: m.Headers, Body: m.Body,
			Date: m.Received, Contact: cv.Contact.Email})
	} else if bounceSender(from) {
		// A bounce names the address it could not deliver to: find which contact's it is.
		for _, a := range sortedKeys(w.contacts) {
			r := classify.Rules(classify.Message{From: m.From, Subject: m.Subject, Headers: m.Headers, Body: m.Body,
				Date: m.Received, Contact: a})
			if r.Kind == classify.KindBounce {
				v, res, found = w.contacts[a], r, true
				break
			}
		}
	}
	if !found || res.Kind == classify.KindNone || m.Received.Before(v.Enrollment.CreatedAt) {
		return nil
	}
	snippet := ""
	if res.Kind != classify.KindBounce {
		snippet = classify.Snippet(m.Body)
	}
	rec, first, err := b.store.RecordMail(ctx, cadence.MailSeen{Rep: w.rep, Provider: provider, MessageID: m.ID,
		EnrollmentID: v.Enrollment.ID, ContactID: v.Contact.ID, Sender: from, Kind: string(res.Kind), Reason: res.Reason,
		ReturnDate: res.ReturnDate, Referral: res.Referral, Snippet: snippet, ReceivedAt: m.Received, SeenAt: b.now()})
	if err != nil {
		return err
	}
	if !first {
		return nil // read again after a restart or a restarted delta: acted on already (or pending)
	}
	b.log.Debug("mail from a contact", "rep", w.rep, "follow_up", v.Enrollment.ID, "kind", res.Kind)
	if err := b.actOnMail(ctx, rec); err != nil {
		b.log.Warn("mail not acted on; will try again", "mail", rec.ID, "err", err)
	}
	return nil
}

// classify asks the configured classifier, falling back to the rules when it fails.
func (b *Bot) classify(ctx context.Context, m classify.Message) classify.Result {
	if b.cfg.Classifier == nil {
		return classify.Rules(m)
	}
	r, err := b.cfg.Classifier.Classify(ctx, m)
	if err != nil {
		b.log.Warn("classifier failed; used the rules", "err", err)
		return classify.Rules(m)
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

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
