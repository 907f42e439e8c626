package bot

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
)

// openedView waits for the n-th views.open and returns the view it opened, decoded.
func (h *harness) openedView(t *testing.T, n int) (slacktest.View, slack.ModalViewRequest) {
	t.Helper()
	calls, err := h.slack.WaitCalls(h.ctx, "views.open", n)
	if err != nil {
		t.Fatal(err)
	}
	if c := calls[n-1]; c.Error != "" {
		t.Fatalf("views.open failed: %s", c.Error)
	}
	views := h.slack.Views()
	v := views[len(views)-1]
	var m slack.ModalViewRequest
	if err := json.Unmarshal(v.JSON, &m); err != nil {
		t.Fatal(err)
	}
	return v, m
}

// classifyStep submits the first step and returns the confirm view the ack carries.
func (h *harness) classifyStep(t *testing.T, user string, v slacktest.View, id, text string) slack.ModalViewRequest {
	t.Helper()
	ack := h.submitView(t, slacktest.ViewSubmission{UserID: user, ViewID: v.ID, Values: map[string]map[string]any{
		"followup": {modalValue: slacktest.StaticSelect(id)}, "text": {modalValue: slacktest.TextInput(text)}}})
	var resp struct {
		ResponseAction string                 `json:"response_action"`
		View           slack.ModalViewRequest `json:"view"`
		Errors         map[string]string      `json:"errors"`
	}
	if err := ack.DecodePayload(&resp); err != nil || resp.ResponseAction != "update" {
		t.Fatalf("first step ack %s: want response_action update (%v)", ack.Payload, err)
	}
	return resp.View
}

// initialOutcome is the outcome the confirm step proposes.
func initialOutcome(t *testing.T, m slack.ModalViewRequest) string {
	t.Helper()
	for _, b := range m.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == "outcome" {
			if sel, ok := in.Element.(*slack.SelectBlockElement); ok && sel.InitialOption != nil {
				return sel.InitialOption.Value
			}
		}
	}
	t.Fatalf("no proposed outcome in %+v", m.Blocks)
	return ""
}

func (h *harness) confirmStep(t *testing.T, user string, m slack.ModalViewRequest, outcome, until string) slacktest.Ack {
	t.Helper()
	values := map[string]map[string]any{"outcome": {modalValue: slacktest.StaticSelect(outcome)}}
	if until != "" {
		values["until"] = map[string]any{modalValue: slacktest.DatePicker(until)}
	}
	return h.submitView(t, slacktest.ViewSubmission{UserID: user, CallbackID: m.CallbackID, PrivateMetadata: m.PrivateMetadata, Values: values})
}

// TestLogAReplyFromTheButton: "Log a reply" opens the modal on the follow-up; a pasted question
// is proposed as a question to answer next, and confirming it records an intent signal while the
// follow-up goes on.
func TestLogAReplyFromTheButton(t *testing.T) {
	h := &mailHarness{harness: newHarness(t)}
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	ack, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ChannelID: alice,
		ActionID: actionReplyOpen, BlockID: "tp.more.0", Value: dana.Enrollment.ID})
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	v, m := h.openedView(t, 1)
	if m.CallbackID != replyClassifyID || !strings.Contains(string(v.JSON), `"initial_option"`) {
		t.Fatalf("modal %s: want the follow-up preselected", v.JSON)
	}
	// Empty text keeps the modal open with an error.
	bad := h.submitView(t, slacktest.ViewSubmission{UserID: alice, ViewID: v.ID, Values: map[string]map[string]any{
		"followup": {modalValue: slacktest.StaticSelect(dana.Enrollment.ID)}, "text": {modalValue: slacktest.TextInput("  ")}}})
	if errs := viewErrors(t, bad); errs["text"] == "" {
		t.Fatalf("empty text: errors %v", errs)
	}
	// Someone else's follow-up is refused.
	other := h.enrollAs(t, bob, "Sam Roe", "sam@globex.com")
	bad = h.submitView(t, slacktest.ViewSubmission{UserID: alice, ViewID: v.ID, Values: map[string]map[string]any{
		"followup": {modalValue: slacktest.StaticSelect(other.Enrollment.ID)}, "text": {modalValue: slacktest.TextInput("hi")}}})
	if errs := viewErrors(t, bad); !strings.Contains(errs["followup"], "not yours") {
		t.Fatalf("someone else's follow-up: errors %v", errs)
	}

	confirm := h.classifyStep(t, alice, v, dana.Enrollment.ID, "Thanks! Does it work with Zendesk?\n\nOn Mon, Alice wrote:\n> hi")
	if got := initialOutcome(t, confirm); got != replyOutcomeAsk {
		t.Fatalf("proposed %q, want %q", got, replyOutcomeAsk)
	}
	if ack := h.confirmStep(t, alice, confirm, replyOutcomeAsk, ""); viewErrors(t, ack) != nil {
		t.Fatalf("confirm: %s", ack.Payload)
	}
	sigs, err := h.store.Signals(h.ctx, dana.Enrollment.ID)
	if err != nil || len(sigs) != 1 || !strings.Contains(sigs[0].Text, "Zendesk") {
		t.Fatalf("signals = %+v, %v; want the question", sigs, err)
	}
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusActive || e.Intent != cadence.IntentHot {
		t.Errorf("dana is %s, intent %s; want active and hotter", e.Status, e.Intent)
	}
	mustContain(t, h.waitDM(t, alice, 1)[0].Text, "next draft answers it")
}

