package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
)

// Dispatch tuning. A claim's lease covers a draft, a paced DM and its retries; a touchpoint whose
// dispatcher died is claimed again once the lease ends, and then looked for in the DM conversation
// before anything is posted (see findPosted).
const (
	dispatchLease  = 5 * time.Minute
	dispatchBatch  = 200
	dispatchRounds = 100 // batches per pass at most, so a pass always ends
	// maxOutstanding bounds the claims held in memory at once: the next batch is claimed when the
	// reps' queues have room for it, so memory stays flat however large the backlog. (More is not
	// faster: with 2000, each claim walks past twice as many leased rows, and 10,000 reminders for
	// 500 reps took twice as long.)
	maxOutstanding = 1000
	// perRepQueue bounds one rep's queue: paced one a second, 30 take 30 s, well inside the lease,
	// and a rep with a large backlog never keeps the others' reminders from being claimed. A claim
	// beyond it is given back, to be claimed again when the queue has worked through.
	perRepQueue = 30
	// postParallel bounds the Web API calls and drafts in flight at once. A rep waiting for their
	// pacing slot holds none, so every rep's DMs go out side by side.
	postParallel = 32
	postInterval = time.Second
	// pacingMargin is added to each interval: the arrival read from a message's ts mixes Slack's
	// wall clock with ours, and a reading a few microseconds early must not bring two DMs to one
	// channel a hair under a second apart.
	pacingMargin   = time.Millisecond
	callTimeout    = 30 * time.Second // one Web API call; a timeout counts as a 5xx
	maxTransient   = 4                // tries of a DM on 5xx and timeouts before it is released
	maxRateLimited = 10               // 429s waited out for one DM before it is released
	firstBackoff   = 2 * time.Second  // doubled after each 5xx or timeout
	retryLater     = 5 * time.Minute  // when a released touchpoint is tried again after Slack failed
	retryMuchLater = 60 * time.Minute // after a failure that a retry is unlikely to fix soon
	freshClaim     = time.Second      // a claim younger than this is not read again before drafting
)

