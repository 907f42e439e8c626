package bot

import (
	"context"
	"time"
)

// homeRefreshTimeout bounds one App Home refresh started after a change.
const homeRefreshTimeout = time.Minute

// refreshHomes republishes the App Home of each distinct rep, so their queue shows the change.
// It does so beside the caller, not before it returns: a Home is a list of the rep's follow-ups,
// as costly as `/followup list`, and the person who made the change is waiting for the answer,
// not for the Home. Changes for a rep whose Home is being refreshed are folded into one more
// refresh once it is done, so a burst of changes publishes the Home twice, not once per change.
// The refreshes are tracked by b.work, so a shutdown waits for them.
func (b *Bot) refreshHomes(_ context.Context, users ...string) {
	for _, u := range users {
		if u == "" {
			continue
		}
		b.homeMu.Lock()
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
