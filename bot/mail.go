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

	"github.com/followup-bot/followup/bot/mailbox"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
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
	UndoMailOptOut(ctx context.Context, id int64, by string, now time.Time) ([]cadence.EnrollmentView, error)
}

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
	contacts map[string]cadence.EnrollmentView
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

// mailPoll is the interval mailboxes are read at.
func (b *Bot) mailPoll() time.Duration {
	if b.cfg.MailPoll <= 0 {
		return 2 * time.Minute
	}
	return b.cfg.MailPoll
}

// watchList groups the running follow-ups with an email address by rep, in a stable order.
func watchList(views []cadence.EnrollmentView) []watched {
	byRep := map[string]*watched{}
	for _, v := range views {
		if v.Contact.Email == "" || v.Contact.DoNotContact {
			continue
		}
		w := byRep[v.Enrollment.Owner]
		if w == nil {
			w = &watched{rep: v.Enrollment.Owner, contacts: map[string]cadence.EnrollmentView{}, since: v.Enrollment.CreatedAt}
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
func bounceSender(addr string) bool { return classify.BounceSender(addr) }

// onMail classifies one message read from w's mailbox and, when it is from (or a bounce about)
// the contact of a running follow-up and says something about it, keeps it and acts on it.
func (b *Bot) onMail(ctx context.Context, w watched, provider string, m mailbox.Message) error {
	from := classify.Address(m.From)
	var res classify.Result
	var v cadence.EnrollmentView
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