// busy takes one of the postParallel slots for a Web API call or a draft; release it with the
// returned function. It returns ctx's error when ctx ends first.
func (b *Bot) busy(ctx context.Context) (func(), error) {
	select {
	case b.posting <- struct{}{}:
		return func() { <-b.posting }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release gives a claimed touchpoint back, claimable again at at. A failure is logged, not
// returned: the caller is already reporting why it gives the claim back, and the lease ends by
// itself. The claim's token fences it: a claim taken over meanwhile is left alone.
func (b *Bot) release(ctx context.Context, c cadence.Claim, at time.Time) {
	if err := b.store.Release(context.WithoutCancel(ctx), c.Touch.ID, c.Attempts, at); err != nil {
		b.log.Error("release touchpoint", "touchpoint", c.Touch.ID, "err", err)
	}
}

// errStopDispatch ends the dispatch of one touchpoint without a DM: its follow-up was stopped,
// paused or moved on, its contact opted out, or another dispatcher took it over.
var errStopDispatch = errors.New("touchpoint no longer to be reminded")

// recheck re-reads a claimed touchpoint with its follow-up and the follow-up's details (renewing
// its lease when it runs low) and returns errStopDispatch unless a reminder is still due now, to
// the owner it was claimed for, and the claim is still this dispatcher's.
func (b *Bot) recheck(ctx context.Context, c cadence.Claim) (cadence.TouchView, *cadence.Details, error) {
	now := b.now()
	tv, d, err := b.store.Recheck(ctx, c.Touch.ID, c.Attempts, now, dispatchLease)
	return tv, &d, b.judgeClaim(c, tv.ClaimState(), err, now)
}

// recheckState is recheck for the moment before a post, which needs no view.
func (b *Bot) recheckState(ctx context.Context, c cadence.Claim) error {
	now := b.now()
	st, err := b.store.RecheckState(ctx, c.Touch.ID, c.Attempts, now, dispatchLease)
	return b.judgeClaim(c, st, err, now)
}

// judgeClaim tells from a claim read again (st, or the read's error) whether to go on with it.
func (b *Bot) judgeClaim(c cadence.Claim, st cadence.ClaimState, err error, now time.Time) error {
	switch {
	case errors.Is(err, cadence.ErrLeaseLost):
		b.log.Warn("claim taken over by another dispatcher; leaving it", "touchpoint", c.Touch.ID)
		return errStopDispatch
	case err != nil:
		return fmt.Errorf("recheck claimed touchpoint: %w", err)
	case !st.StillDue(now):
		b.log.Debug("touchpoint changed while being dispatched; not reminded", "touchpoint", c.Touch.ID)
		return errStopDispatch
	case st.Owner != c.Enrollment.Owner:
		// Reassigned meanwhile: the DM would go to the old owner, whose buttons answer "not
		// yours". Given back, it is claimed again for the new owner.
		b.log.Debug("follow-up reassigned while being dispatched; given back", "touchpoint", c.Touch.ID)
		return errStopDispatch
	}
	return nil
}

// dispatchOne handles one claimed touchpoint: it moves it into the rep's working time, stops the
// follow-up when its decision date passed, drafts the message once, and reminds the rep by DM,
// exactly once however often it is claimed. A panic is recovered: the claim is given back and
// the panic logged, so one bad touchpoint never takes the process down.
func (b *Bot) dispatchOne(ctx context.Context, c cadence.Claim) (err error) {
	defer func() {
		if r := recover(); r != nil {
			b.release(ctx, c, b.now().Add(retryLater))
			err = fmt.Errorf("dispatcher panicked (claim given back): %v", r)
		}
	}()
	now := b.now()
	// The claim may have waited in its rep's queue: a stop, opt-out, pause, outcome or snooze that
	// came meanwhile wins, so that a stopped follow-up never produces another DM. A claim taken
	// just now is as fresh as a re-read (and the touch is read again before the post anyway).
	// The re-read brings the follow-up's details along (on PostgreSQL one statement for both); a
	// fresh claim reads them below.
	tv, err := c.TouchView, error(nil)
	var details *cadence.Details
	if claimedAt := c.Touch.LeaseUntil.Add(-dispatchLease); c.Touch.LeaseUntil.IsZero() || now.Sub(claimedAt) > freshClaim {
		tv, details, err = b.recheck(ctx, c)
	}
	if errors.Is(err, errStopDispatch) {
		b.release(ctx, c, now) // ends the lease; nothing when it is closed or taken over
		return nil
	}
	if err != nil {
		b.release(ctx, c, now.Add(retryLater))
		return err
	}
	t, e := tv.Touch, tv.Enrollment
	w, rep, err := b.repWindow(ctx, e.Owner)
	if err != nil {
		b.release(ctx, c, now.Add(retryMuchLater))
		return err
	}
	if rep.Gone {
		b.release(ctx, c, now) // paused with the rep's other follow-ups; nothing more to do
		return errRepGone
	}
	if cadence.TimelinePassed(e, w, now) {
		return b.stopTimeline(ctx, c, tv, now)
	}
	if skipped, err := b.skipBlockedSMS(ctx, c, tv, w, now); skipped {
		return err
	}
	if !w.IsOpen(now) {
		next := w.Next(now)
		b.log.Debug("touchpoint moved into working time", "touchpoint", t.ID, "due", next)
		err := b.store.Reschedule(ctx, t.ID, c.Attempts, next)
		if errors.Is(err, cadence.ErrLeaseLost) {
			return nil
		}
		return err
	}

	if details == nil {
		d, err := b.store.Details(ctx, tv.Enrollment.ID)
		if err != nil {
			b.release(ctx, c, now.Add(retryLater))
			return fmt.Errorf("load details of %s: %w", tv.Enrollment.ID, err)
		}
		details = &d
	}
	v := b.dmViewWith(tv, w.Location, *details)
	var unsaved *cadence.Draft // a draft made for nothing, stored with the DM rather than before it
	if v.Touch.Draft == "" {
		// Drafted once: a draft a model wrote is stored before the DM is posted, so a retry or a
		// restart reuses it and never pays for it twice. A touch closed or taken over while it
		// was being drafted ends here.
		d, err := b.draft(ctx, v, rep, 0)
		switch {
		case err != nil && ctx.Err() != nil:
			b.release(ctx, c, b.now())
			return nil
		case err != nil:
			b.log.Warn("no draft for touchpoint; reminding without one", "touchpoint", t.ID, "err", err)
		case d.Source == prompts.SourceOffline && d.Fallback == "" && d.PromptTokens+d.CompletionTokens == 0:
			unsaved = &cadence.Draft{Text: d.Text(), Source: d.Source}
			v.Touch.Draft, v.Touch.DraftSource, v.Touch.DraftModel = unsaved.Text, d.Source, ""
		default:
			err := b.saveDraft(ctx, &v, d, c.Attempts)
			if code := cadence.ErrorCode(err); code == cadence.ECONFLICT || code == cadence.ENOTFOUND {
				b.log.Info("touchpoint closed or taken over while drafting; not reminded", "touchpoint", t.ID)
				b.release(ctx, c, b.now())
				return nil
			} else if err != nil {
				b.log.Warn("draft not saved; reminding with it", "touchpoint", t.ID, "err", err)
			}
		}
	}

	if c.Attempts > 1 {
		if done, err := b.foundEarlier(ctx, c, t, unsaved); done || err != nil {
			return err
		}
	}

	text, blocks := renderDM(v)
	ch, ts, err := b.postReminder(ctx, c, t, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionMetadata(touchMeta(t)))
	switch {
	case err == nil:
		b.metrics.Reminder("posted")
		return b.markReminded(ctx, c, ch, ts, unsaved)
	case errors.Is(err, errStopDispatch):
		b.release(ctx, c, b.now())
		return nil
	case isAuthFailure(err):
		b.release(ctx, c, b.now())
		return b.authFailed(err)
	case isGoneError(err):
		b.release(ctx, c, b.now())
		if err := b.repGone(ctx, e.Owner, err); err != nil {
			return err
		}
		return errRepGone
	case ctx.Err() != nil:
		// Shutting down mid-post: the DM may or may not exist; the next claim looks for it.
		return nil
	case isTransient(err):
		b.metrics.Reminder("failed")
		b.release(ctx, c, b.now().Add(retryLater))
		return fmt.Errorf("post reminder DM (retry in %s): %w", retryLater, err)
	default:
		b.metrics.Reminder("failed")
		b.release(ctx, c, b.now().Add(retryMuchLater))
		return fmt.Errorf("post reminder DM (retry in %s): %w", retryMuchLater, err)
	}
}

// foundEarlier looks for a DM of a re-claimed touchpoint posted by an earlier attempt, and
// records it when there is one. done is true when the claim is finished (found and recorded, or
// given back because the look-up failed).
func (b *Bot) foundEarlier(ctx context.Context, c cadence.Claim, t cadence.Touchpoint, d *cadence.Draft) (done bool, err error) {
	ch, ts, found, err := b.findPosted(ctx, c.Enrollment.Owner, t)
	if err != nil {
		if isAuthFailure(err) {
			b.release(ctx, c, b.now())
			return true, b.authFailed(err)
		}
		retry := b.now().Add(retryLater)
		if rl := (*slack.RateLimitedError)(nil); errors.As(err, &rl) {
			retry = b.now().Add(max(rl.RetryAfter, postInterval)) // as soon as Slack allows, not later
		}
		b.release(ctx, c, retry)
		return true, fmt.Errorf("look for an earlier DM: %w", err)
	}
	if !found {
		return false, nil
	}
	b.log.Info("reminder DM found from an earlier attempt", "touchpoint", t.ID)
	b.metrics.Reminder("recovered")
	return true, b.markReminded(ctx, c, ch, ts, d)
}

// markReminded records the DM of a touchpoint, with its draft when that was not stored yet (d).
// When the follow-up was stopped or paused, or its contact opted out, while the DM went out, the
// DM is re-rendered at once so that it shows no buttons that would only fail.
func (b *Bot) markReminded(ctx context.Context, c cadence.Claim, channel, ts string, d *cadence.Draft) error {
	touchID := c.Touch.ID
	var drafts []cadence.Draft
	if d != nil {
		drafts = append(drafts, *d)
	}
	err := b.store.MarkReminded(context.WithoutCancel(ctx), touchID, c.Attempts, channel, ts, b.now(), drafts...)
	if errors.Is(err, cadence.ErrLeaseLost) {
		// Only possible when another dispatcher took the claim over while this DM went out; it
		// finds this DM by its metadata before posting its own.
		b.log.Warn("claim taken over while its DM went out", "touchpoint", touchID)
		return nil
	}
	if code := cadence.ErrorCode(err); code != cadence.ECONFLICT && code != cadence.EOPTEDOUT {
		return err
	}
	v, lerr := b.loadDM(ctx, touchID)
	if lerr != nil {
		return lerr
	}
	v.Touch.DMChannel, v.Touch.DMTS = channel, ts
	if v.Touch.State == cadence.TouchPending && (v.Enrollment.Status.Ended() || v.Contact.DoNotContact) {
		v.Touch.State = cadence.TouchCancelled // the follow-up ended as the DM went out: show it closed
	}
	return b.updateDM(ctx, v)
}

// stopTimeline stops a follow-up whose decision date passed, and brings its DM and the rep's
// App Home up to date.
func (b *Bot) stopTimeline(ctx context.Context, cl cadence.Claim, c cadence.TouchView, now time.Time) error {
	ch, err := b.changeIn(ctx, "bot", c.Enrollment.ID, cadence.Cadence{}, cadence.Window{}, func(_ cadence.Cadence, cur cadence.EnrollmentView, _ cadence.Window, _ time.Time) (cadence.Change, error) {
		if cur.Enrollment.Status != cadence.StatusActive {
			return cadence.Change{}, errNotOpen
		}
		return cadence.Stop(cur.Enrollment, cadence.StopTimelinePassed, "", now)
	})
	if errors.Is(err, errNotOpen) {
		return nil
	}
	if err != nil {
		b.release(ctx, cl, now.Add(retryLater))
		return fmt.Errorf("stop follow-up %s (timeline passed): %w", c.Enrollment.ID, err)
	}
	b.log.Info("follow-up stopped: decision date passed", "follow_up", c.Enrollment.ID)
	ch.By, ch.At = "bot", now
	b.publish(ctx, ch)
	return nil
}

// draft asks the drafter for the message of v's touchpoint from the given angle.
func (b *Bot) draft(ctx context.Context, v dmView, rep cadence.Rep, angle int) (prompts.Draft, error) {
	done, err := b.busy(ctx)
	if err != nil {
		return prompts.Draft{}, err
	}
	defer done()
	return b.cfg.Drafter.Draft(ctx, b.draftRequest(v, rep, angle))
}

// saveDraft stores d with v's touchpoint and puts it into v. token is the dispatcher's claim
// token, 0 for a draft a person asked for.
func (b *Bot) saveDraft(ctx context.Context, v *dmView, d prompts.Draft, token int) error {
	text := d.Text()
	if err := b.store.SaveDraft(ctx, v.Touch.ID, token, text, d.Source, d.Model, d.PromptTokens, d.CompletionTokens); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	v.Touch.Draft, v.Touch.DraftSource, v.Touch.DraftModel = text, d.Source, d.Model
	return nil
}

// draftInto drafts the message of v's touchpoint from the given angle, stores it with the
// touchpoint and puts it into v (a person's "New draft").
func (b *Bot) draftInto(ctx context.Context, v *dmView, rep cadence.Rep, angle, token int) error {
	d, err := b.draft(ctx, *v, rep, angle)
	if err != nil {
		return err
	}
	return b.saveDraft(ctx, v, d, token)
}

// draftRequest builds the drafter's request for v's touchpoint.
func (b *Bot) draftRequest(v dmView, rep cadence.Rep, angle int) prompts.Request {
	e := v.Enrollment
	r := prompts.Request{
		Contact: v.Contact, Trigger: e.Trigger, TriggerAt: e.TriggerAt,
		CadenceName: v.Cadence.Name, Goal: v.Cadence.Goal,
		StepIndex: v.Touch.Step + 1, StepCount: len(v.Cadence.Steps), Step: v.step(),
		Intent: e.Intent, Note: e.Note, RepName: rep.Name, Now: b.now(), Location: v.Loc, Angle: angle,
	}
	draftExtras(&r, e, rep)
	for _, s := range v.Signals {
		r.Signals = append(r.Signals, s.Text)
	}
	for _, t := range v.Earlier {
		if t.State != cadence.TouchDone {
			continue
		}
		var st cadence.Step
		if t.Step < len(v.Cadence.Steps) {
			st = v.Cadence.Steps[t.Step]
		}
		r.Earlier = append(r.Earlier, prompts.Earlier{Step: t.Step + 1, Channel: st.Channel, Purpose: st.Purpose,
			Draft: t.Draft, Outcome: t.Outcome})
	}
	return r
}

// touchMeta is the message metadata of a reminder DM. It names the touchpoint and, for people
// reading the metadata, the due time it reminds of. findPosted does not match on the due time: a
// re-claimed touchpoint may have been moved into working hours since its DM went out.
func touchMeta(t cadence.Touchpoint) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: touchMetaType, EventPayload: map[string]any{
		"touchpoint_id": t.ID, "due": t.Due.UnixMilli(),
	}}
}

