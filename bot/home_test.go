package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

func TestHomeStaysWithinLimits(t *testing.T) {
	now := time.Date(2026, 3, 4, 11, 0, 0, 0, time.UTC)
	d := homeData{
		Rep:    cadence.Rep{UserID: "U0ALICE001", Hours: "08:00-16:00", AwayFrom: "2026-04-06", AwayUntil: "2026-04-10"},
		Window: cadence.Window{Location: time.UTC},
		Now:    now,
		Lookup: testLookup(4),
		EndedN: 120,
	}
	long := strings.Repeat("Ü", 300)
	for i := range 500 {
		v := cadence.EnrollmentView{
			Enrollment: cadence.Enrollment{ID: fmt.Sprintf("e%05d", i), CadenceID: fmt.Sprintf("c%03d", i%5), Status: cadence.StatusActive},
			Contact:    cadence.Contact{Name: fmt.Sprintf("Contact %d %s", i, long), Company: long},
			Open:       &cadence.Touchpoint{ID: int64(i + 1), Step: i % 4, Due: now.Add(time.Duration(i-200) * time.Hour)},
		}
		if i%50 == 0 {
			v.Enrollment.Status, v.Enrollment.PausedUntil = cadence.StatusPaused, now.AddDate(0, 0, 3)
		}
		d.Running = append(d.Running, v)
	}
	for i := range maxHomeEnded {
		d.Ended = append(d.Ended, cadence.EnrollmentView{
			Enrollment: cadence.Enrollment{ID: fmt.Sprintf("x%05d", i), CadenceID: "c001", Status: cadence.StatusCompleted,
				StopReason: cadence.StopReplied, EndedAt: now.Add(-time.Duration(i) * time.Hour)},
			Contact: cadence.Contact{Name: fmt.Sprintf("Done %d", i)},
		})
	}
	view := homeView(d)
	checkBlockLimits(t, view.Blocks.BlockSet, 100)
	js, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > 250_000 {
		t.Errorf("home view is %d bytes, over 250 KB", len(js))
	}
	for _, want := range []string{`"action_id":"add.open"`, `"action_id":"tp.sent"`, `"action_id":"tp.replied"`,
		`"action_id":"tp.optout"`, `"action_id":"tp.snooze.1d"`, "Overdue (", "Due today (", "Upcoming this week (",
		"Completed or stopped", "and 105 more", "08:00-16:00", "2026-04-06 to 2026-04-10", "more follow-ups"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("home lacks %s", want)
		}
	}
	if n := strings.Count(string(js), `"action_id":"tp.sent"`); n != 2*homePageSize {
		t.Errorf("%d Sent buttons, want a page of each due section (%d)", n, 2*homePageSize)
	}

	empty := homeView(homeData{Window: cadence.Window{Location: time.UTC}, Now: now, Lookup: testLookup(0)})
	checkBlockLimits(t, empty.Blocks.BlockSet, 100)
}

