package bot

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/prompts/openaitest"
	"github.com/followup-bot/followup/store"
)

// TestOptOutWhileDraftingGetsNoDM: another rep records an opt-out while the model is still
// writing the reminder's draft; the reminder is not posted.
func TestOptOutWhileDraftingGetsNoDM(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	model := openaitest.New(t, openaitest.Held(arrived, release,
		openaitest.Draft("Next step", "Hi Dana, thanks for the demo today. Would Thursday work for a short call?")))
	h := newDispatchHarness(t, func(c *Config) {
		c.Drafter = prompts.NewOpenAI(prompts.OpenAIConfig{BaseURL: model.BaseURL(), Model: "m"})
	})
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	done := make(chan struct{})
	go func() { defer close(done); h.pass(t) }()
	select {
	case <-arrived:
	case <-h.ctx.Done():
		t.Fatal("the draft was never asked for")
	}
	mustContain(t, h.slash(t, bob, "optout dana@acme.com asked us to stop"), "will not be contacted again")
	close(release)
	select {
	case <-done:
	case <-h.ctx.Done():
		t.Fatal("the pass did not end")
	}
	if dms := h.dms(alice); len(dms) != 0 {
		t.Fatalf("%d DMs about an opted-out contact, want none: %q", len(dms), dms[0].Text)
	}
}

// TestOptOutDuringRateLimitGetsNoDM: the opt-out arrives while a 429 is being waited out; the
// touch is read again before the next attempt and nothing is posted.
func TestOptOutDuringRateLimitGetsNoDM(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	f := newFaultBot(t, h)
	h.slack.FailNext("chat.postMessage", 1, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		if _, err := h.store.OptOutEmail(context.Background(), "dana@acme.com", "asked to stop", bob, h.clock.Now()); err != nil {
			t.Errorf("opt out: %v", err)
		}
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
	}))
	f.dispatchWaiting(t, time.Second)
	if n := len(h.slack.CallsTo("chat.postMessage")); n != 1 {
		t.Fatalf("%d chat.postMessage calls, want only the rate-limited one", n)
	}
	if dms := h.dms(alice); len(dms) != 0 {
		t.Fatalf("%d DMs about an opted-out contact, want none", len(dms))
	}
}

// TestLostAnswerPostsOnce: Slack stores the DM but its answer is lost (the connection drops, or
// Slack says internal_error); the dispatcher finds the DM before posting again, so the rep gets
// one DM and it is recorded.
func TestLostAnswerPostsOnce(t *testing.T) {
	for name, fault := range map[string]slacktest.Fault{
		"connection dropped": slacktest.AnswerLost(),
		"internal_error":     slacktest.StoredThenError("internal_error"),
	} {
		t.Run(name, func(t *testing.T) {
			h := newDispatchHarness(t)
			v := h.enroll(t, alice, dana, "demo", h.clock.Now())
			h.advanceTo(t, v.Open.Due)
			f := newFaultBot(t, h)
			h.slack.FailNext("chat.postMessage", 1, fault)
			f.dispatchWaiting(t, 500*time.Millisecond)
			dms := h.dms(alice)
			if len(dms) != 1 {
				t.Fatalf("%d DMs, want 1", len(dms))
			}
			tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tv.Touch.State != cadence.TouchReminded || tv.Touch.DMTS != dms[0].Ts {
				t.Fatalf("touch %s with DM %q, want reminded with %q", tv.Touch.State, tv.Touch.DMTS, dms[0].Ts)
			}
		})
	}
}

