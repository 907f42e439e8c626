package bot

import (
	"context"
	"time"
)

// homeRefreshTimeout bounds one App Home refresh started after a change.
const homeRefreshTimeout = time.Minute

// refreshHomes republishes the App Home of each distinct rep whose Home this process has
// published, so their queue shows the change. A Home it has not published since it started is
// left alone: Slack sends app_home_opened each time a rep opens the Home tab, and the Home is
// published afresh then (onHomeOpened), so refreshing it now would cost a list of the rep's
// follow-ups for nothing.
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
		if !b.homeLive[u] {
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
				b.refreshHome(ctx, u)
				cancel()
				b.homeMu.Lock()
				if !b.homeBusy[u] {
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

// homePublished records that this process publishes user's Home, so changes refresh it from
// now on.
func (b *Bot) homePublished(user string) {
	b.homeMu.Lock()
	b.homeLive[user] = true
	b.homeMu.Unlock()
}