// homeButton finds a button in a published Home view and returns its value and its block's id.
func homeButton(t *testing.T, v slacktest.View, actionID string) (value, blockID string) {
	t.Helper()
	var view struct {
		Blocks []struct {
			BlockID  string `json:"block_id"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(v.JSON, &view); err != nil {
		t.Fatalf("home view: %v", err)
	}
	for _, b := range view.Blocks {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value, b.BlockID
			}
		}
	}
	t.Fatalf("home has no %s button:\n%s", actionID, v.JSON)
	return "", ""
}

// TestHomeClickRecordsOutcome: app_home_opened publishes the rep's queue; a click on a due touch's
// button in the Home (a view: no message, no response_url) records the outcome, updates the
// reminder DM and publishes the Home again without that touch.
func TestHomeClickRecordsOutcome(t *testing.T) {
	h := newHarness(t)
	enrID, dm := h.remind(t, alice, cadence.Contact{Name: "Dana Lee", Email: "dana@acme.com"})

	ack, err := h.slack.SendAppHomeOpened(h.ctx, alice, "Ev0HOME0001")
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 1); err != nil {
		t.Fatalf("home not published: %v", err)
	}
	home, _ := h.slack.HomeView(alice)
	mustContain(t, string(home.JSON), "Dana Lee", "Due today (1)", "Your settings")
	value, blockID := homeButton(t, home, actSent)

	ack, err = h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ViewID: home.ID,
		ActionID: actSent, BlockID: blockID, Value: value})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 2); err != nil {
		t.Fatalf("home not refreshed after the click: %v", err)
	}
	evs, err := h.store.Events(h.ctx, enrID)
	if err != nil {
		t.Fatal(err)
	}
	sent := false
	for _, e := range evs {
		sent = sent || e.Kind == string(cadence.OutcomeSent)
	}
	if !sent {
		t.Errorf("no sent event after the Home click: %+v", evs)
	}
	h.waitUpdated(t, dm, 1)
	home, _ = h.slack.HomeView(alice)
	if strings.Contains(string(home.JSON), `"value":"`+value+`"`) {
		t.Errorf("the refreshed home still offers buttons for touch %s:\n%s", value, home.JSON)
	}
	mustContain(t, string(home.JSON), "Due today (0)")
	if n := len(h.slack.ResponsePosts()); n != 0 {
		t.Errorf("%d response_url posts for a Home click, want none", n)
	}
}

// TestStaleHomeClickIsAnswered: a second click on the same Home button has no response_url and
// no channel to answer in; the rep gets a DM saying what already happened, and the Home is
// published again as it is now.
func TestStaleHomeClickIsAnswered(t *testing.T) {
	h := newHarness(t)
	h.remind(t, alice, cadence.Contact{Name: "Dana Lee", Email: "dana@acme.com"})
	if _, err := h.slack.SendAppHomeOpened(h.ctx, alice, "Ev0HOME0002"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 1); err != nil {
		t.Fatal(err)
	}
	home, _ := h.slack.HomeView(alice)
	value, blockID := homeButton(t, home, actSent)
	click := slacktest.BlockAction{UserID: alice, ViewID: home.ID, ActionID: actSent, BlockID: blockID, Value: value}
	if _, err := h.slack.SendBlockAction(h.ctx, click); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 2); err != nil {
		t.Fatal(err)
	}
	dms := len(h.dms(alice))
	if _, err := h.slack.SendBlockAction(h.ctx, click); err != nil { // the same button again
		t.Fatal(err)
	}
	ms := h.waitDM(t, alice, dms+1)
	mustContain(t, ms[len(ms)-1].Text, "Already handled")
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 3); err != nil {
		t.Fatalf("home not republished after the stale click: %v", err)
	}
}

// TestHomeRefreshedOnceOpened: a change does not publish the Home of a rep who has not opened it
// since the bot started (app_home_opened publishes it afresh when they do); once they have, each
// change publishes it again.
func TestHomeRefreshedOnceOpened(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, "Dana dana@acme.com cadence=demo")
	mustContain(t, h.slash(t, alice, "snooze "+id+" 2d"), "Snoozed")
	h.slash(t, alice, "help") // one more round trip for a stray refresh to show up
	if n := len(h.slack.CallsTo("views.publish")); n != 0 {
		t.Fatalf("%d Home publishes for a rep who never opened it", n)
	}
	if _, err := h.slack.SendAppHomeOpened(h.ctx, alice, "Ev0HOMEOPEN1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 1); err != nil {
		t.Fatal(err)
	}
	mustContain(t, h.slash(t, alice, "snooze "+id+" 1d"), "Snoozed")
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 2); err != nil {
		t.Fatalf("the opened Home was not refreshed after a change: %v", err)
	}
}

// TestHomeRefreshedByAnotherReplica: with two replicas on one database (each its own Socket Mode
// connection; here each its own fake Slack, standing for the connection Slack picks), a Home that
// replica A published is refreshed when replica B makes a change, and a rep whose Home nobody
// published gets none. A single bot (no elector) never looks in the database for it.
func TestHomeRefreshedByAnotherReplica(t *testing.T) {
	t.Parallel()
	leader := &fakeElector{asked: make(chan struct{}, 1)}
	a := newHarness(t, func(c *Config) { c.Elector = leader })
	b := newHarness(t, func(c *Config) {
		c.Store, c.Clock, c.Elector = a.store, a.clock, &fakeElector{asked: make(chan struct{}, 1)}
	})

	id := a.mustAdd(t, alice, "Dana dana@acme.com cadence=demo")
	bobs := a.mustAdd(t, bob, "Eve eve@acme.com cadence=demo")
	if _, err := a.slack.SendAppHomeOpened(a.ctx, alice, "Ev0HOMEOPENA"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.slack.WaitCalls(a.ctx, "views.publish", 1); err != nil {
		t.Fatal(err)
	}
	mustContain(t, b.slash(t, alice, "pause "+id), "Paused")
	call, err := b.slack.WaitCall(b.ctx, func(c slacktest.Call) bool { return c.Method == "views.publish" })
	if err != nil {
		t.Fatalf("replica B did not refresh the Home replica A published: %v", err)
	}
	if u := publishedFor(t, call); u != alice {
		t.Errorf("replica B published the Home of %q, want alice", u)
	}
	mustContain(t, b.slash(t, bob, "pause "+bobs), "Paused")
	b.slash(t, alice, "help") // one more round trip for a stray refresh to show up
	for _, c := range b.slack.CallsTo("views.publish") {
		if publishedFor(t, c) == bob {
			t.Errorf("replica B published bob's Home, which nobody opened")
		}
	}
}

// publishedFor returns the user a views.publish call was for.
func publishedFor(t *testing.T, c slacktest.Call) string {
	t.Helper()
	var req struct {
		UserID string `json:"user_id"`
	}
	if err := json.Unmarshal(c.JSON, &req); err != nil {
		t.Fatalf("views.publish body: %v", err)
	}
	return req.UserID
}