// findPosted looks in the rep's DM conversation for a reminder DM of touchpoint t posted by an
// earlier attempt that died before recording it (a crash between chat.postMessage and
// MarkReminded), by the message metadata every reminder carries: a DM naming t that is newer than
// t's last recorded DM (a snoozed touchpoint keeps its old DM, which must not count).
func (b *Bot) findPosted(ctx context.Context, user string, t cadence.Touchpoint) (channel, ts string, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 3*callTimeout)
	defer cancel()
	ch, _, _, err := b.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", "", false, fmt.Errorf("conversations.open: %w", err)
	}
	params := &slack.GetConversationHistoryParameters{ChannelID: ch.ID, Limit: 200, IncludeAllMetadata: true}
	for range 5 {
		h, err := b.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return "", "", false, fmt.Errorf("conversations.history: %w", err)
		}
		for _, m := range h.Messages {
			if m.Metadata.EventType == touchMetaType && metaInt(m.Metadata.EventPayload["touchpoint_id"]) == t.ID &&
				tsAfter(m.Timestamp, t.DMTS) {
				return ch.ID, m.Timestamp, true, nil
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
	return "", "", false, nil
}

// tsAfter reports whether Slack message ts a is later than b; every ts is later than "".
func tsAfter(a, b string) bool {
	if b == "" {
		return true
	}
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) > len(bs)
	}
	if as != bs {
		return as > bs
	}
	return af+strings.Repeat("0", max(0, len(bf)-len(af))) > bf+strings.Repeat("0", max(0, len(af)-len(bf)))
}

