package main

// Benchmarks of the whole bot as a child process against the fake Slack: start-up and idle
// memory (items 7 and 5). Command latency (item 1) is in cmdbench.go, dispatch in dispatch.go.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
)

// benchStartup measures, on the million-touchpoint database, the time from exec to the Socket
// Mode connection being open at the fake Slack, and the bot's memory once it has been idle for
// two seconds.
func benchStartup(ctx context.Context, b *bench) error {
	n := b.scaled(1_000_000, 10_000)
	path := b.claimDB(n)
	if _, err := os.Stat(path); err != nil { // not left by the claim benchmark
		if err := claimFixture(ctx, path, n, 100, t0); err != nil {
			return err
		}
	}
	// Nothing due: an idle bot.
	if err := execSQL(ctx, path, stmt{q: `UPDATE touchpoints SET due = due + 315360000000 WHERE due < ?`,
		args: []any{time.Now().Add(24 * time.Hour).UnixMilli()}}); err != nil {
		return err
	}
	rows, err := queryInt(ctx, path, `SELECT (SELECT COUNT(*) FROM contacts) + (SELECT COUNT(*) FROM enrollments) +
		(SELECT COUNT(*) FROM touchpoints) + (SELECT COUNT(*) FROM events)`)
	if err != nil {
		return err
	}
	var ups []time.Duration
	var rss, hwm []int64
	for range b.runs {
		srv := slacktest.New()
		c, err := startBot(b.bin, path, srv, "30s")
		if err != nil {
			srv.Close()
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		up, err := c.waitConnected(wctx, srv)
		cancel()
		if err == nil {
			ups = append(ups, up)
			// Idle: connected, first dispatch pass done (nothing due), Slack pinging every 5 s.
			select {
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
			}
			var r, h int64
			if r, h, err = c.memory(); err == nil {
				rss, hwm = append(rss, r), append(hwm, h)
			}
		}
		serr := c.stop()
		srv.Close()
		if err != nil {
			return err
		}
		if serr != nil {
			return fmt.Errorf("stop followup: %w\n%s", serr, c.stderr)
		}
	}
	med := median(ups)
	ok := med <= 300*time.Millisecond
	r := result{Item: 7, Name: fmt.Sprintf("Start-up to Socket Mode connected, %s-touchpoint database", count(n)),
		Figure: ms(med), Target: "≤ 300 ms", Status: status(ok)}
	r.Notes = append(r.Notes,
		fmt.Sprintf("The followup binary (`followup run`) as a child process, on the claim benchmark's database: %d follow-ups "+
			"with a pending touchpoint each, %d rows in all (contacts, follow-ups, touchpoints, events), nothing due. "+
			"Measured from just before exec to the fake Slack's WaitConnected (websocket open and hello sent), "+
			"so it includes exec, opening and checking the database (migrations already applied), auth.test, bots.info and "+
			"apps.connections.open.", n, rows),
		"Runs: "+spread(ups)+".")
	if !ok {
		r.Notes = append(r.Notes, fmt.Sprintf("Missed by %s: %s.", ms(med-300*time.Millisecond), by(float64(med), float64(300*time.Millisecond))))
	}
	b.add(r)

	mr, mh := medianInt(rss), medianInt(hwm)
	ok = mr <= 30e6
	m := result{Item: 5, Name: "Idle bot memory after start (RSS)", Figure: fmt.Sprintf("%s (peak %s)", mb(mr), mb(mh)),
		Target: "≤ 30 MB", Status: status(ok)}
	m.Notes = append(m.Notes, "VmRSS of the same child process two seconds after it connected (its first dispatch pass has run "+
		"and found nothing due), read from /proc/<pid>/status; the peak is VmHWM. MB are 10^6 bytes.",
		"Runs (RSS): "+spreadBytes(rss)+".")
	if !ok {
		m.Notes = append(m.Notes, fmt.Sprintf("Missed by %s: %s.", mb(mr-30e6), by(float64(mr), 30e6)))
	}
	b.add(m)
	return nil
}

func medianInt(xs []int64) int64 {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x)
	}
	return int64(median(ds))
}

func spreadBytes(xs []int64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += mb(x)
	}
	return s
}
