package bot

import (
	"sync"
	"time"
)

// limiter counts events per key in a sliding window: at most max in any window. It guards
// requests that cost something (a model call, a report) against a person or a script repeating
// them. Its zero value is ready; it lives in memory, so a restart forgets it.
type limiter struct {
	mu   sync.Mutex
	seen map[string][]time.Time // key → times of the events still inside the window
}

// allow records an event for key at now and reports whether it is within max per window; when it
// is not, nothing is recorded and wait says how long until the next one is allowed.
func (l *limiter) allow(key string, now time.Time, max int, window time.Duration) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]time.Time{}
	}
	kept := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= max {
		l.seen[key] = kept
		return false, window - now.Sub(kept[0])
	}
	l.seen[key] = append(kept, now)
	return true, 0
}
