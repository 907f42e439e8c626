package bot

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func slackTS(t time.Time) string { return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000) }

// TestPacerArrivalIsALatestArrival: whatever the clocks' difference and the calls' ways there
// and back, the arrival the pacer paces from is never before the message truly arrived (so two
// DMs never arrive less than a second apart) and never after the answer (so pacing is never
// slower than from the answer); while an answer that came back at once is among the recent
// skewWindow, it is within a few microseconds of the truth.
func TestPacerArrivalIsALatestArrival(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, skew := range []time.Duration{0, 5 * time.Second, -3 * time.Second, 1234567 * time.Microsecond} {
		var p pacer
		now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
		saved := time.Duration(0)
		for i := range 200 {
			there := time.Duration(rng.IntN(80_000)) * time.Microsecond
			back := time.Duration(rng.IntN(80_000)) * time.Microsecond
			if i == 50 {
				back = 0 // one answer that came straight back
			}
			sent := now
			arrivedTrue := sent.Add(there)
			answered := arrivedTrue.Add(back)
			got := p.arrival(slackTS(arrivedTrue.Add(skew)), sent, answered)
			if got.Before(arrivedTrue.Truncate(time.Microsecond)) {
				t.Fatalf("skew %v, post %d: paced from %v, before the true arrival %v", skew, i, got, arrivedTrue)
			}
			if got.After(answered) {
				t.Fatalf("skew %v, post %d: paced from %v, after the answer %v", skew, i, got, answered)
			}
			if i > 50 && i < 50+skewWindow && got.Sub(arrivedTrue) > 2*time.Microsecond {
				t.Errorf("skew %v, post %d: paced from %v after the true arrival, want within 2µs", skew, i, got.Sub(arrivedTrue))
			}
			saved += answered.Sub(got)
			now = answered.Add(time.Second)
		}
		if saved <= 0 {
			t.Errorf("skew %v: nothing saved over pacing from the answers", skew)
		}
	}
}

// A ts that cannot be read paces from the answer, as before.
func TestPacerArrivalUnreadableTS(t *testing.T) {
	var p pacer
	sent := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	answered := sent.Add(40 * time.Millisecond)
	for _, ts := range []string{"", "abc", "1712345678", "1712345678.12", "-5.000001", "x.123456"} {
		if got := p.arrival(ts, sent, answered); !got.Equal(answered) {
			t.Errorf("ts %q: paced from %v, want the answer %v", ts, got, answered)
		}
	}
}
