package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// postHooks let a paced post check before every attempt and look for its message after an
// answer that was lost.
type postHooks struct {
	// before runs after the pacing wait, immediately before each attempt; an error ends the post
	// without sending.
	before func(ctx context.Context) error
	// lost runs after an attempt whose outcome is unknown (a timeout, a dropped connection, a
	// 5xx, internal_error: Slack may have stored the message) and before the next attempt; when
	// it finds the message, the post is done.
	lost func(ctx context.Context) (channel, ts string, found bool, err error)
}

// postReminder posts the reminder DM of a claimed touchpoint, paced. Before every attempt the
// touchpoint is read again (errStopDispatch when it is no longer to be reminded, or was taken
// over), and after an answer that was lost the DM conversation is searched for the DM before it
// is posted again, so the rep never gets it twice.
func (b *Bot) postReminder(ctx context.Context, c cadence.Claim, t cadence.Touchpoint, opts ...slack.MsgOption) (string, string, error) {
	return b.postHooked(ctx, c.Enrollment.Owner, postHooks{
		before: func(ctx context.Context) error { return b.recheckState(ctx, c) },
		lost: func(ctx context.Context) (string, string, bool, error) {
			return b.findPosted(ctx, c.Enrollment.Owner, t)
		},
	}, opts...)
}

// postPaced posts a message to a user's DM, paced to one message a second per channel. A 429
// is waited out as its Retry-After says; 5xx and timeouts are retried with backoff, up to a bound.
func (b *Bot) postPaced(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	return b.postHooked(ctx, channel, postHooks{}, opts...)
}

// postHooked is postPaced with hooks.
func (b *Bot) postHooked(ctx context.Context, channel string, hooks postHooks, opts ...slack.MsgOption) (string, string, error) {
	backoff := firstBackoff
	transient, limited := 0, 0
	for {
		// The check before the post runs in the last moments of the pacing wait, so that its
		// read does not add to every interval of a rep's paced queue.
		wait := b.pacer.reserve(channel, b.now())
		if err := b.sleep(ctx, wait-checkLead); err != nil {
			return "", "", err
		}
		slot := b.now().Add(min(wait, checkLead))
		if hooks.before != nil {
			if err := hooks.before(ctx); err != nil {
				return "", "", err
			}
		}
		if err := b.sleep(ctx, slot.Sub(b.now())); err != nil {
			return "", "", err
		}
		done, err := b.busy(ctx)
		if err != nil {
			return "", "", err
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		sent := b.now()
		ch, ts, err := b.api.PostMessageContext(cctx, channel, opts...)
		cancel()
		done()
		// Space the next message from when this one arrived at Slack, not from when it left:
		// Slack counts arrivals, and a slow call must not let two messages arrive less than a
		// second apart. The arrival is bounded by the answer, and, through the message's ts
		// (Slack's clock at arrival), often earlier (pacer.arrival).
		answered := b.now()
		arrived := answered
		if err == nil {
			arrived = b.pacer.arrival(ts, sent, answered)
		}
		b.pacer.hold(channel, arrived.Add(postInterval+pacingMargin))
		if err == nil {
			return ch, ts, nil
		}
		var rl *slack.RateLimitedError
		switch {
		case ctx.Err() != nil:
			return "", "", err
		case errors.As(err, &rl) && limited < maxRateLimited:
			limited++
			b.log.Warn("slack rate limit; waiting", "channel", channel, "retry_after", rl.RetryAfter)
			b.metrics.RateLimited(rl.RetryAfter)
			b.pacer.hold(channel, b.now().Add(max(rl.RetryAfter, postInterval)))
		case isTransient(err) && transient < maxTransient-1:
			transient++
			b.log.Warn("slack failed; retrying", "channel", channel, "in", backoff, "err", err)
			if err := b.sleep(ctx, backoff); err != nil {
				return "", "", err
			}
			backoff *= 2
			if hooks.lost != nil && answerLost(err) {
				lch, lts, found, lerr := hooks.lost(ctx)
				if lerr != nil {
					// Not knowing whether the first went out, post nothing: the claim is given
					// back, and the next one looks again before it posts.
					return "", "", fmt.Errorf("look for a DM whose answer was lost (%v): %w", err, lerr)
				}
				if found {
					b.log.Info("DM found after its answer was lost", "channel", channel)
					return lch, lts, nil
				}
			}
		default:
			return "", "", err
		}
	}
}

// checkLead is how long before its pacing slot a post's check (postHooks.before) runs.
const checkLead = 50 * time.Millisecond

// answerLost reports whether a failed post may have been stored by Slack all the same: the
// answer never came (timeout, dropped connection), or Slack said so (a 5xx, internal_error,
// fatal_error, request_timeout). A 429 and any other error mean it was not.
func answerLost(err error) bool {
	var rl *slack.RateLimitedError
	return isTransient(err) && !errors.As(err, &rl)
}

// errRepGone ends the dispatch of a rep whom Slack no longer knows.
var errRepGone = errors.New("rep is gone from Slack")

// isTransient reports whether a Slack call failed in a way a later retry may fix: a 5xx, a 429,
// a timeout or a dropped connection.
func isTransient(err error) bool {
	var sc slack.StatusCodeError
	var rl *slack.RateLimitedError
	var ne net.Error
	switch {
	case errors.As(err, &sc):
		return sc.Code >= 500
	case errors.As(err, &rl):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return true
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == "internal_error" || se.Err == "fatal_error" || se.Err == "service_unavailable" || se.Err == "request_timeout"
	}
	return false
}

// isGoneError reports whether Slack says the user no longer exists or was deactivated.
// account_inactive is not one of these: it is about the bot's own token (isAuthFailure).
func isGoneError(err error) bool {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		s := err.Error()
		return s == "user_not_found" || s == "user_disabled"
	}
	switch se.Err {
	case "user_not_found", "user_disabled":
		return true
	}
	return false
}

