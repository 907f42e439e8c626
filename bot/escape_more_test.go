package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts/classify"
)

// TestWorkflowErrorIsPlainText: a Workflow Builder step's error is plain text, so what a person
// typed reaches it as typed: no "&amp;" or "&lt;" left over from the mrkdwn escaping of the
// same message in Slack replies (and still no markup).
func TestWorkflowErrorIsPlainText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	f := h.runStep(t, slacktest.FunctionRun{Inputs: map[string]any{"name": "Lee", "email": "lee@acme.com",
		"cadence": "Q&A <webinar>", "owner": alice}})
	if f.State != "failed" {
		t.Fatalf("execution %+v, want failed", f)
	}
	mustContain(t, f.Error, `no cadence "Q&A <webinar>"`)
	if strings.Contains(f.Error, "&amp;") || strings.Contains(f.Error, "&lt;") {
		t.Errorf("error %q shows mrkdwn escapes as text", f.Error)
	}
}

// referralClassifier reads every reply as a referral to one address, as a model may from a
// message that names a strange one.
type referralClassifier struct{ addr string }

func (c referralClassifier) Classify(context.Context, classify.Message) (classify.Result, error) {
	return classify.Result{Kind: classify.KindReferral, Referral: c.addr, Reason: "it names " + c.addr}, nil
}

// logReferral logs a pasted reply as a referral to addr through the "Log a reply" modal and
// returns the confirmation DM.
func logReferral(t *testing.T, addr string) (*harness, string) {
	t.Helper()
	h := &mailHarness{harness: newHarness(t, func(c *Config) { c.Classifier = referralClassifier{addr} })}
	dana := h.enrollAs(t, alice, "Dana Lee", "dana@acme.com")
	if _, err := h.slack.SendBlockAction(h.ctx, slacktest.BlockAction{UserID: alice, ChannelID: alice,
		ActionID: actionReplyOpen, BlockID: "tp.more.0", Value: dana.Enrollment.ID}); err != nil {
		t.Fatal(err)
	}
	v, _ := h.openedView(t, 1)
	confirm := h.classifyStep(t, alice, v, dana.Enrollment.ID, "Please talk to my colleague.")
	if got := initialOutcome(t, confirm); got != replyOutcomeRefer {
		t.Fatalf("proposed %q, want %q", got, replyOutcomeRefer)
	}
	if ack := h.confirmStep(t, alice, confirm, replyOutcomeRefer, ""); viewErrors(t, ack) != nil {
		t.Fatalf("confirm: %s", ack.Payload)
	}
	return h.harness, dmText(h.waitDM(t, alice, 1)[0])
}

// TestLoggedReferralIsEscaped: the address a reply points to is the contact's text: a failed
// referral names it as text in the rep's DM, never as a link.
func TestLoggedReferralIsEscaped(t *testing.T) {
	t.Parallel()
	_, got := logReferral(t, "<http://evil.example|Click here>@acme.com")
	mustContain(t, got, "Logged", "&lt;http://evil.example|Click here&gt;@acme.com")
	if strings.Contains(got, "<http") {
		t.Errorf("the referred address reached the DM as markup:\n%s", got)
	}
}

// TestReferralWithBidiControlsRefused: an address a reply points to that holds a bidirectional
// control (which makes it read as something else) is refused with a message naming the character;
// no contact is made, and the DM does not carry the control itself.
func TestReferralWithBidiControlsRefused(t *testing.T) {
	t.Parallel()
	h, got := logReferral(t, "jane\u202Egnp.exe@acme.com")
	mustContain(t, got, "Logged", "Enrolling janegnp.exe@acme.com failed", "invisible character U+202E")
	if strings.ContainsRune(got, '\u202E') {
		t.Errorf("the DM carries the bidirectional control:\n%s", got)
	}
	if _, err := h.store.ContactByEmail(h.ctx, "jane\u202Egnp.exe@acme.com"); cadence.ErrorCode(err) != cadence.ENOTFOUND {
		t.Errorf("contact lookup: err = %v; want no such contact", err)
	}
}
