package bot

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// runStep sends a function_executed event for enroll_followup and waits for its completion.
func (h *harness) runStep(t *testing.T, run slacktest.FunctionRun) slacktest.FunctionExecution {
	t.Helper()
	run.RequiredOutputs = []string{functionOutputID}
	id, ack, err := h.slack.SendFunctionExecuted(h.ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	checkAck(t, ack)
	f, err := h.slack.WaitFunction(h.ctx, id)
	if err != nil {
		t.Fatalf("execution %s never completed: %v", id, err)
	}
	return f
}

func TestWorkflowStepEnrolls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	f := h.runStep(t, slacktest.FunctionRun{ExecutionID: "Fx0000AAA1", Inputs: map[string]any{
		"name": "Dana Lee", "email": "Dana@Acme.com", "company": "Acme", "cadence": "form-fill",
		"note": "asked about SSO in the form", "owner": alice,
	}})
	if f.State != "completed" || f.Completions != 1 {
		t.Fatalf("execution = %+v, want completed once", f)
	}
	if f.Token != slacktest.ExecutionToken("Fx0000AAA1") {
		t.Errorf("completed with token %q, want the execution's own", f.Token)
	}
	id, _ := f.Outputs[functionOutputID].(string)
	v, err := h.store.Enrollment(h.ctx, id)
	if err != nil {
		t.Fatalf("output followup_id %q: %v", id, err)
	}
	if v.Enrollment.Owner != alice || v.Enrollment.CadenceID != "form-fill" || v.Contact.Email != "dana@acme.com" ||
		v.Contact.Company != "Acme" || v.Enrollment.Note != "asked about SSO in the form" {
		t.Errorf("enrolled %+v", v)
	}
	dms := h.waitDM(t, alice, 1)
	mustContain(t, dms[0].Text, "workflow", id)

	// The same execution delivered again (a new event id) completes nothing twice and enrolls
	// nothing twice: the server refuses a second completion, and the follow-up is the same.
	if _, _, err := h.slack.SendFunctionExecuted(h.ctx, slacktest.FunctionRun{ExecutionID: "Fx0000AAA1", EventID: "EvAgain",
		Inputs: map[string]any{"name": "Dana Lee", "email": "dana@acme.com", "cadence": "form-fill", "owner": alice}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCall(h.ctx, func(c slacktest.Call) bool {
		return strings.HasPrefix(c.Method, "functions.") && c.Error == "execution_not_in_running_state"
	}); err != nil {
		t.Fatal(err)
	}
	if all, _ := h.store.ListEnrollments(h.ctx, ""); len(all) != 1 {
		t.Errorf("%d follow-ups after a redelivery, want 1", len(all))
	}
}

// TestWorkflowStepCompletedAfterAFailedCompletion: functions.completeSuccess fails (a 500), Slack
// redelivers the event, and the step completes with the follow-up made the first time.
func TestWorkflowStepCompletedAfterAFailedCompletion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.FailNext("functions.completeSuccess", 1, slacktest.ServerError(500))
	id, ack, err := h.slack.SendFunctionExecuted(h.ctx, slacktest.FunctionRun{RequiredOutputs: []string{functionOutputID},
		Inputs: map[string]any{"name": "Dana Lee", "email": "dana@acme.com", "cadence": "demo", "owner": alice}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitCall(h.ctx, func(c slacktest.Call) bool {
		return c.Method == "functions.completeSuccess" && c.Status == 500
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.Redeliver(h.ctx, ack.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	f, err := h.slack.WaitFunction(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := h.store.ListEnrollments(h.ctx, "")
	if f.State != "completed" || len(all) != 1 || f.Outputs[functionOutputID] != all[0].Enrollment.ID {
		t.Errorf("execution %+v with %d follow-ups, want completed with the one follow-up", f, len(all))
	}
}

func TestWorkflowStepErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.AddUser(slacktest.User{ID: "U0GONE0001", Name: "gone", Deleted: true})
	addExternalUsers(h)
	if _, err := h.store.OptOutEmail(h.ctx, "stop@acme.com", "asked", alice, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.runStep(t, slacktest.FunctionRun{Inputs: map[string]any{"name": "Ann", "email": "ann@acme.com", "cadence": "demo", "owner": bob}})

	ok := map[string]any{"name": "Lee", "email": "lee@acme.com", "cadence": "demo", "owner": alice}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range ok {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		inputs map[string]any
		want   []string
	}{
		{"no inputs", map[string]any{}, []string{"input name is missing", "input cadence is missing", "input owner is missing"}},
		{"unknown cadence", with("cadence", "webinar"), []string{`no cadence "webinar"`, "demo"}},
		{"malformed email", with("email", "lee@"), []string{"input email", "not an email address"}},
		{"number as name", with("name", 42.0), []string{"input name must be text"}},
		{"owner not a user id", with("owner", "alice"), []string{"input owner", "not a Slack user id"}},
		{"unknown owner", with("owner", "U0NOBODY99"), []string{"not a user of this workspace"}},
		{"deactivated owner", with("owner", "U0GONE0001"), []string{"deactivated"}},
		{"owner of another organization", with("owner", danaExt), []string{"another organization"}},
		{"opted out", with("email", "stop@acme.com"), []string{"opted out"}},
		{"already enrolled", with("email", "ann@acme.com"), []string{"already in follow-up"}},
		{"note too long", with("note", strings.Repeat("x", 2001)), []string{"input note", "2001 characters"}},
		{"object as owner", with("owner", map[string]any{"id": alice}), []string{"input owner must be text"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := h.runStep(t, slacktest.FunctionRun{Inputs: tc.inputs})
			if f.State != "failed" {
				t.Fatalf("execution %+v, want failed", f)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Error, w) {
					t.Errorf("error %q does not contain %q", f.Error, w)
				}
			}
			if strings.ContainsAny(f.Error, "`*\n") || strings.Contains(f.Error, "<@") {
				t.Errorf("error %q carries Slack markup", f.Error)
			}
		})
	}
	// A function of another callback id (declared by hand in the app's settings) fails clearly.
	f := h.runStep(t, slacktest.FunctionRun{CallbackID: "something_else", Inputs: ok})
	if f.State != "failed" || !strings.Contains(f.Error, "enroll_followup") {
		t.Errorf("unknown function: %+v", f)
	}
	all, _ := h.store.ListEnrollments(h.ctx, "", cadence.StatusActive, cadence.StatusPaused)
	if len(all) != 1 {
		t.Errorf("%d running follow-ups, want only Ann's", len(all))
	}
}

// TestFunctionInputOwner: the owner is a user id, or a mention of one (a workflow's text variable);
// anything else is refused with the input as it came.
func TestFunctionInputOwner(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		alice: alice, "<@" + alice + ">": alice, "<@" + alice + "|alice>": alice, " " + alice + " ": alice,
		"alice": "", "<@alice>": "", "<#C0123ABCD>": "", "U1": "",
	} {
		_, owner, err := functionInput(map[string]any{"name": "Dana", "cadence": "demo", "owner": in})
		if owner != want || (want == "") != (err != nil) {
			t.Errorf("owner %q: got %q, %v; want %q", in, owner, err, want)
		}
	}
}
