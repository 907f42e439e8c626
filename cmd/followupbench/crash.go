package main

// Crash recovery (issue 11): the bot is killed with SIGKILL in the middle of a dispatch run and
// restarted at once; the figure is the time from the restart's reconnect to the last reminder
// recorded, every due touchpoint having exactly one DM.

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
)

// crashItem is the item number of the crash-recovery figure in the summary.
const crashItem = 8

// benchCrash runs the crash-recovery benchmark.
func benchCrash(ctx context.Context, b *bench) error {
	const target = 15 * time.Second
	n := b.scaled(reps, 50) // one due touchpoint a rep: the figure is the takeover, not the pacing
	var figs []time.Duration
	var last crashRun
	for run := range min(b.runs, 3) {
		path := filepath.Join(b.dir, fmt.Sprintf("crash-%d.db", run))
		if err := dispatchFixture(ctx, path, n, time.Now(), false); err != nil {
			return err
		}
		r, err := crashOnce(ctx, b, path, n)
		if err != nil {
			return err
		}
		b.logf("  run %d: killed after %d posts; %d/%d reminded %s after the reconnect; %d posts of %d touchpoints",
			run+1, r.killedAfter, r.done, n, ms(r.recovery), r.posts, r.distinct)
		figs, last = append(figs, r.recovery), r
		if r.done < n {
			break
		}
	}
	fig := median(figs)
	complete := last.done == n && last.posts == n && last.distinct == n
	res := result{Item: crashItem, Name: fmt.Sprintf("Crash recovery: SIGKILL mid-dispatch of %d reminders, restart at once", n),
		Figure: ms(fig), Target: "≤ 15 s, one DM each", Status: status(fig <= target && complete)}
	if !complete {
		res.Figure = fmt.Sprintf("%d of %d reminded after %s; %d posts of %d touchpoints", last.done, n, ms(last.recovery),
			last.posts, last.distinct)
	}
	res.Notes = append(res.Notes,
		fmt.Sprintf("The followup binary as a child process (FOLLOWUP_TICK=30s, the default) on %d due touchpoints, one a rep. "+
			"It is killed with SIGKILL once a third of the DMs reached the fake Slack (it holds the claims of all of them), "+
			"and started again at once on the same database. Timed from the restart's Socket Mode reconnect to the last "+
			"touchpoint recorded as reminded (read every 50 ms). Without the takeover of a dead dispatcher's claims the "+
			"rest would wait out their 5-minute leases.", n),
		fmt.Sprintf("Runs: %s. Last run: %d posts of %d distinct touchpoints, %d recorded as reminded.", spread(figs),
			last.posts, last.distinct, last.done))
	b.add(res)
	return nil
}

// crashRun is what one run of benchCrash measured.
type crashRun struct {
	killedAfter     int
	recovery        time.Duration
	done            int
	posts, distinct int
}

// crashOnce starts the bot, kills it a third of the way through, restarts it and waits for the
// rest.
func crashOnce(ctx context.Context, b *bench, path string, n int) (r crashRun, err error) {
	srv := slacktest.New(slacktest.WithTriggerTTL(0))
	defer srv.Close()
	addReps(srv)
	first, err := startBot(b.bin, path, srv, "30s")
	if err != nil {
		return r, err
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := srv.WaitCalls(wctx, "chat.postMessage", n/3); err != nil {
		_ = first.cmd.Process.Kill()
		return r, fmt.Errorf("crash bench: the first run posted too little: %w\n%s", err, first.stderr)
	}
	_ = first.cmd.Process.Kill() // SIGKILL
	<-first.done
	r.killedAfter = len(srv.CallsTo("chat.postMessage"))
	conns := srv.Connections()

	second, err := startBot(b.bin, path, srv, "30s")
	if err != nil {
		return r, err
	}
	defer func() {
		if serr := second.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stop followup: %w\n%s", serr, second.stderr)
		}
	}()
	if err := srv.WaitConnections(wctx, conns+1); err != nil {
		return r, fmt.Errorf("crash bench: no reconnect: %w\n%s", err, second.stderr)
	}
	reconnected := time.Now()
	deadline := reconnected.Add(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := queryInt(ctx, path, `SELECT COUNT(*) FROM touchpoints WHERE state = 'reminded'`)
		if err != nil {
			return r, err
		}
		r.done, r.recovery = done, time.Since(reconnected)
		if done >= n || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-tick.C:
		}
	}
	r.posts, r.distinct, _, _, _ = pacing(srv.CallsTo("chat.postMessage"))
	return r, nil
}