// pacer spaces messages to the same channel postInterval apart, as Slack allows about one message
// a second per channel; messages to different channels are not held back. Its zero value is ready.
type pacer struct {
	mu   sync.Mutex
	next map[string]time.Time // channel → earliest time of its next message

	// skew holds recent lower bounds of Slack's clock minus ours (pacer.arrival), newest last;
	// base is the first answer, which ours is read from.
	skew []time.Duration
	base time.Time
}

// skewWindow is how many recent posts bound the clocks' difference: enough that one post whose
// answer came back at once makes the bound tight, few enough that a clock step is soon forgotten.
const skewWindow = 64

// arrival returns the latest time, on our clock, at which a message Slack stamped ts can have
// arrived there, given that it was sent at sent and answered at answered. A message's ts is
// Slack's clock when it arrived, and it arrived between sent and answered; so for every post
// ts − answered is at most the difference of the clocks (Slack's minus ours), and the largest
// of the recent ones is a lower bound D of it. The message arrived at ts − (true difference) ≤
// ts − D on our clock. Pacing from that bound instead of from the answer saves the answer's way
// back on every interval, and never lets two messages arrive less than a second apart. Our side
// is read on the monotonic clock (the first answer's wall time plus the time elapsed since), so
// a step of our wall clock cannot make D too large; were Slack's clock to step back, D would be
// too large for the next skewWindow posts, and the result is kept within [sent, answered], so
// that costs at most one call's way there, and an unreadable ts only the saving.
func (p *pacer) arrival(ts string, sent, answered time.Time) time.Time {
	at, ok := parseTS(ts)
	if !ok {
		return answered
	}
	p.mu.Lock()
	if p.base.IsZero() {
		p.base = answered
	}
	ours := p.base.Round(0).Add(answered.Sub(p.base)) // answered, on a clock that does not step
	p.skew = append(p.skew, at.Sub(ours))
	if len(p.skew) > skewWindow {
		p.skew = p.skew[len(p.skew)-skewWindow:]
	}
	d := p.skew[0]
	for _, s := range p.skew[1:] {
		d = max(d, s)
	}
	p.mu.Unlock()
	arrived := answered.Add(at.Add(-d).Sub(ours))
	if arrived.After(answered) {
		arrived = answered
	}
	if arrived.Before(sent) {
		arrived = sent
	}
	return arrived
}

// parseTS reads a Slack message timestamp ("1712345678.123456", seconds and microseconds).
func parseTS(ts string) (time.Time, bool) {
	sec, frac, ok := strings.Cut(ts, ".")
	if !ok || len(frac) != 6 {
		return time.Time{}, false
	}
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || us < 0 {
		return time.Time{}, false
	}
	return time.Unix(s, us*1000), true
}

// reserve books the next slot for a message to channel and returns how long to wait for it.
func (p *pacer) reserve(channel string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == nil {
		p.next = map[string]time.Time{}
	}
	at := p.next[channel]
	if at.Before(now) {
		at = now
	}
	p.next[channel] = at.Add(postInterval)
	return at.Sub(now)
}

// hold keeps channel quiet until at (a 429's Retry-After).
func (p *pacer) hold(channel string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == nil {
		p.next = map[string]time.Time{}
	}
	if at.After(p.next[channel]) {
		p.next[channel] = at
	}
}

// isAuthFailure reports whether Slack says the bot's own token no longer works: the app was
// uninstalled, the token revoked or expired, or the account that installed it deactivated.
func isAuthFailure(err error) bool {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return false
	}
	switch se.Err {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired":
		return true
	}
	return false
}

// authFailed handles a bot token Slack refused in the middle of work: nothing more can be posted,
// so dispatching stops, the caller gives its claim back, and Run returns an error wrapping
// ErrAuth saying what to fix (the process exits non-zero, so a supervisor restarts it once the
// token is fixed). The returned error wraps ErrAuth.
func (b *Bot) authFailed(cause error) error {
	err := fmt.Errorf("%w: Slack said %q for SLACK_BOT_TOKEN: the token was revoked or expired, the app was uninstalled, "+
		"or the account that installed it was deactivated; reinstall the app and set SLACK_BOT_TOKEN to its current Bot "+
		"User OAuth Token (xoxb-…) (README: \"Create the Slack app\")", ErrAuth, slackCode(cause))
	b.authOnce.Do(func() {
		b.authBroken.Store(true)
		b.log.Error("slack bot token refused; dispatching stopped, claims given back, shutting down", "err", err)
		select {
		case b.fatal <- err:
		default:
		}
	})
	return err
}
