package main

// PostgreSQL beside SQLite (issue 15): the claim and the ack/reply latency on PostgreSQL, and the
// dispatch of 10,000 reminders by one and by two replicas sharing one PostgreSQL database. The
// fixtures are the SQLite ones, copied into a fresh PostgreSQL database with store.CopyTo (what
// "followup migrate-db" does). The server is FOLLOWUP_TEST_PG's (default: the local one).

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/store"
	"github.com/followup-bot/followup/store/pgtest"
)

// toPostgres copies the SQLite database at path into a new PostgreSQL database and returns its
// URL and a function that drops it.
func toPostgres(ctx context.Context, path string) (string, func(), error) {
	d, err := pgtest.Create(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("create a PostgreSQL database (FOLLOWUP_TEST_PG): %w", err)
	}
	drop := func() { _ = d.Drop() }
	src, err := store.Open(ctx, path)
	if err != nil {
		drop()
		return "", nil, err
	}
	defer src.Close()
	dst, err := store.Open(ctx, d.URL)
	if err != nil {
		drop()
		return "", nil, err
	}
	defer dst.Close()
	if _, err := src.CopyTo(ctx, dst); err != nil {
		drop()
		return "", nil, err
	}
	return d.URL, drop, nil
}

// benchClaimPG times store.Claim of 100 due touchpoints among 10,000 stored ones on PostgreSQL, as
// benchClaim does on SQLite.
func benchClaimPG(ctx context.Context, b *bench) error {
	const due, lease, perRun = 100, time.Minute, 200
	n := b.scaled(10_000, 1_000)
	path := filepath.Join(b.dir, fmt.Sprintf("claim-pg-%d.db", n))
	if err := claimFixture(ctx, path, n, due, t0); err != nil {
		return err
	}
	url, drop, err := toPostgres(ctx, path)
	if err != nil {
		return err
	}
	defer drop()
	db, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	var runs []time.Duration
	i := 0
	for range b.runs {
		var each []time.Duration
		for range perRun {
			now := t0.Add(time.Duration(i) * lease)
			i++
			start := time.Now()
			claims, err := db.Claim(ctx, now, due, lease)
			each = append(each, time.Since(start))
			if err != nil {
				return err
			}
			if len(claims) != due {
				return fmt.Errorf("claimed %d among %d, want %d", len(claims), n, due)
			}
		}
		runs = append(runs, median(each))
	}
	med := median(runs)
	b.add(result{Item: 2, Name: fmt.Sprintf("Claim 100 due among %s stored, PostgreSQL", count(n)), Figure: ms(med),
		Target: "report (beside SQLite)", Status: "met", Notes: []string{
			"The same fixture and loop as the SQLite claim above, copied into a fresh database on the local PostgreSQL " +
				"server (TCP on 127.0.0.1): the heartbeat and takeover check, then one statement that leases up to 100 " +
				"(UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED LIMIT 100)), records the reps it holds and returns the " +
				"claimed views, in one transaction under the claim lock. Each statement is a network round trip that " +
				"SQLite, in process, does not pay.",
			fmt.Sprintf("Median per run of %d claims: %s.", perRun, spread(runs))}})
	return nil
}

// benchAckPG is benchAck with the bot on PostgreSQL.
func benchAckPG(ctx context.Context, b *bench) error {
	const inFlight = 50
	n, total := b.scaled(100_000, 1_000), b.scaled(2_000, 200)
	path := filepath.Join(b.dir, "ack-pg.db")
	if err := ackFixture(ctx, path, n, time.Now()); err != nil {
		return err
	}
	url, drop, err := toPostgres(ctx, path)
	if err != nil {
		return err
	}
	defer drop()
	var p99s, reply50s, reply99s []time.Duration
	for run := range min(b.runs, 3) {
		res, err := commandRun(ctx, b, url, run, n, total, inFlight, false, "")
		if err != nil {
			return err
		}
		lat, reply := res.acks, res.wellFormedReplies()
		p99s = append(p99s, percentile(lat, 99))
		reply50s, reply99s = append(reply50s, percentile(reply, 50)), append(reply99s, percentile(reply, 99))
	}
	p99 := median(p99s)
	b.add(result{Item: 1, Name: fmt.Sprintf("Ack and reply latency on PostgreSQL, %s commands, %d in flight, %s follow-ups",
		count(total), inFlight, count(n)),
		Figure: fmt.Sprintf("ack p99 %s; reply p50 %s, p99 %s", ms(p99), ms(median(reply50s)), ms(median(reply99s))),
		Target: "ack p99 ≤ 50 ms", Status: status(p99 <= 50*time.Millisecond), Notes: []string{
			"The SQLite command mix above (list, add, show, due, snooze, signal, a bare add now and then), with FOLLOWUP_DB a postgres:// URL of the local server; " +
				"the ack does not touch the database, the reply does (list reads, add writes under the write lock).",
			"ack p99 per run: " + spread(p99s) + "; reply p99 per run: " + spread(reply99s) + "."}})
	return nil
}

