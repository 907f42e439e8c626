package bot

import (
	"context"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// homeRefreshTimeout bounds one App Home refresh started after a change.
const homeRefreshTimeout = time.Minute

// refreshHomes republishes the App Home of each distinct rep whose Home has been published, so
// their queue shows the change. A Home nobody has published is left alone: Slack sends
// app_home_opened each time a rep opens the Home tab, and the Home is published afresh then
// (onHomeOpened), so refreshing it now would cost a list of the rep's follow-ups for nothing.
//
// A Home published by this process is known here. With several replicas on one database
// (Config.Elector set), a rep's Home may have been published by another replica, which Slack
// handed the app_home_opened to: each replica records the Homes it publishes in the database
// (homeKey), and a change a replica makes looks there for the reps it has not published itself,
// so a click answered by replica B refreshes the Home replica A published.
//
// The refresh runs beside the caller, not before it returns: a Home is as costly as
// `/followup list`, and the person who made the change is waiting for the answer, not for the
// Home. Changes for a rep whose Home is being refreshed are folded into one more refresh once it
// is done, so a burst of changes publishes the Home twice, not once per change. The refreshes
// are tracked by b.work, so a shutdown waits for them.
func (b *Bot) refreshHomes(_ context.Context, users ...string) {
	for _, u := range users {
		if u == "" {
			continue
		}
		b.homeMu.Lock()
		live := b.homeLive[u]
		if !live && !b.sharedHomes() {
			b.homeMu.Unlock()
			continue
		}
		if _, busy := b.homeBusy[u]; busy {
			b.homeBusy[u] = true // the refresh under way may have read the Home before this change
			b.homeMu.Unlock()
			continue
		}
		b.homeBusy[u] = false
		b.homeMu.Unlock()

		b.work.Add(1)
		go func() {
			defer b.work.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), homeRefreshTimeout)
				if live || b.homeSeenElsewhere(ctx, u) {
					live = true
					b.refreshHome(ctx, u)
				}
				cancel()
				b.homeMu.Lock()
				if !live || !b.homeBusy[u] {
					delete(b.homeBusy, u)
					b.homeMu.Unlock()
					return
				}
				b.homeBusy[u] = false
				b.homeMu.Unlock()
			}
		}()
	}
}

// sharedHomes says whether other replicas may publish Homes on this database.
func (b *Bot) sharedHomes() bool { return b.cfg.Elector != nil }

// homeKey is the setting that says a replica has published user's Home.
func homeKey(user string) string { return "home.published." + user }

// homeSeenElsewhere reports whether another replica has published user's Home (homeKey).
func (b *Bot) homeSeenElsewhere(ctx context.Context, user string) bool {
	v, err := b.store.Setting(ctx, homeKey(user))
	if err != nil {
		if cadence.ErrorCode(err) != cadence.ENOTFOUND {
			b.log.Warn("app home: could not read whether another replica publishes it", "user", user, "err", err)
		}
		return false
	}
	return v != ""
}

// homePublished records that user's Home is published, so changes refresh it from now on: in
// this process, and, with several replicas, in the database for the others (once per process).
func (b *Bot) homePublished(ctx context.Context, user string) {
	b.homeMu.Lock()
	known := b.homeLive[user]
	b.homeLive[user] = true
	b.homeMu.Unlock()
	if known || !b.sharedHomes() {
		return
	}
	if err := b.store.PutSetting(ctx, homeKey(user), b.now().UTC().Format(time.RFC3339)); err != nil {
		b.log.Warn("app home: could not record it for the other replicas", "user", user, "err", err)
	}
}