// TestAuthFailureStopsTheBot: Slack says account_inactive (the bot's token is dead) to a
// reminder: no rep is paused, the claim is given back, and Run ends with ErrAuth.
func TestAuthFailureStopsTheBot(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	f := newFaultBot(t, h)
	h.slack.FailNext("chat.postMessage", 1, slacktest.SlackError("account_inactive"))
	f.dispatchWaiting(t, 500*time.Millisecond)

	select {
	case err := <-f.fatal:
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("fatal error %v, want ErrAuth", err)
		}
	default:
		t.Fatal("an account_inactive answer did not stop the bot")
	}
	ev, err := h.store.Enrollment(h.ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Enrollment.Status != cadence.StatusActive {
		t.Errorf("follow-up %s after the bot's token failed, want active", ev.Enrollment.Status)
	}
	if rep, err := h.store.GetRep(h.ctx, alice); err == nil && rep.Gone {
		t.Error("alice marked gone because the bot's token failed")
	}
	// The claim was given back: claimable again at once.
	claims, err := h.store.Claim(h.ctx, h.clock.Now(), 10, time.Minute)
	if err != nil || len(claims) != 1 {
		t.Fatalf("claims after the auth failure: %d, %v; want the touch back", len(claims), err)
	}
	if n := len(h.slack.CallsTo("chat.postMessage")); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// TestSlowUsersInfoDoesNotBlockSubmission: the daily users.info refresh hangs; a modal
// submission is still answered well inside its deadline, and the follow-up is enrolled.
func TestSlowUsersInfoDoesNotBlockSubmission(t *testing.T) {
	h := newHarness(t)
	entered, _ := holdUsersInfo(t, h) // alice is new: her refresh is due, and it hangs
	ack := h.submitView(t, slacktest.ViewSubmission{UserID: alice, CallbackID: addCallbackID,
		Values: modalValues(map[string]string{"name": "Dana", "email": "dana@acme.com", "cadence": "demo", "intent": "warm"})})
	<-entered
	if errs := viewErrors(t, ack); errs != nil {
		t.Fatalf("submission refused while users.info hangs: %v", errs)
	}
	if ack.Latency() >= viewDeadline {
		t.Fatalf("submission acked after %v, want well inside %v", ack.Latency(), viewDeadline)
	}
	if c, err := h.store.ContactByEmail(h.ctx, "dana@acme.com"); err != nil || c.Name != "Dana" {
		t.Fatalf("contact after the submission: %+v, %v", c, err)
	}
}

// TestDeactivatedRepSeenInDailyRefresh: users.info says a rep was deactivated; their follow-ups
// are paused, no reminder is posted, and the admin is told once.
func TestDeactivatedRepSeenInDailyRefresh(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.slack.AddUser(slacktest.User{ID: alice, Name: "alice", RealName: "Alice Adams", TZ: "America/New_York",
		TZOffset: -5 * 3600, Deleted: true})
	h.advanceTo(t, v.Open.Due.Add(25*time.Hour)) // the daily refresh is due
	h.pass(t)
	h.pass(t)
	if dms := h.dms(alice); len(dms) != 0 {
		t.Fatalf("%d reminders to a deactivated rep", len(dms))
	}
	ev, err := h.store.Enrollment(h.ctx, v.Enrollment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Enrollment.Status != cadence.StatusPaused {
		t.Errorf("follow-up %s, want paused", ev.Enrollment.Status)
	}
	told := h.dms(admin)
	if len(told) != 1 {
		t.Fatalf("admin told %d times, want once", len(told))
	}
	mustContain(t, told[0].Text, v.Enrollment.ID, "account deactivated")
}

// TestDispatcherPanicIsRecovered: a panic while dispatching one touch does not take the process
// down; the claim is given back and tried again later, and the rest of the pass goes on.
func TestDispatcherPanicIsRecovered(t *testing.T) {
	h := newDispatchHarness(t)
	v := h.enroll(t, alice, dana, "demo", h.clock.Now())
	h.advanceTo(t, v.Open.Due)
	fs := &faultStore{}
	fs.markReminded = func(context.Context, int64, int, string, string, time.Time, ...cadence.Draft) error {
		panic("a bug")
	}
	f := newFaultBotOn(t, h, fs)
	f.dispatchWaiting(t, 500*time.Millisecond)
	tv, err := h.store.Touchpoint(h.ctx, v.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Touch.State != cadence.TouchPending || tv.Touch.LeaseUntil.IsZero() || !tv.Touch.LeaseUntil.After(h.clock.Now()) {
		t.Fatalf("touch after a panic: %s, lease until %v; want pending, given back for later", tv.Touch.State, tv.Touch.LeaseUntil)
	}
}

// TestAuthFailureEndsRun: the bot's token refused in the middle of a dispatch pass makes Run
// return an error wrapping ErrAuth (so followup run exits non-zero).
func TestAuthFailureEndsRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	now, err := time.Parse(time.RFC3339, testNow)
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(now)
	srv := slacktest.New(slacktest.WithClock(clock.Now))
	defer srv.Close()
	srv.AddUser(slacktest.User{ID: alice, Name: "alice", TZ: "America/New_York"})
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "followup.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = clock.Now
	b, err := New(Config{
		API:   slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.AppToken())),
		Store: db, Library: cadence.Builtin(), Drafter: prompts.Offline{}, Team: cadence.DefaultWindow(),
		Clock: clock, Tick: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := cadence.Builtin().Get("customer-checkin") // its first touch is due at once
	ch, err := cadence.Start(cd, cadence.Enrollment{Owner: alice, CadenceID: cd.ID, Trigger: cd.Trigger, TriggerAt: now,
		Intent: cadence.IntentWarm}, cadence.DefaultWindow(), now)
	if err != nil {
		t.Fatal(err)
	}
	ch.Event.Actor = alice
	if _, err := db.Enroll(ctx, dana, ch, now); err != nil {
		t.Fatal(err)
	}
	srv.FailNext("chat.postMessage", 1, slacktest.SlackError("token_revoked"))
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "token_revoked") {
			t.Fatalf("Run = %v, want ErrAuth naming token_revoked", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not end after Slack refused the bot token")
	}
}