// benchDispatchReplicas dispatches 10,000 due reminders on PostgreSQL with one replica and then,
// on a fresh copy, with two, in up to three rounds that alternate them (so that a machine getting
// busier or quieter during the benchmark weighs on both alike), and checks that every touchpoint
// got exactly one DM. The figures are the medians of the rounds.
func benchDispatchReplicas(ctx context.Context, b *bench) error {
	n := b.scaled(10_000, 100)
	path := filepath.Join(b.dir, "dispatch-pg.db")
	if err := dispatchFixture(ctx, path, n, time.Now(), true); err != nil {
		return err
	}
	var els [2][]time.Duration
	var notes []string
	ok := true
	for round := range min(b.runs, 3) {
		for i, replicas := range []int{1, 2} {
			url, drop, err := toPostgres(ctx, path)
			if err != nil {
				return err
			}
			r, err := dispatchReplicas(ctx, b, url, n, replicas, 180*time.Second)
			drop()
			if err != nil {
				return err
			}
			each := time.Duration(max(r.done, 1))
			perDM, dbPerDM, xPerDM := r.cpu/each, r.dbCPU/each, float64(r.xacts)/float64(each)
			b.logf("  round %d, %d replica(s): %d/%d reminded in %s, %d posts of %d touchpoints, %d posts < 1 s after "+
				"the previous in their channel; CPU per reminder: bots %s, PostgreSQL backends %s; %.1f transactions per reminder",
				round+1, replicas, r.done, n, ms(r.elapsed), r.posts, r.distinct, r.tooClose, ms(perDM), ms(dbPerDM), xPerDM)
			notes = append(notes, fmt.Sprintf("Round %d, %d replica(s): %s; %d reminded, %d posts of %d distinct "+
				"touchpoints, %d posts less than a second after the previous one in their channel. CPU time per reminder "+
				"(user+system, start-up included): the bots %s, their PostgreSQL backends %s; %.1f database transactions "+
				"per reminder.", round+1, replicas, ms(r.elapsed), r.done, r.posts, r.distinct, r.tooClose, ms(perDM),
				ms(dbPerDM), xPerDM))
			ok = ok && r.done == n && r.posts == n && r.distinct == n && r.tooClose == 0
			els[i] = append(els[i], r.elapsed)
		}
	}
	one, two := median(els[0]), median(els[1])
	if two > one {
		ok = false
		notes = append(notes, fmt.Sprintf("Missed: two replicas took %s longer than one (%s), in the medians. Both "+
			"replicas, PostgreSQL and the fake Slack share this machine's cores, so a second process adds work more "+
			"than it adds capacity; the floor (20 DMs per rep, a second apart) is the same for both.",
			ms(two-one), by(float64(two), float64(one))))
	}
	b.add(result{Item: 3, Name: fmt.Sprintf("Dispatch %s due touchpoints on PostgreSQL, 1 and 2 replicas", count(n)),
		Figure: fmt.Sprintf("1: %s; 2: %s", ms(one), ms(two)), Target: "2 no slower than 1, one DM each", Status: status(ok),
		Notes: append([]string{"The scrambled-order fixture of the dispatch benchmark copied into PostgreSQL; the followup " +
			"binary as one or two child processes (FOLLOWUP_TICK=1s) on the same database and fake Slack. Timed from " +
			"the first exec to the last touchpoint recorded as reminded. A replica claims only the touchpoints of reps no " +
			"other live replica holds (rep_leases), so each rep's DMs are paced a second apart by one process; the fake " +
			"Slack's record shows whether any two posts reached one channel less than a second apart (the target wants " +
			"none). The 20-per-rep, one-a-second floor is the same for one replica and two.",
			fmt.Sprintf("Medians of %d rounds, each running one replica and then two on fresh copies. One replica: %s; "+
				"two: %s.", len(els[0]), spread(els[0]), spread(els[1]))}, notes...)})
	return nil
}

// serverWork sums the CPU time of the PostgreSQL backends connected to the database at url, other
// than its own, and returns the transactions committed and rolled back in that database so far.
// It needs the server on this machine (/proc); elsewhere the CPU time is 0.
func serverWork(ctx context.Context, url string) (time.Duration, int64, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	var xacts int64
	if err := conn.QueryRow(ctx, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&xacts); err != nil {
		return 0, 0, err
	}
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return 0, 0, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, 0, err
	}
	var cpu time.Duration
	for _, pid := range pids {
		if c, err := procCPU(int(pid)); err == nil {
			cpu += c
		}
	}
	return cpu, xacts, nil
}

// dispatchReplicas runs replicas bots on the PostgreSQL database at url until the n due touchpoints
// are reminded or timeout passes.
func dispatchReplicas(ctx context.Context, b *bench, url string, n, replicas int, timeout time.Duration) (r dispatchRun, err error) {
	srv := slacktest.New(slacktest.WithTriggerTTL(0), slacktest.WithSpread())
	defer srv.Close()
	addReps(srv)
	// One connection for the run, and a count that reads the pending touchpoints' partial index:
	// the benchmark's looks must not take the cores the bots and their backends are measured on.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return r, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	start := time.Now()
	var children []*child
	for range replicas {
		c, err := startBot(b.bin, url, srv, "1s")
		if err != nil {
			return r, err
		}
		children = append(children, c)
		defer func() {
			if serr := c.stop(); serr != nil && err == nil {
				err = fmt.Errorf("stop followup: %w\n%s", serr, c.stderr)
			}
		}()
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	fine := false
	for {
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-tick.C:
		}
		var pending int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM touchpoints WHERE state = 'pending'`).Scan(&pending); err != nil {
			return r, err
		}
		r.done, r.elapsed = n-pending, time.Since(start)
		if pending == 0 || r.elapsed > timeout {
			break
		}
		if r.done >= n-n/50 && !fine {
			// The last 2%: look every 10 ms, so that the figure is not up to 100 ms late.
			tick.Reset(10 * time.Millisecond)
			fine = true
		}
	}
	// The PostgreSQL backends serving the bots (the bots' pools keep their connections for the
	// run): their CPU time, and the transactions, are the database's side of the work.
	r.dbCPU, r.xacts, err = serverWork(ctx, url)
	if err != nil {
		return r, err
	}
	for _, c := range children {
		cpu, err := c.cpu()
		if err != nil {
			return r, err
		}
		r.cpu += cpu
	}
	r.posts, r.distinct, r.tooClose, r.minGap, r.firstLast = pacing(srv.CallsTo("chat.postMessage"))
	return r, nil
}
