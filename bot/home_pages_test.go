package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// TestHomeScales publishes the App Home of a rep with 0, 1, 99, 100 and 1,000 overdue follow-ups
// (in a real SQLite file) through the fake Slack, which refuses a view over 100 blocks or 250 KB,
// and turns the pages with Next and Previous. TestHomeRendersAnySize renders more sizes, and both
// sections full, without the database.
func TestHomeScales(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 99, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			h := newDispatchHarness(t) // no scheduled pass: 99 due DMs paced on the fake clock would wait forever
			for i := range n {
				h.enroll(t, alice, cadence.Contact{Name: fmt.Sprintf("Old %04d", i), Email: fmt.Sprintf("old%04d@acme.com", i)}, "demo", h.clock.Now())
			}
			h.clock.Advance(3 * 24 * time.Hour) // those are overdue now
			h.enroll(t, alice, cadence.Contact{Name: "New today", Email: "new@acme.com"}, "customer-checkin", h.clock.Now())
			home := h.publishHome(t, fmt.Sprintf("EvHome%d", n))
			js := string(home.JSON)
			if !strings.Contains(js, fmt.Sprintf("*Overdue (%d)*", n)) || !strings.Contains(js, "*Due today (1)*") {
				t.Fatalf("section titles missing: %.400s", js)
			}
			page1 := homeNames(t, home)
			if want := min(n, homePageSize) + 1; len(page1) != want {
				t.Errorf("page 1 shows %d follow-ups with buttons, want %d", len(page1), want)
			}
			if n <= homePageSize {
				if strings.Contains(js, actHomePage) {
					t.Error("a pager for a section that fits on one page")
				}
				return
			}
			if !strings.Contains(js, fmt.Sprintf("showing 1–%d · %d more on the other pages", homePageSize, n-homePageSize)) {
				t.Errorf("no count of the rest: %.400s", js)
			}
			// Next on the overdue section shows the next page; Previous comes back.
			value, blockID := homeButton(t, home, actHomePage+".next")
			home = h.clickHome(t, home, actHomePage+".next", blockID, value)
			if !strings.Contains(string(home.JSON), fmt.Sprintf("showing %d–%d", homePageSize+1, 2*homePageSize)) {
				t.Errorf("page 2 not shown: %.400s", home.JSON)
			}
			for name := range homeNames(t, home) {
				if page1[name] && name != "New today" {
					t.Errorf("%s is on page 1 and page 2", name)
				}
			}
			value, blockID = homeButton(t, home, actHomePage+".prev")
			home = h.clickHome(t, home, actHomePage+".prev", blockID, value)
			for name := range homeNames(t, home) {
				if !page1[name] {
					t.Errorf("Previous did not bring back page 1: %s", name)
				}
			}
			// A page past the end (an old button) shows the last page.
			home = h.clickHome(t, home, actHomePage+".next", "home.pager.overdue", "overdue:99999")
			last := (n - 1) / homePageSize * homePageSize
			if !strings.Contains(string(home.JSON), fmt.Sprintf("showing %d–%d", last+1, n)) {
				t.Errorf("a page past the end is not the last page: %.400s", home.JSON)
			}
		})
	}
}

// TestHomeRendersAnySize renders the Home for many sizes of overdue and today queues, publishes
// each through slack-go to the fake Slack (which refuses what Slack would: over 100 blocks or
// 250 KB, a text over its limit, duplicate action ids), and checks a page of buttons per section
// and the count of the rest.
func TestHomeRendersAnySize(t *testing.T) {
	t.Parallel()
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	api := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()))
	now := time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 99, 100, 1000, 5000} {
		d := homeData{Window: cadence.Window{Location: time.UTC}, Now: now, Lookup: testLookup(4), Pages: homePages{Overdue: 3, Today: 1 << 20}}
		for i := range 2 * n {
			due := now.AddDate(0, 0, -2) // overdue
			if i%2 == 1 {
				due = now // today
			}
			d.Running = append(d.Running, cadence.EnrollmentView{
				Enrollment: cadence.Enrollment{ID: fmt.Sprintf("e%05d", i), CadenceID: "c001", Status: cadence.StatusActive},
				Contact:    cadence.Contact{Name: fmt.Sprintf("Contact %d", i), Company: strings.Repeat("Ü", 200)},
				Open:       &cadence.Touchpoint{ID: int64(i + 1), Due: due},
			})
		}
		view := homeView(d)
		checkBlockLimits(t, view.Blocks.BlockSet, 100)
		if _, err := api.PublishViewContext(context.Background(), slack.PublishViewContextRequest{UserID: alice, View: view}); err != nil {
			t.Errorf("n=%d: views.publish refused: %v", n, err)
		}
		js, err := json.Marshal(view)
		if err != nil {
			t.Fatal(err)
		}
		if len(js) > 250_000 {
			t.Errorf("n=%d: %d bytes", n, len(js))
		}
		_, f1, t1 := pageOf(n, d.Pages.Overdue)
		_, f2, t2 := pageOf(n, d.Pages.Today)
		if got, want := strings.Count(string(js), `"action_id":"tp.sent"`), (t1-f1)+(t2-f2); got != want || (n > 0 && got == 0) {
			t.Errorf("n=%d: %d Sent buttons, want %d", n, got, want)
		}
		if n > homePageSize && !strings.Contains(string(js), fmt.Sprintf("*Overdue (%d)* · showing", n)) {
			t.Errorf("n=%d: no count of the rest", n)
		}
	}
}

// homeNames returns the contacts shown with buttons in a published Home.
func homeNames(t *testing.T, v slacktest.View) map[string]bool {
	t.Helper()
	var view struct {
		Blocks []struct {
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			BlockID string `json:"block_id"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(v.JSON, &view); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for i, b := range view.Blocks {
		if strings.HasPrefix(b.BlockID, "home.tp.") && i > 0 && view.Blocks[i-1].Text != nil {
			line := view.Blocks[i-1].Text.Text
			if name, _, ok := strings.Cut(strings.TrimPrefix(line, "*"), "*"); ok {
				out[name] = true
			}
		}
	}
	return out
}

// publishHome sends app_home_opened for alice and returns the Home published for it.
func (h *harness) publishHome(t *testing.T, eventID string) slacktest.View {
	t.Helper()
	before := len(h.slack.CallsTo("views.publish"))
	ack, err := h.slack.SendAppHomeOpened(h.ctx, alice, eventID)
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	return h.waitPublished(t, before)
}

// clickHome clicks a button of alice's Home and returns the Home published after it.
func (h *harness) clickHome(t *testing.T, home slacktest.View, actionID, blockID, value string) slacktest.View {
	t.Helper()
	before := len(h.slack.CallsTo("views.publish"))
	ack, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ViewID: home.ID,
		ActionID: actionID, BlockID: blockID, Value: value})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	return h.waitPublished(t, before)
}

// waitPublished waits for views.publish call number before+1, fails unless Slack accepted it,
// and returns alice's Home.
func (h *harness) waitPublished(t *testing.T, before int) slacktest.View {
	t.Helper()
	calls, err := h.slack.WaitCalls(h.ctx, "views.publish", before+1)
	if err != nil {
		t.Fatalf("home not published: %v", err)
	}
	if c := calls[before]; c.Error != "" {
		var body map[string]any
		_ = json.Unmarshal(c.JSON, &body)
		t.Fatalf("views.publish refused: %s (%d bytes)", c.Error, len(c.JSON))
	}
	home, ok := h.slack.HomeView(alice)
	if !ok {
		t.Fatal("no home")
	}
	return home
}
