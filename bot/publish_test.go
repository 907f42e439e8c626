package bot

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// homePublishes returns how many times user's App Home was published so far.
func (h *harness) homePublishes(user string) int {
	n := 0
	for _, c := range h.slack.CallsTo("views.publish") {
		if c.Param("user_id") == user {
			n++
		}
	}
	return n
}

// waitHomePublished waits until user's App Home was published more than since times, and returns
// the Home as last published.
func (h *harness) waitHomePublished(t *testing.T, user string, since int) slacktest.View {
	t.Helper()
	for k := len(h.slack.CallsTo("views.publish")) + 1; h.homePublishes(user) <= since; k++ {
		if _, err := h.slack.WaitCalls(h.ctx, "views.publish", k); err != nil {
			t.Fatalf("App Home of %s not published again after the change: %v", user, err)
		}
	}
	v, ok := h.slack.HomeView(user)
	if !ok {
		t.Fatalf("no App Home for %s", user)
	}
	return v
}

// openHome sends app_home_opened for user and waits for the Home it publishes.
func (h *harness) openHome(t *testing.T, user, eventID string) {
	t.Helper()
	since := h.homePublishes(user)
	ack, err := h.slack.SendAppHomeOpened(h.ctx, user, eventID)
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	h.waitHomePublished(t, user, since)
}

// TestEveryChangeRefreshesDMsAndHomes: whatever changes a follow-up — a steering command or a
// button of its reminder DM — the DM shows the change and the App Home of every rep concerned
// (the owner; after a reassign the old and the new owner) is published again, showing it.
func TestEveryChangeRefreshesDMsAndHomes(t *testing.T) {
	type act func(h *harness, id string, m slacktest.Message)
	slash := func(format string) act {
		return func(h *harness, id string, m slacktest.Message) {
			h.slash(t, alice, strings.ReplaceAll(format, "ID", id))
		}
	}
	button := func(actionID string) act {
		return func(h *harness, id string, m slacktest.Message) { h.click(t, alice, m, actionID) }
	}
	ended := "Completed or stopped in the last 7 days (1)"
	for _, tc := range []struct {
		name     string
		setup    act // before the Homes are counted; nil for none
		do       act
		dm       []string            // the reminder DM after the change contains these
		home     map[string][]string // the Homes published again, each containing these
		notHome  map[string][]string // and not these
		dmButton bool                // the DM still offers the Sent button
	}{
		{name: "pause", do: slash("pause ID"), dm: []string{"Paused"},
			home: map[string][]string{alice: {"Paused", dana.Name}}},
		{name: "pause until", do: slash("pause ID until=2026-03-20"), dm: []string{"Paused* until"},
			home: map[string][]string{alice: {"paused until"}}},
		{name: "resume", setup: slash("pause ID"), do: slash("resume ID"), dm: []string{"Follow up with " + dana.Name}, dmButton: true,
			home: map[string][]string{alice: {dana.Name}}, notHome: map[string][]string{alice: {"Paused"}}},
		{name: "stop", do: slash("stop ID went with a competitor"), dm: []string{"Cancelled"},
			home: map[string][]string{alice: {ended}}},
		{name: "signal", do: slash("signal ID asked for pricing"), dm: []string{"asked for pricing"}, dmButton: true,
			home: map[string][]string{alice: {dana.Name}}},
		{name: "reassign", do: slash("reassign ID <@" + bob + ">"), dm: []string{"Reassigned", "<@" + bob + ">"},
			home: map[string][]string{alice: {}, bob: {dana.Name}}, notHome: map[string][]string{alice: {dana.Name}}},
		{name: "skip", do: slash("skip ID"), dm: []string{"Skipped"}, home: map[string][]string{alice: {dana.Name}}},
		{name: "snooze", do: slash("snooze ID 2d"), dm: []string{"Snoozed", "<@" + alice + ">"},
			home: map[string][]string{alice: {dana.Name}}},
		{name: "optout command", do: slash("optout ID asked by phone"), dm: []string{"Cancelled"},
			home: map[string][]string{alice: {ended}}},
		{name: "sent button", do: button(actSent), dm: []string{"Sent"}, home: map[string][]string{alice: {dana.Name}}},
		{name: "replied button", do: button(actReplied), dm: []string{"Replied"}, home: map[string][]string{alice: {ended}}},
		{name: "meeting button", do: button(actMeeting), dm: []string{"Meeting booked"}, home: map[string][]string{alice: {ended}}},
		{name: "opted out button", do: button(actOptOut), dm: []string{"Opted out"}, home: map[string][]string{alice: {ended}}},
		{name: "snooze 1 day button", do: button(actSnooze1d), dm: []string{"Snoozed", "<@" + alice + ">"},
			home: map[string][]string{alice: {dana.Name}}},
		{name: "snooze 3 days button", do: button(actSnooze3d), dm: []string{"Snoozed"},
			home: map[string][]string{alice: {dana.Name}}},
		{name: "snooze 1 week button", do: button(actSnooze1w), dm: []string{"Snoozed"},
			home: map[string][]string{alice: {dana.Name}}},
		{name: "skip button", do: button(actSkip), dm: []string{"Skipped"}, home: map[string][]string{alice: {dana.Name}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newDispatchHarness(t)
			id, m := h.remind(t, alice, dana)
			updates := 0
			if tc.setup != nil {
				tc.setup(h, id, m)
				updates = h.waitUpdated(t, m, 1).Updated
			}
			h.openHome(t, alice, "Ev0HOMEALI1")
			h.openHome(t, bob, "Ev0HOMEBOB1")
			since := map[string]int{alice: h.homePublishes(alice), bob: h.homePublishes(bob)}

			tc.do(h, id, m)

			got := h.waitUpdated(t, m, updates+1)
			text := dmText(got)
			mustContain(t, text, tc.dm...)
			if has := strings.Contains(string(got.Blocks), `"`+actSent+`"`); has != tc.dmButton {
				t.Errorf("DM offers Sent: %v, want %v:\n%s", has, tc.dmButton, text)
			}
			for user, want := range tc.home {
				home := string(h.waitHomePublished(t, user, since[user]).JSON)
				mustContain(t, home, want...)
				for _, not := range tc.notHome[user] {
					if strings.Contains(home, not) {
						t.Errorf("Home of %s still shows %q", user, not)
					}
				}
			}
		})
	}
}

// TestTickReturnsWhenThePassIsDone: with ManualDispatch the bot dispatches only when Tick is
// called, and Tick returns once the pass is over: the reminder DM is in Slack and recorded.
func TestTickReturnsWhenThePassIsDone(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ManualDispatch = true })
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	h.bot.Tick(h.ctx)
	if n := len(h.dms(alice)); n != 1 {
		t.Fatalf("%d DMs right after Tick, want the reminder", n)
	}
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil || tv.Touch.State != cadence.TouchReminded || tv.Touch.DMTS == "" {
		t.Fatalf("touch after Tick: %s %q, %v; want reminded with its DM", tv.Touch.State, tv.Touch.DMTS, err)
	}
	h.bot.Tick(h.ctx) // nothing more is due: nothing more is posted
	if n := len(h.dms(alice)); n != 1 {
		t.Errorf("%d DMs after a second Tick, want still 1", n)
	}
}
