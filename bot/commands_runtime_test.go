package bot

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
)

func TestDisconnectMidSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.mustAdd(t, alice, "Dana dana@acme.com cadence=demo")
	if err := h.slack.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.WaitConnections(h.ctx, 2); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	mustContain(t, h.slash(t, alice, "list"), "`"+id+"` *Dana*")
	if err := h.slack.SendDisconnect("refresh_requested"); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.WaitConnections(h.ctx, 3); err != nil {
		t.Fatalf("no reconnect after a disconnect frame: %v", err)
	}
	mustContain(t, h.slash(t, alice, "show "+id), "*Timeline*")
}

func TestRedeliveredEventHandledOnce(t *testing.T) {
	t.Parallel()
	rec := newLogRecorder()
	h := newHarness(t, rec.use)
	ack, err := h.slack.SendAppHomeOpened(h.ctx, alice, "Ev0REDELIVER")
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 1); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 2; attempt++ {
		re, err := h.slack.Redeliver(h.ctx, ack.EnvelopeID)
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, re)
		// Wait until the bot has looked at the redelivery, rather than for some time.
		if r := rec.wait(t, h.ctx, "redelivered event ignored", attempt)[attempt-1]; attr(r, "event_id") != "Ev0REDELIVER" {
			t.Errorf("logged %v", r)
		}
	}
	if n := len(h.slack.CallsTo("views.publish")); n != 1 {
		t.Errorf("views.publish called %d times for one event delivered three times", n)
	}
	// Another event is handled.
	if _, err := h.slack.SendAppHomeOpened(h.ctx, alice, "Ev0SECOND01"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCalls(h.ctx, "views.publish", 2); err != nil {
		t.Fatal(err)
	}
}

func TestForeignTeamOrAppRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slash(t, alice, "settings")
	before := h.snapshot(t, alice)
	for _, c := range []slacktest.SlashCommand{
		{UserID: alice, Text: "add Mallory m@evil.example cadence=demo", TeamID: "T0OTHERTEAM"},
		{UserID: alice, Text: "add Mallory m@evil.example cadence=demo", APIAppID: "A0OTHERAPP1"},
	} {
		c.ResponseURL = h.slack.NewResponseURL()
		ack, err := h.slack.SendSlashCommand(h.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, ack)
		// The refusal is decided before the ack; nothing runs after it.
		for _, p := range h.slack.ResponsePosts() {
			if p.URL == c.ResponseURL {
				t.Errorf("a foreign command was answered: %s", p.Body)
			}
		}
	}
	ack := h.submitView(t, slacktest.ViewSubmission{UserID: alice, TeamID: "T0OTHERTEAM", CallbackID: addCallbackID,
		Values: modalValues(map[string]string{"name": "Mallory", "cadence": "demo", "intent": "warm"})})
	if errs := viewErrors(t, ack); errs != nil {
		t.Errorf("foreign submission answered with %v", errs)
	}
	if after := h.snapshot(t, alice); after != before {
		t.Errorf("a foreign request changed the state")
	}
}

func TestAcksWithinBudgetUnderLoad(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.Workers = 2 })
	var wg sync.WaitGroup
	replies := make([]string, 30)
	for i := range replies {
		wg.Go(func() {
			text := "list"
			if i%3 == 0 {
				text = "add \"Contact " + strings.Repeat("x", i) + "\" cadence=demo"
			}
			replies[i] = h.slash(t, alice, text) // asserts the ack latency
		})
	}
	wg.Wait()
	for _, a := range h.slack.Acks() {
		checkAck(t, a)
	}
	if n, m := len(h.slack.Acks()), len(h.slack.Envelopes()); n != m {
		t.Errorf("%d envelopes, %d acks", m, n)
	}
}

// TestAddModalOpensWhileWorkersAreBusy: "/followup add" alone opens the modal at once even when
// every worker is held by slow commands, because its trigger id expires about 3 s after the
// command.
func TestAddModalOpensWhileWorkersAreBusy(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Workers = 2 })
	release := make(chan struct{})
	held := make(chan struct{}, 2)
	h.slack.FailNext("response_url", 2, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		held <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer close(release)
	for range 2 {
		// Not accepting a response payload, the answers go to the response_url, which holds them.
		ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: alice, Command: "/followup", Text: "cadences"},
			slacktest.AcceptsResponsePayload(false))
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, ack)
	}
	for range 2 {
		select {
		case <-held:
		case <-h.ctx.Done():
			t.Fatal("the two slow replies never reached the fake Slack")
		}
	}
	ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: bob, Command: "/followup", Text: "add"})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if _, err := h.slack.WaitCalls(h.ctx, "views.open", 1); err != nil {
		t.Fatalf("the add modal did not open while the workers were busy: %v", err)
	}
}
