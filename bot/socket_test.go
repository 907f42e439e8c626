package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/store"
)

// TestUnknownEnvelopesAcked: envelopes slack-go cannot turn into an event (a type Slack may add
// later, an event the bot never subscribed to, a payload that is no object) are acked too, so
// Slack does not redeliver them or show an error.
func TestUnknownEnvelopesAcked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sends := map[string]func() (slacktest.Ack, error){
		"unknown envelope type": func() (slacktest.Ack, error) {
			return h.slack.SendEnvelope(h.ctx, "future_type", map[string]any{"hello": "there"})
		},
		"unknown event type": func() (slacktest.Ack, error) {
			return h.slack.SendEvent(h.ctx, "Ev0UNKNOWN01", map[string]any{"type": "no_such_event_yet", "user": alice})
		},
		"unreadable slash command": func() (slacktest.Ack, error) {
			return h.slack.SendEnvelope(h.ctx, slacktest.TypeSlashCommands, json.RawMessage(`"not an object"`))
		},
		"unknown interaction": func() (slacktest.Ack, error) {
			return h.slack.SendEnvelope(h.ctx, slacktest.TypeInteractive, map[string]any{"type": "message_action",
				"team": map[string]any{"id": h.slack.TeamID()}, "api_app_id": h.slack.AppID(), "user": map[string]any{"id": alice}})
		},
	}
	for name, send := range sends {
		ack, err := send()
		if err != nil {
			t.Errorf("%s: not acked: %v", name, err)
			continue
		}
		checkAck(t, ack)
	}
	// The connection is still good.
	mustContain(t, h.slash(t, alice, "help"), "/followup add")
}

