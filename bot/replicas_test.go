package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/store"
	"github.com/followup-bot/followup/store/pgtest"
)

// The replicas test. The parent runs the fake Slack (spreading envelopes over the open Socket Mode
// connections, as Slack does) and prepares a PostgreSQL database with due touchpoints; replicas
// are this test binary re-executed (TestReplicaChild), each a whole bot with its own connection,
// on the real clock. Replica A is SIGKILLed just after Slack answered one of its DMs; B runs beside
// it, and A is started again (a rolling restart). Every touch must get exactly one DM, the weekly
// report go out once, and clicks be answered by whichever replica Slack hands them to. (The killed
// replica has no report channel: a leader killed while its report is being posted loses that
// week's report, a known gap this test does not cover.)

const (
	envReplicaDB       = "FOLLOWUP_REPLICA_DB"
	envReplicaAPI      = "FOLLOWUP_REPLICA_API"
	envReplicaKill     = "FOLLOWUP_REPLICA_KILL_AFTER_POSTS"
	envReplicaNoReport = "FOLLOWUP_REPLICA_NO_REPORT"
)

// replicaReps is how many reps (one due touch each) the replicas share.
const replicaReps = 12

// TestReplicaChild is one replica of TestTwoReplicasOnPostgres; it does nothing in a normal run.
func TestReplicaChild(t *testing.T) {
	dsn := os.Getenv(envReplicaDB)
	if dsn == "" {
		t.Skip("runs only as a replica of TestTwoReplicasOnPostgres")
	}
	killAfter, _ := strconv.ParseInt(os.Getenv(envReplicaKill), 10, 64)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leader := db.Leader()
	defer leader.Close()
	channel := reportChannel
	if os.Getenv(envReplicaNoReport) != "" {
		channel = ""
	}
	b, err := New(Config{
		API: slack.New(slacktest.DefaultBotToken, slack.OptionAPIURL(os.Getenv(envReplicaAPI)),
			slack.OptionAppLevelToken(slacktest.DefaultAppToken),
			slack.OptionHTTPClient(&http.Client{Transport: &postKiller{after: killAfter}})),
		Store: db, Library: cadence.Builtin(), Drafter: prompts.Offline{}, Team: allDay(t),
		Clock: clockwork.NewRealClock(), Tick: time.Second,
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		ReportChannel: channel, ReportCron: "0 9 * * MON", Elector: leader,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// allDay is a working window of every hour of every day, so that the real clock is always inside.
func allDay(tb testing.TB) cadence.Window {
	tb.Helper()
	w := cadence.DefaultWindow()
	start, end, err := cadence.ParseHours("00:00-24:00")
	if err != nil {
		tb.Fatal(err)
	}
	days, err := cadence.ParseDays("Mon-Sun")
	if err != nil {
		tb.Fatal(err)
	}
	w.Start, w.End, w.Days = start, end, days
	return w
}

// postKiller SIGKILLs the process just after Slack answered its after-th chat.postMessage of a DM
// (the weekly report's posts are not counted: a report cut short by SIGKILL is not in this test).
type postKiller struct {
	n     atomic.Int64
	after int64
}

func (k *postKiller) RoundTrip(r *http.Request) (*http.Response, error) {
	dm := k.after > 0 && strings.HasSuffix(r.URL.Path, "/chat.postMessage")
	if dm && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		dm = !bytes.Contains(body, []byte(reportChannel))
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !dm || k.n.Add(1) != k.after {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body) // Slack has the DM; the database does not know yet
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// replica is a running child process.
type replica struct {
	cmd  *exec.Cmd
	out  *syncBuf
	done chan error
}

// syncBuf collects a child's output.
type syncBuf struct {
	mu  chan struct{}
	buf []byte
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	b.buf = append(b.buf, p...)
	<-b.mu
	return len(p), nil
}

func (b *syncBuf) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return string(b.buf)
}

func startReplica(t *testing.T, dsn, api string, killAfter int) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envReplicaDB+"="+dsn, envReplicaAPI+"="+api, envReplicaKill+"="+strconv.Itoa(killAfter))
	if killAfter > 0 {
		cmd.Env = append(cmd.Env, envReplicaNoReport+"=1")
	}
	r := &replica{cmd: cmd, out: &syncBuf{mu: make(chan struct{}, 1)}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
	})
	return r
}

// wait waits for the replica to end and says whether SIGKILL ended it.
func (r *replica) wait(ctx context.Context, t *testing.T) (killed bool) {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return true
			}
		}
		if err != nil {
			t.Fatalf("replica failed: %v\n%s", err, r.out)
		}
		return false
	case <-ctx.Done():
		t.Fatalf("replica did not end\n%s", r.out)
		return false
	}
}

