package bot

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
)

// postsTo returns the replies recorded for one response_url: posts, and messages carried by acks.
func postsTo(h *harness, url string) (inAck, posted int) {
	for _, p := range h.slack.ResponsePosts() {
		if p.URL != url {
			continue
		}
		if p.InAck {
			inAck++
		} else {
			posted++
		}
	}
	return inAck, posted
}

// TestAnswerTravelsInTheAck: a command whose answer is ready within the budget is answered in its
// ack, as an ephemeral message, and nothing is posted to its response_url.
func TestAnswerTravelsInTheAck(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.AnswerBudget = 10 * time.Second })
	id := h.mustAdd(t, alice, "Dana dana@acme.com cadence=demo")
	r := h.slashFull(t, slacktest.SlashCommand{UserID: alice, Text: "list"})
	mustContain(t, r.Text, "`"+id+"` *Dana*")
	var msg struct {
		ResponseType string            `json:"response_type"`
		Text         string            `json:"text"`
		Blocks       []json.RawMessage `json:"blocks"`
	}
	if err := r.Ack.DecodePayload(&msg); err != nil {
		t.Fatalf("ack payload %s: %v", r.Ack.Payload, err)
	}
	if msg.ResponseType != "ephemeral" || msg.Text == "" || len(msg.Blocks) == 0 {
		t.Errorf("ack payload = %s, want an ephemeral message with text and blocks", r.Ack.Payload)
	}
	for _, p := range h.slack.ResponsePosts() {
		if !p.InAck {
			t.Errorf("a reply was posted to %s, want every answer in its ack", p.URL)
		}
	}
}

// TestSlowAnswerFollowsTheEmptyAck: a command still working when the budget is spent is acked
// empty at once, and its answer is posted to the response_url when it is ready.
func TestSlowAnswerFollowsTheEmptyAck(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.AnswerBudget = time.Millisecond })
	release := make(chan struct{})
	// users.info, asked for a rep seen the first time, is held until the ack has been seen.
	h.slack.FailNext("users.info", 1, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(http.StatusInternalServerError)
	}))
	url := h.slack.NewResponseURL()
	ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: bob, Text: "add Dana dana@acme.com cadence=demo", ResponseURL: url})
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		t.Errorf("ack of a command still working carries %s, want nothing", ack.Payload)
	}
	post := h.waitResponse(t, url)
	if post.InAck {
		t.Fatal("the answer came in the ack")
	}
	mustContain(t, string(post.Body), "Enrolled")
	if in, posted := postsTo(h, url); in != 0 || posted != 1 {
		t.Errorf("%d answers in the ack and %d posted, want 0 and 1", in, posted)
	}
}

// TestAnswerNotInAnAckThatTakesNone: an envelope that does not accept a response payload is acked
// empty, and the answer is posted to the response_url.
func TestAnswerNotInAnAckThatTakesNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.AnswerBudget = 10 * time.Second })
	url := h.slack.NewResponseURL()
	ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: alice, Text: "help", ResponseURL: url},
		slacktest.AcceptsResponsePayload(false))
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	if len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		t.Errorf("ack carries %s, want nothing", ack.Payload)
	}
	post := h.waitResponse(t, url)
	if post.InAck {
		t.Fatal("the answer came in the ack")
	}
	mustContain(t, string(post.Body), "Follow-up commands")
}

// TestAckPayloadLimits: an empty answer and one too large for an ack frame do not go in the ack.
func TestAckPayloadLimits(t *testing.T) {
	t.Parallel()
	if _, ok := ackPayload(Reply{}); ok {
		t.Error("an empty answer fits the ack")
	}
	if _, ok := ackPayload(Reply{Text: strings.Repeat("x", 20<<10)}); ok {
		t.Error("a 20 KB answer fits the ack")
	}
	raw, ok := ackPayload(Reply{Text: "Snoozed."})
	if !ok || string(raw) != `{"response_type":"ephemeral","text":"Snoozed."}` {
		t.Errorf("ackPayload = %s, %v", raw, ok)
	}
}

// TestBusyWorkersAckAtOnce: when every worker is busy, a command is acked at once, empty, rather
// than after waiting in line for its answer; the answer follows through the response_url.
func TestBusyWorkersAckAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.Workers, c.AnswerBudget = 1, time.Minute })
	release, held := make(chan struct{}), make(chan struct{}, 1)
	h.slack.FailNext("users.info", 1, slacktest.Hook(func(w http.ResponseWriter, r *http.Request) {
		held <- struct{}{}
		<-release
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	// bob's first command holds the only worker while users.info is asked about him.
	if _, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: bob, Text: "add Dana dana@acme.com cadence=demo"}, slacktest.NoAckWait()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-h.ctx.Done():
		t.Fatal("users.info never asked")
	}
	url := h.slack.NewResponseURL()
	ack, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: alice, Text: "help", ResponseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack) // within Slack's 3 s, not the minute of the budget
	if len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		t.Errorf("ack carries %s, want nothing", ack.Payload)
	}
	close(release)
	if post := h.waitResponse(t, url); post.InAck {
		t.Error("the answer came in the ack")
	}
}