// holdUsersInfo makes the next users.info call wait until release is closed, and answers it as
// Slack would for alice. entered is closed when the call arrives; release lets it go (also at the
// end of the test).
func holdUsersInfo(t *testing.T, h *harness) (entered chan struct{}, release func()) {
	t.Helper()
	entered, gate := make(chan struct{}), make(chan struct{})
	release = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release)
	h.slack.FailNext("users.info", 1, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-gate:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"name":"alice","real_name":"Alice Adams","tz":"America/New_York","tz_offset":-18000,"profile":{"display_name":"alice"}}}`, alice)
	}))
	return entered, release
}

// TestViewSubmissionHoldsUpNoOtherAck: a modal submission is answered in its ack, so its work
// runs before the ack; it must not hold up the acks of other envelopes meanwhile.
func TestViewSubmissionHoldsUpNoOtherAck(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	entered, _ := holdUsersInfo(t, h) // alice is new: the submission asks users.info first
	view, err := h.slack.SendViewSubmission(h.ctx, slacktest.ViewSubmission{UserID: alice, CallbackID: addCallbackID,
		Values: modalValues(map[string]string{"name": "Dana", "cadence": "demo", "intent": "warm"})}, slacktest.NoAckWait())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-h.ctx.Done():
		t.Fatal("the submission never asked users.info")
	}
	ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: bob, Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	for _, a := range h.slack.Acks() {
		if a.EnvelopeID == view.EnvelopeID {
			t.Errorf("the slash command was acked only after the view submission")
		}
	}
}

// TestSlowUsersInfoHoldsUpNoOtherRep: one rep's slow users.info must not stall another rep's
// command, and a refresh that ends late must not undo settings saved meanwhile.
func TestSlowUsersInfoHoldsUpNoOtherRep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	entered, release := holdUsersInfo(t, h)
	first := slacktest.SlashCommand{UserID: alice, Text: "settings", ResponseURL: h.slack.NewResponseURL()}
	if _, err := h.slack.SendSlashCommand(h.ctx, first); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-h.ctx.Done():
		t.Fatal("settings never asked users.info")
	}
	// Bob is new too: his time zone is read while alice's read hangs.
	mustContain(t, h.slash(t, bob, "settings"), "Time zone: Europe/Berlin")
	// Alice changes her hours while her first command still waits for Slack.
	mustContain(t, h.slash(t, alice, "settings hours=08:00-16:00"), "Hours: 08:00-16:00")
	release()
	h.waitResponse(t, first.ResponseURL)
	r, err := h.store.GetRep(h.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hours != "08:00-16:00" || r.TimeZone != "America/New_York" {
		t.Errorf("after the late refresh: %+v", r)
	}
}

// TestTimeZoneFromSlackCachedDaily: the rep's zone is read from users.info once a day, not on
// every command, and never once the rep set it with settings tz=.
func TestTimeZoneFromSlackCachedDaily(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	calls := func() int {
		n := 0
		for _, c := range h.slack.CallsTo("users.info") {
			if c.Param("user") == alice {
				n++
			}
		}
		return n
	}
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: America/New_York (from your Slack profile)")
	h.slash(t, alice, "settings")
	h.slash(t, alice, "settings days=Mon-Fri") // no follow-ups here: the dispatcher must not ask users.info too
	if n := calls(); n != 1 {
		t.Errorf("users.info asked %d times within a day, want 1", n)
	}
	// Alice moves; a day later the bot notices.
	h.slack.AddUser(slacktest.User{ID: alice, Name: "alice", RealName: "Alice Adams", TZ: "Asia/Tokyo", TZOffset: 9 * 3600})
	h.clock.Advance(23 * time.Hour)
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: America/New_York")
	h.clock.Advance(2 * time.Hour)
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: Asia/Tokyo (from your Slack profile)")
	if n := calls(); n != 2 {
		t.Errorf("users.info asked %d times in 25 hours, want 2", n)
	}
	// A failure keeps the last zone and is not retried on every command.
	h.clock.Advance(25 * time.Hour)
	h.slack.FailNext("users.info", 1, slacktest.ServerError(http.StatusServiceUnavailable))
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: Asia/Tokyo")
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: Asia/Tokyo")
	if n := calls(); n != 3 {
		t.Errorf("users.info asked %d times after a failure, want 3", n)
	}
	h.clock.Advance(11 * time.Minute)
	h.slash(t, alice, "settings")
	if n := calls(); n != 4 {
		t.Errorf("users.info not asked again 11 minutes after a failure (%d calls)", n)
	}
	// A zone set by the rep wins. Slack is still asked once a day (that is where a rep who
	// left is seen), but its zone does not replace the rep's.
	mustContain(t, h.slash(t, alice, "settings tz=Europe/Lisbon"), "Time zone: Europe/Lisbon (set by you")
	h.clock.Advance(72 * time.Hour)
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: Europe/Lisbon (set by you")
	mustContain(t, h.slash(t, alice, "settings"), "Time zone: Europe/Lisbon (set by you")
	if n := calls(); n != 5 {
		t.Errorf("users.info asked %d times for a rep who set the zone over 3 days, want 5", n)
	}
}

// TestForeignEventsAndClicksRefusedAndLogged: events and clicks from another workspace or app
// are acked, not acted on, and logged with the ids.
func TestForeignEventsAndClicksRefusedAndLogged(t *testing.T) {
	t.Parallel()
	rec := newLogRecorder()
	h := newHarness(t, rec.use)
	for _, opt := range []slacktest.EnvelopeOption{slacktest.FromTeam("T0OTHERTEAM"), slacktest.FromApp("A0OTHERAPP1")} {
		ack, err := h.slack.SendAppHomeOpened(h.ctx, alice, fmt.Sprintf("Ev0FOREIGN%02d", len(rec.find("refused event from a foreign team or app"))), opt)
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, ack)
	}
	for _, a := range []slacktest.BlockAction{{UserID: alice, ChannelID: alice, ActionID: actionAddOpen, TeamID: "T0OTHERTEAM"},
		{UserID: alice, ChannelID: alice, ActionID: actionAddOpen, APIAppID: "A0OTHERAPP1"}} {
		ack, err := h.slack.SendBlockAction(h.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, ack)
	}
	evs := rec.wait(t, h.ctx, "refused event from a foreign team or app", 2)
	clicks := rec.wait(t, h.ctx, "refused interaction from a foreign team or app", 2)
	if attr(evs[0], "team") != "T0OTHERTEAM" || attr(evs[1], "app") != "A0OTHERAPP1" || attr(clicks[0], "team") != "T0OTHERTEAM" || attr(clicks[1], "app") != "A0OTHERAPP1" {
		t.Errorf("refusals logged without the foreign ids: %v %v", evs, clicks)
	}
	for _, r := range append(evs, clicks...) {
		if r.Level < slog.LevelWarn {
			t.Errorf("refusal logged at %v", r.Level)
		}
	}
	// A command from home is answered; it went after the refusals, so nothing of theirs ran.
	h.slash(t, alice, "help")
	if n := len(h.slack.CallsTo("views.publish")) + len(h.slack.CallsTo("views.open")); n != 0 {
		t.Errorf("%d views published or opened for foreign requests", n)
	}
}

// TestShutdownFinishesAckedWork: a command acked before the shutdown began is carried out and
// answered, and Run returns only then.
func TestShutdownFinishesAckedWork(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "followup.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := New(Config{
		API:   slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.AppToken())),
		Store: db, Library: cadence.Builtin(), Drafter: prompts.Offline{}, Team: cadence.DefaultWindow(),
		Clock: clockwork.NewRealClock(),
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	h := &harness{slack: srv, store: db, bot: b, ctx: ctx}
	entered, release := holdUsersInfo(t, h)
	cmd := slacktest.SlashCommand{UserID: alice, Text: "add Dana dana@acme.com cadence=demo", ResponseURL: srv.NewResponseURL()}
	ack, err := srv.SendSlashCommand(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	<-entered // the command is in flight, after its ack
	stop()    // SIGTERM
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) with a command in flight", err)
	case <-time.After(50 * time.Millisecond): // only to give a wrong Run the chance to return early
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	posts := srv.ResponsePosts()
	if len(posts) != 1 || !strings.Contains(string(posts[0].Body), "Follow-up id:") {
		t.Fatalf("reply after shutdown: %v", posts)
	}
	if vs, err := db.ListEnrollments(ctx, alice); err != nil || len(vs) != 1 {
		t.Errorf("enrollments after shutdown: %v, %v", vs, err)
	}
}