func TestTwoReplicasOnPostgres(t *testing.T) {
	if os.Getenv(envReplicaDB) != "" {
		t.Skip("replica process")
	}
	dsn := pgtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := slacktest.New(slacktest.WithSpread())
	t.Cleanup(srv.Close)

	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	var reps []string
	ids := map[string]int64{}
	for i := range replicaReps {
		rep := fmt.Sprintf("U0REPL%04d", i)
		reps = append(reps, rep)
		srv.AddUser(slacktest.User{ID: rep, Name: rep, RealName: rep, TZ: "UTC"})
		v, err := db.Enroll(ctx, cadence.Contact{Name: "Contact " + rep, Email: fmt.Sprintf("c%d@example.com", i)}, cadence.Change{
			Enrollment: cadence.Enrollment{Owner: rep, CadenceID: "demo", Trigger: cadence.TriggerDemo, TriggerAt: now,
				Intent: cadence.IntentWarm, Status: cadence.StatusActive},
			Next:  &cadence.Touchpoint{Step: 0, Due: now.Add(-time.Minute)},
			Event: cadence.Event{Kind: cadence.EventEnrolled, Actor: rep, Step: -1},
		}, now)
		if err != nil {
			t.Fatal(err)
		}
		ids[rep] = v.Open.ID
	}

	// A starts dispatching and dies just after Slack answered its third DM; B starts once A has
	// posted, and A is started again after its death.
	a := startReplica(t, dsn, srv.APIURL(), 3)
	if _, err := srv.WaitCalls(ctx, "chat.postMessage", 1); err != nil {
		t.Fatalf("replica A posted nothing: %v\n%s", err, a.out)
	}
	b := startReplica(t, dsn, srv.APIURL(), 0)
	if !a.wait(ctx, t) {
		t.Fatal("replica A was not killed mid-dispatch")
	}
	a2 := startReplica(t, dsn, srv.APIURL(), 0)
	if err := srv.WaitConnections(ctx, 3); err != nil {
		t.Fatalf("the replicas did not connect: %v\nB:\n%s\nA again:\n%s", err, b.out, a2.out)
	}

	// Every touch is reminded, once. The database records each DM just after Slack has it: wait
	// for the record, checking again on each change in Slack or every 100 ms.
	for _, rep := range reps {
		if _, err := srv.WaitMessages(ctx, rep, 1); err != nil {
			t.Fatalf("no DM to %s: %v\nB:\n%s\nA again:\n%s", rep, err, b.out, a2.out)
		}
	}
	dms := waitReminded(ctx, t, db, srv, reps, ids)

	// Clicks go to either replica; each is answered.
	conns := map[int]bool{}
	for _, rep := range reps {
		m := dms[rep]
		value, blockID := buttonOf(t, m, actSent)
		ack, err := srv.SendBlockAction(ctx, slacktest.BlockAction{UserID: rep, ChannelID: m.Channel, MessageTs: m.Ts,
			ActionID: actSent, BlockID: blockID, Value: value, ResponseURL: srv.NewResponseURL()})
		if err != nil {
			t.Fatalf("click of %s: %v", rep, err)
		}
		checkAck(t, ack)
		conns[ack.Conn] = true
	}
	t.Logf("%d chat.postMessage calls (the DMs and the report); clicks acked on connections %v",
		len(srv.CallsTo("chat.postMessage")), conns)
	if len(conns) < 2 {
		t.Errorf("clicks were acked on connections %v; want both replicas", conns)
	}
	if _, err := srv.WaitCalls(ctx, "chat.update", len(reps)); err != nil {
		t.Fatalf("not every click was answered with an updated DM: %v", err)
	}
	for _, rep := range reps {
		tv, err := db.Touchpoint(ctx, ids[rep])
		if err != nil {
			t.Fatal(err)
		}
		if tv.Touch.State != cadence.TouchDone {
			t.Errorf("%s: touch is %s after the click, want done", rep, tv.Touch.State)
		}
	}

	// The weekly report missed while no replica ran goes out once, whoever leads.
	if _, err := srv.WaitMessages(ctx, reportChannel, 1); err != nil {
		t.Fatalf("no weekly report: %v", err)
	}
	for _, r := range []*replica{b, a2} {
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if r.wait(ctx, t) {
			t.Fatal("a replica was killed")
		}
	}
	if n := len(srv.Messages(reportChannel)); n != 1 {
		t.Errorf("%d weekly reports, want 1", n)
	}
	for _, rep := range reps {
		if n := countTouchDMs(t, srv, rep, ids[rep]); n != 1 {
			t.Errorf("%s: %d DMs at the end, want 1", rep, n)
		}
	}
}

// waitReminded waits until the database has recorded every rep's DM, then checks that each touch
// has exactly one DM, the one recorded, and returns those DMs.
func waitReminded(ctx context.Context, t *testing.T, db *store.DB, srv *slacktest.Server, reps []string, ids map[string]int64) map[string]slacktest.Message {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done := 0
		for _, rep := range reps {
			tv, err := db.Touchpoint(ctx, ids[rep])
			if err != nil {
				t.Fatal(err)
			}
			if tv.Touch.State == cadence.TouchReminded {
				done++
			}
		}
		if done == len(reps) {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("only %d of %d touches recorded as reminded", done, len(reps))
		}
	}
	dms := map[string]slacktest.Message{}
	for _, rep := range reps {
		if n := countTouchDMs(t, srv, rep, ids[rep]); n != 1 {
			t.Errorf("%s: %d DMs for touch %d, want exactly 1", rep, n, ids[rep])
		}
		tv, err := db.Touchpoint(ctx, ids[rep])
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range srv.Messages(rep) {
			if m.Ts == tv.Touch.DMTS {
				dms[rep] = m
			}
		}
		if _, ok := dms[rep]; !ok {
			t.Fatalf("%s: the recorded DM %q is not in Slack", rep, tv.Touch.DMTS)
		}
	}
	return dms
}

// countTouchDMs counts the DMs to rep about touchpoint id.
func countTouchDMs(t *testing.T, srv *slacktest.Server, rep string, id int64) int {
	t.Helper()
	n := 0
	for _, m := range srv.Messages(rep) {
		var meta struct {
			EventPayload struct {
				TouchpointID int64 `json:"touchpoint_id"`
			} `json:"event_payload"`
		}
		if json.Unmarshal(m.Metadata, &meta) == nil && meta.EventPayload.TouchpointID == id {
			n++
		}
	}
	return n
}
