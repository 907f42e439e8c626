package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
)

// The SIGKILL test. The parent test runs the fake Slack and prepares a real SQLite file with due
// touchpoints; a child process (this test binary re-executed, running TestCrashChild) runs one
// dispatch pass against them and kills itself with SIGKILL at a chosen point: just before its k-th
// Web API request leaves, or just after the k-th answer arrived (the DM exists in Slack, but the
// database does not know it yet). A second child, started later than the first one's leases,
// finishes the work. Every due touchpoint must then have exactly one DM.

// Environment of a child: the database, the fake Slack's API URL, the child's fake time, and where
// to die ("before:3", "after:3" or "" for none).
const (
	envCrashDB    = "FOLLOWUP_CRASH_DB"
	envCrashAPI   = "FOLLOWUP_CRASH_API"
	envCrashNow   = "FOLLOWUP_CRASH_NOW"
	envCrashPoint = "FOLLOWUP_CRASH_POINT"
)

var crashReps = []string{"U0CRASH001", "U0CRASH002", "U0CRASH003"}

// crashBase is when the touchpoints are due: a Tuesday, 10:00 UTC, in working hours.
var crashBase = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

// TestCrashChild is the child process of TestSIGKILLDuringDispatch; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(envCrashDB)
	if path == "" {
		t.Skip("runs only as the child of TestSIGKILLDuringDispatch")
	}
	now, err := time.Parse(time.RFC3339Nano, os.Getenv(envCrashNow))
	if err != nil {
		t.Fatal(err)
	}
	var before, after int64
	if p := os.Getenv(envCrashPoint); p != "" {
		if _, err := fmt.Sscanf(p, "before:%d", &before); err != nil {
			if _, err := fmt.Sscanf(p, "after:%d", &after); err != nil {
				t.Fatalf("bad crash point %q", p)
			}
		}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(now)
	db.Now = clock.Now
	client := &http.Client{Transport: &killingTransport{before: before, after: after}}
	b, err := New(Config{
		API:     slack.New(slacktest.DefaultBotToken, slack.OptionAPIURL(os.Getenv(envCrashAPI)), slack.OptionHTTPClient(client)),
		Store:   db,
		Library: cadence.Builtin(),
		Drafter: prompts.Offline{},
		Team:    cadence.DefaultWindow(),
		Clock:   clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// killingTransport sends the child's Web API requests and SIGKILLs the process just before the
// before-th request or just after the after-th answer was read in full.
type killingTransport struct {
	n             atomic.Int64
	before, after int64
}

func (k *killingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := k.n.Add(1)
	if n == k.before {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || n != k.after {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body) // the server has answered: its side is done
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// crashRun runs one child at fake time now and reports whether it was killed.
func crashRun(t *testing.T, dbPath, api string, now time.Time, point string) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDB+"="+dbPath, envCrashAPI+"="+api,
		envCrashNow+"="+now.Format(time.RFC3339Nano), envCrashPoint+"="+point)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("child (point %q) failed: %v\n%s", point, err, out)
	}
	return false
}

// prepareCrashDB creates a database with one due touchpoint per crash rep and returns its path
// and the touchpoint ids.
func prepareCrashDB(t *testing.T) (string, []int64) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "followup.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	enrolledAt := crashBase.Add(-2 * time.Hour)
	db.Now = func() time.Time { return enrolledAt }
	cd, err := cadence.Builtin().Get("demo")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, rep := range crashReps {
		e := cadence.Enrollment{Owner: rep, CadenceID: cd.ID, Trigger: cd.Trigger, TriggerAt: enrolledAt, Intent: cadence.IntentWarm}
		ch, err := cadence.Start(cd, e, cadence.DefaultWindow(), enrolledAt)
		if err != nil {
			t.Fatal(err)
		}
		ch.Event.Actor = rep
		v, err := db.Enroll(ctx, cadence.Contact{Name: "Contact " + strconv.Itoa(i), Email: fmt.Sprintf("c%d@example.com", i)}, ch, enrolledAt)
		if err != nil {
			t.Fatal(err)
		}
		if v.Open.Due.After(crashBase) {
			t.Fatalf("touchpoint due %v, after %v", v.Open.Due, crashBase)
		}
		ids = append(ids, v.Open.ID)
	}
	return path, ids
}

// checkOneDMEach checks that every touchpoint has exactly one DM in the fake Slack and that the
// database recorded that DM.
func checkOneDMEach(t *testing.T, srv *slacktest.Server, dbPath string, ids []int64, point string) {
	t.Helper()
	count := map[int64]int{}
	ts := map[int64]string{}
	for _, rep := range crashReps {
		for _, m := range srv.Messages(rep) {
			var meta struct {
				EventPayload struct {
					TouchpointID int64 `json:"touchpoint_id"`
				} `json:"event_payload"`
			}
			if err := json.Unmarshal(m.Metadata, &meta); err != nil {
				t.Fatalf("%s: DM without metadata: %v", point, err)
			}
			count[meta.EventPayload.TouchpointID]++
			ts[meta.EventPayload.TouchpointID] = m.Ts
		}
	}
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range ids {
		if count[id] != 1 {
			t.Errorf("%s: touchpoint %d has %d DMs, want exactly 1", point, id, count[id])
			continue
		}
		tv, err := db.Touchpoint(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if tv.Touch.State != cadence.TouchReminded || tv.Touch.DMTS != ts[id] {
			t.Errorf("%s: touchpoint %d is %s with DM %q, want reminded with %q", point, id, tv.Touch.State, tv.Touch.DMTS, ts[id])
		}
	}
}

// TestSIGKILLDuringDispatch kills the dispatcher at every Web API call of a pass (before the
// request, and after Slack answered), restarts it after the leases ran out, and checks that every
// due touchpoint got exactly one DM. Some points are hit twice in a row (a crash of the restart).
func TestSIGKILLDuringDispatch(t *testing.T) {
	if os.Getenv(envCrashDB) != "" {
		t.Skip("child process")
	}
	// A run without a crash tells how many Web API calls a pass makes.
	calls := func() int {
		srv := newCrashSlack(t)
		path, ids := prepareCrashDB(t)
		crashRun(t, path, srv.APIURL(), crashBase, "")
		checkOneDMEach(t, srv, path, ids, "no crash")
		return len(srv.Calls())
	}()
	if calls < len(crashReps) {
		t.Fatalf("a pass made %d calls", calls)
	}

	type scenario struct{ first, second string }
	var scenarios []scenario
	// Just after each answer: the dangerous points, where Slack has the DM and the database does
	// not. Just before a request: a few, where nothing left the process.
	for k := 1; k <= calls; k++ {
		scenarios = append(scenarios, scenario{fmt.Sprintf("after:%d", k), ""})
	}
	scenarios = append(scenarios, scenario{"before:1", ""}, scenario{fmt.Sprintf("before:%d", calls), ""})
	// The restart dies too, after its history lookup or its first DM.
	for _, j := range []int{2, 3} {
		scenarios = append(scenarios, scenario{fmt.Sprintf("after:%d", calls), fmt.Sprintf("after:%d", j)})
	}
	if testing.Short() {
		scenarios = scenarios[:min(len(scenarios), 8)]
	}
	var killed atomic.Int64
	t.Run("points", func(t *testing.T) {
		for _, sc := range scenarios {
			name := sc.first
			if sc.second != "" {
				name += "+" + sc.second
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel() // each scenario has its own fake Slack and database
				srv := newCrashSlack(t)
				path, ids := prepareCrashDB(t)
				now := crashBase
				for _, point := range []string{sc.first, sc.second, ""} {
					if crashRun(t, path, srv.APIURL(), now, point) {
						killed.Add(1)
					}
					now = now.Add(dispatchLease + time.Minute) // the dead child's leases have ended
					if point == "" {
						break
					}
				}
				checkOneDMEach(t, srv, path, ids, name)
			})
		}
	})
	// Restarted at once, within the dead child's leases: its claims are taken over at the first
	// pass (its process is gone), and still nothing is doubled.
	t.Run("at once", func(t *testing.T) {
		for k := 1; k <= calls; k++ {
			point := fmt.Sprintf("after:%d", k)
			t.Run(point, func(t *testing.T) {
				t.Parallel()
				srv := newCrashSlack(t)
				path, ids := prepareCrashDB(t)
				if crashRun(t, path, srv.APIURL(), crashBase, point) {
					killed.Add(1)
				}
				crashRun(t, path, srv.APIURL(), crashBase.Add(time.Second), "")
				checkOneDMEach(t, srv, path, ids, point+", restarted at once")
			})
		}
	})
	if killed.Load() == 0 {
		t.Error("no child was killed: the crash points were never reached")
	}
}

// newCrashSlack starts a fake Slack that knows the crash reps.
func newCrashSlack(t *testing.T) *slacktest.Server {
	t.Helper()
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	for _, rep := range crashReps {
		srv.AddUser(slacktest.User{ID: rep, Name: rep, RealName: rep, TZ: "UTC"})
	}
	return srv
}
