package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// tzRefresh is how long a time zone read from users.info is trusted before it is asked again.
const tzRefresh = 24 * time.Hour

// tzRetry is how soon users.info is asked again after it failed.
const tzRetry = 10 * time.Minute

// rep returns the rep's stored settings, creating them on first sight, and refreshes the time zone
// from users.info once a day unless the rep set it with "settings tz=". A users.info failure keeps
// the last known zone (or the team's) and is logged, so a Slack hiccup never blocks a command.
// users.info is asked outside any lock, so one slow answer holds up no other rep; the answer is
// then applied to the settings as stored by then, so settings saved meanwhile are kept.
func (b *Bot) rep(ctx context.Context, userID string) (cadence.Rep, error) {
	r, err := b.loadRep(ctx, userID)
	if err != nil {
		return cadence.Rep{}, err
	}
	if !b.tzStale(r) {
		return r, nil
	}
	u, uerr := b.api.GetUserInfoContext(ctx, userID)
	if uerr != nil {
		b.log.Warn("users.info failed; keeping the last known time zone", "user", userID, "err", uerr)
	}
	if uerr == nil && u.Deleted && !r.Gone {
		// The daily refresh is where a rep who left is seen: their follow-ups are paused and the
		// admins told, once (repGone does nothing for a rep already marked gone).
		if err := b.repGone(ctx, userID, errRepDeactivated); err != nil {
			b.log.Error("pause the follow-ups of a deactivated rep", "user", userID, "err", err)
		}
	}
	// What Slack said is a copy: saved without waiting for the database's disk (RefreshRep).
	r, err = b.store.RefreshRep(ctx, userID, func(r *cadence.Rep) (bool, error) {
		if !b.tzStale(*r) {
			return false, nil // refreshed or set by the rep while users.info was asked
		}
		r.TZCheckedAt = b.now()
		if uerr != nil {
			// Ask again in tzRetry rather than on every request, so a Slack outage is not hammered.
			r.TZCheckedAt = r.TZCheckedAt.Add(tzRetry - tzRefresh)
			return true, nil
		}
		r.Name = cadence.StripBidi(displayName(u))
		if u.Deleted {
			r.Gone = true // set by repGone above; kept so
		} else if r.Gone {
			r.Gone = false // back in Slack: reminded again once an admin resumes their follow-ups
		}
		if _, lerr := time.LoadLocation(u.TZ); u.TZ != "" && lerr == nil && !r.TZManual {
			r.TimeZone = u.TZ
		}
		return true, nil
	})
	return repSaved(userID, r, err)
}

// errRepDeactivated is why a rep whom users.info reports as deleted is gone.
var errRepDeactivated = errors.New("account deactivated")

// refreshBudget is how long work with a short deadline waits for a users.info refresh before it
// goes on with what is stored.
const refreshBudget = 700 * time.Millisecond

// quickWindow is repWindow for work with a short deadline (a modal submission, answered in an ack
// Slack waits 3 s for): a users.info refresh that is due runs in the background and is waited
// for at most refreshBudget; after that the rep's stored settings (or the team's) are used, and
// the refresh finishes on its own.
func (b *Bot) quickWindow(ctx context.Context, userID string) (cadence.Window, error) {
	r, err := b.loadRep(ctx, userID)
	if err != nil {
		return cadence.Window{}, err
	}
	if b.tzStale(r) {
		type result struct {
			r   cadence.Rep
			err error
		}
		done := make(chan result, 1)
		b.goNow("rep.refresh", func(ctx context.Context) error {
			r, err := b.rep(ctx, userID)
			done <- result{r, err}
			return err
		})
		t := time.NewTimer(refreshBudget)
		defer t.Stop()
		select {
		case res := <-done:
			if res.err == nil {
				r = res.r
			}
		case <-t.C:
			b.log.Debug("users.info slow; going on with the stored settings", "user", userID)
		case <-ctx.Done():
		}
	}
	w, err := r.Window(b.cfg.Team)
	if err != nil {
		return cadence.Window{}, fmt.Errorf("working window of %s: %w", userID, err)
	}
	return w, nil
}

// tzStale reports whether the rep should be read from users.info again: once a day, also when the
// rep set their zone by hand (which is then kept), as the refresh is where a rep who left is seen.
func (b *Bot) tzStale(r cadence.Rep) bool {
	return r.TZCheckedAt.IsZero() || b.now().Sub(r.TZCheckedAt) >= tzRefresh
}

// loadRep reads the rep's stored settings, or empty ones for a rep not seen before.
func (b *Bot) loadRep(ctx context.Context, userID string) (cadence.Rep, error) {
	r, err := b.store.GetRep(ctx, userID)
	switch {
	case cadence.ErrorCode(err) == cadence.ENOTFOUND:
		return cadence.Rep{UserID: userID}, nil
	case err != nil:
		return cadence.Rep{}, fmt.Errorf("load rep %s: %w", userID, err)
	}
	return r, nil
}

// updateRep reads the rep's settings, lets change modify them and saves them when it says so, in
// one transaction that holds the rep (store.UpdateRep), so that two changes of one rep (a command
// and a time-zone refresh by the dispatcher), on this replica or another, never undo each other,
// while changes of different reps go side by side. It returns the settings as stored afterwards.
func (b *Bot) updateRep(ctx context.Context, userID string, change func(*cadence.Rep) (save bool, err error)) (cadence.Rep, error) {
	r, err := b.store.UpdateRep(ctx, userID, change)
	return repSaved(userID, r, err)
}

// repSaved is what saving a rep's settings returns to the bot: a database failure wrapped with the
// rep, a coded error (and change's own) as it is.
func repSaved(userID string, r cadence.Rep, err error) (cadence.Rep, error) {
	if err != nil && cadence.ErrorCode(err) == cadence.EINTERNAL {
		return cadence.Rep{}, fmt.Errorf("save rep %s: %w", userID, err)
	}
	return r, err
}

// repWindow returns the rep's working window: their settings over the team defaults.
func (b *Bot) repWindow(ctx context.Context, userID string) (cadence.Window, cadence.Rep, error) {
	r, err := b.rep(ctx, userID)
	if err != nil {
		return cadence.Window{}, r, err
	}
	w, err := r.Window(b.cfg.Team)
	if err != nil {
		return cadence.Window{}, r, fmt.Errorf("working window of %s: %w", userID, err)
	}
	return w, r, nil
}

// authorize returns a coded EFORBIDDEN error unless actor owns the enrollment or is an admin.
func (b *Bot) authorize(actor string, e cadence.Enrollment) error {
	if actor == e.Owner || b.isAdmin(actor) {
		return nil
	}
	return cadence.Errorf(cadence.EFORBIDDEN, "Follow-up %s is not yours: it belongs to <@%s>. Only its owner or an admin can change it.", e.ID, e.Owner)
}

func displayName(u *slack.User) string {
	switch {
	case u == nil:
		return ""
	case u.Profile.DisplayName != "":
		return u.Profile.DisplayName
	case u.RealName != "":
		return u.RealName
	}
	return u.Name
}