// TestLogAReplyShortcut: the message shortcut opens the modal with the message's text and the
// follow-up it names preselected; an out-of-office is proposed with its return date and pauses
// the follow-up; an opt-out and a referral are logged as confirmed.
func TestLogAReplyShortcut(t *testing.T) {
	h := &mailHarness{harness: newHarness(t)}
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	otto := h.enrollAs(t, alice, "Otto Kern", "otto@acme.com")
	rita := h.enrollAs(t, alice, "Rita Moss", "rita@acme.com")

	shortcut := func(n int, text string) (slacktest.View, slack.ModalViewRequest) {
		t.Helper()
		ack, err := h.slack.SendMessageShortcut(h.ctx, slacktest.MessageShortcut{UserID: alice, CallbackID: replyShortcutID, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		checkAck(t, ack)
		return h.openedView(t, n)
	}
	text := "Forwarded from dana@acme.com: Automatic reply: I am out of the office until 16 March 2026."
	v, _ := shortcut(1, text)
	if !strings.Contains(string(v.JSON), dana.Enrollment.ID) || !strings.Contains(string(v.JSON), "out of the office until 16 March") {
		t.Fatalf("shortcut modal %s: want Dana preselected and the text filled in", v.JSON)
	}
	confirm := h.classifyStep(t, alice, v, dana.Enrollment.ID, text)
	if got := initialOutcome(t, confirm); got != replyOutcomeOOO {
		t.Fatalf("proposed %q, want %q", got, replyOutcomeOOO)
	}
	if !strings.Contains(confirm.PrivateMetadata, dana.Enrollment.ID) {
		t.Fatalf("metadata %q", confirm.PrivateMetadata)
	}
	// A return date in the past is refused on its field.
	if errs := viewErrors(t, h.confirmStep(t, alice, confirm, replyOutcomeOOO, "2026-03-01")); errs["until"] == "" {
		t.Fatalf("past date: errors %v", errs)
	}
	if ack := h.confirmStep(t, alice, confirm, replyOutcomeOOO, "2026-03-16"); viewErrors(t, ack) != nil {
		t.Fatalf("confirm: %s", ack.Payload)
	}
	want := time.Date(2026, 3, 17, 9, 0, 0, 0, mustLoc(t, "America/New_York"))
	if e := h.status(t, dana.Enrollment.ID); e.Status != cadence.StatusPaused || !e.PausedUntil.Equal(want) {
		t.Errorf("dana: %s until %s, want paused until %s", e.Status, e.PausedUntil, want)
	}

	v, _ = shortcut(2, "Otto Kern: please stop emailing me")
	confirm = h.classifyStep(t, alice, v, otto.Enrollment.ID, "please stop emailing me")
	if got := initialOutcome(t, confirm); got != replyOutcomeOptOut {
		t.Fatalf("proposed %q, want %q", got, replyOutcomeOptOut)
	}
	h.confirmStep(t, alice, confirm, replyOutcomeOptOut, "")
	if c, _ := h.store.ContactByEmail(h.ctx, "otto@acme.com"); !c.DoNotContact {
		t.Error("otto is not do-not-contact")
	}

	v, _ = shortcut(3, "Please talk to my colleague jane.roe@acme.com")
	confirm = h.classifyStep(t, alice, v, rita.Enrollment.ID, "Please talk to my colleague jane.roe@acme.com")
	if got := initialOutcome(t, confirm); got != replyOutcomeRefer {
		t.Fatalf("proposed %q, want %q", got, replyOutcomeRefer)
	}
	h.confirmStep(t, alice, confirm, replyOutcomeRefer, "")
	if e := h.status(t, rita.Enrollment.ID); e.StopReason != cadence.StopReplied {
		t.Errorf("rita: %s, want replied", e.StopReason)
	}
	if _, err := h.store.ContactByEmail(h.ctx, "jane.roe@acme.com"); err != nil {
		t.Errorf("jane not enrolled: %v", err)
	}
}

// TestManifestReplyShortcut: the manifest declares the message shortcut the bot answers.
func TestManifestReplyShortcut(t *testing.T) {
	raw, err := os.ReadFile("../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			Shortcuts []struct {
				Name, Type, Description string
				CallbackID              string `yaml:"callback_id"`
			}
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Features.Shortcuts {
		if s.CallbackID == replyShortcutID && s.Type == "message" && s.Name == "Log a reply to a follow-up" && s.Description != "" {
			return
		}
	}
	t.Errorf("manifest shortcuts %+v: want the message shortcut %q", m.Features.Shortcuts, replyShortcutID)
}

// slowClassifier is a model that answers only when its context ends.
type slowClassifier struct{}

func (slowClassifier) Classify(ctx context.Context, _ classify.Message) (classify.Result, error) {
	<-ctx.Done()
	return classify.Result{}, ctx.Err()
}

// TestLogAReplySlowModel: a model too slow for Slack's 3 s ack leaves the proposal to the rules.
func TestLogAReplySlowModel(t *testing.T) {
	h := &mailHarness{harness: newHarness(t, func(c *Config) { c.Classifier = slowClassifier{} })}
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	if _, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ChannelID: alice,
		ActionID: actionReplyOpen, BlockID: "tp.more.0", Value: dana.Enrollment.ID}); err != nil {
		t.Fatal(err)
	}
	v, _ := h.openedView(t, 1)
	confirm := h.classifyStep(t, alice, v, dana.Enrollment.ID, "Please unsubscribe me.") // asserts the ack's latency
	if got := initialOutcome(t, confirm); got != replyOutcomeOptOut {
		t.Fatalf("proposed %q, want %q from the rules", got, replyOutcomeOptOut)
	}
}