// metaInt reads a number from decoded metadata (a float64 from JSON, or an int64 as posted).
func metaInt(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return -1
}

// repGone pauses the follow-ups of a rep Slack no longer knows and tells every admin, once: a
// rep already marked gone pauses nothing new and no admin is told again.
func (b *Bot) repGone(ctx context.Context, user string, cause error) error {
	ctx = context.WithoutCancel(ctx)
	paused, err := b.store.MarkRepGone(ctx, user, b.now())
	if err != nil {
		return fmt.Errorf("mark rep %s gone: %w", user, err)
	}
	b.log.Warn("rep is gone from Slack; follow-ups paused", "user", user, "paused", len(paused), "cause", cause)
	if len(paused) == 0 {
		return nil
	}
	ids := make([]string, 0, len(paused))
	for _, e := range paused {
		ids = append(ids, "`"+e.ID+"`")
	}
	text := fmt.Sprintf("Slack no longer knows <@%s> (%s), so their reminders cannot be delivered. "+
		"I paused their %d follow-up(s): %s. Reassign them with `/followup reassign <id> @someone`.",
		user, slackCode(cause), len(paused), truncate(strings.Join(ids, ", "), 2000))
	for _, admin := range b.cfg.Admins {
		if admin == user {
			continue
		}
		if _, _, err := b.postPaced(ctx, admin, slack.MsgOptionText(text, false)); err != nil {
			b.log.Error("tell an admin that a rep is gone", "admin", admin, "err", err)
		}
	}
	return nil
}

func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return err.Error()
}

// sleep waits d on the scheduler's clock (a fake one in tests), or until ctx is done.
func (b *Bot) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-b.clock().After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clock returns the configured clock (New sets the real one when none is given).
func (b *Bot) clock() clockwork.Clock { return b.cfg.Clock }
