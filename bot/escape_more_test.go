package bot

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
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
