package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/followup-bot/followup/cadence"
)

// The Workflow Builder custom step "Enroll in a follow-up cadence", as manifest.yaml declares it.
const (
	functionEnroll    = "enroll_followup"
	functionOutputID  = "followup_id"
	maxFunctionErrLen = 500 // what Workflow Builder shows of an error comfortably
)

// functionInputs are the step's inputs, in the order its errors name them.
var functionInputs = []string{"name", "email", "company", "cadence", "note", "owner"}

var (
	slackUserIDRe = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	mentionRe     = regexp.MustCompile(`<@([A-Z0-9]+)>`)
	// ownerMentionRe is a whole owner input written as a mention, <@U0123ABCD> or <@U0123ABCD|dana>.
	ownerMentionRe = regexp.MustCompile(`^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$`)
)

// serveFunction runs a Workflow Builder step (function_executed) after its ack and completes it
// exactly once: functions.completeSuccess with the follow-up id, or functions.completeError saying
// what is wrong (a missing or malformed input, an unknown cadence, an opted-out contact, a contact
// already in a follow-up). A redelivered execution finds the follow-up it made and succeeds again
// with it; nothing is enrolled twice.
func (b *Bot) serveFunction(ctx context.Context, ev *slackevents.FunctionExecutedEvent) error {
	api := b.api
	if b.cfg.FunctionAPI != nil && ev.BotAccessToken != "" {
		api = b.cfg.FunctionAPI(ev.BotAccessToken)
	}
	id, owner, err := b.runEnrollFunction(ctx, ev)
	if err != nil {
		msg := cadence.ErrorMessage(err)
		if cadence.ErrorCode(err) == cadence.EINTERNAL {
			msg = b.errorReply(err, "function_execution", ev.FunctionExecutionID).Text
		}
		if cerr := api.FunctionCompleteErrorContext(ctx, ev.FunctionExecutionID, plainError(msg)); cerr != nil {
			return fmt.Errorf("functions.completeError %s: %w", ev.FunctionExecutionID, cerr)
		}
		return nil
	}
	if err := api.FunctionCompleteSuccessContext(ctx, ev.FunctionExecutionID,
		slack.FunctionCompleteSuccessRequestOptionOutput(map[string]string{functionOutputID: id})); err != nil {
		return fmt.Errorf("functions.completeSuccess %s: %w", ev.FunctionExecutionID, err)
	}
	if owner != "" {
		b.refreshHome(ctx, owner)
	}
	return nil
}

// runEnrollFunction enrolls the step's contact and returns the follow-up id and, when it was
// enrolled now, its owner (who has been told by DM). Errors are coded for the step's error.
func (b *Bot) runEnrollFunction(ctx context.Context, ev *slackevents.FunctionExecutedEvent) (string, string, error) {
	if ev.Function.CallbackID != functionEnroll {
		return "", "", cadence.Errorf(cadence.EINVALID, "followup has no workflow step %q; its step is %q (Enroll in a follow-up cadence).", ev.Function.CallbackID, functionEnroll)
	}
	key := "function_execution:" + ev.FunctionExecutionID
	if v, err := b.store.EnrollmentBySource(ctx, key); err == nil {
		return v.Enrollment.ID, "", nil // a redelivered execution: the follow-up exists already
	} else if cadence.ErrorCode(err) != cadence.ENOTFOUND {
		return "", "", err
	}

	in, owner, err := functionInput(ev.Inputs)
	if err != nil {
		return "", "", err
	}
	if err := b.checkOwner(ctx, owner); err != nil {
		return "", "", err
	}
	w, _, err := b.repWindow(ctx, owner)
	if err != nil {
		return "", "", err
	}
	now := b.now()
	plan, errs := b.validateAdd(in, owner, w, now)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = "input " + e.Field + ": " + e.Msg
		}
		return "", "", cadence.Errorf(cadence.EINVALID, "%s Nothing was enrolled.", strings.Join(msgs, " "))
	}
	plan.Enrollment.SourceKey = key
	v, err := b.enroll(ctx, plan, w, now)
	if err != nil {
		if again, lerr := b.store.EnrollmentBySource(ctx, key); lerr == nil {
			return again.Enrollment.ID, "", nil // a redelivery running at the same time enrolled it
		}
		return "", "", err
	}
	reply := enrolledReply(v, plan.Cadence, w, now)
	b.goWork("function.confirm", func(ctx context.Context) error {
		text := "A workflow enrolled a contact for you. " + reply.Text
		if _, _, err := b.api.PostMessageContext(ctx, owner, slack.MsgOptionText(truncate(text, maxSectionText), false), slack.MsgOptionBlocks(reply.Blocks...)); err != nil {
			return fmt.Errorf("tell %s about workflow enrollment %s: %w", owner, v.Enrollment.ID, err)
		}
		return nil
	})
	return v.Enrollment.ID, owner, nil
}

// functionInput reads the step's inputs: every one must be text when present; name, cadence and
// owner (a Slack user id) are required.
func functionInput(raw map[string]any) (addInput, string, error) {
	vals := map[string]string{}
	var problems []string
	for _, name := range functionInputs {
		v, ok := raw[name]
		if !ok || v == nil {
			continue
		}
		s, isText := v.(string)
		if !isText {
			problems = append(problems, fmt.Sprintf("input %s must be text, not %T", name, v))
			continue
		}
		vals[name] = strings.TrimSpace(s)
	}
	for _, name := range []string{"name", "cadence", "owner"} {
		if vals[name] != "" {
			continue
		}
		if v, present := raw[name]; present && v != nil {
			if _, isText := v.(string); !isText {
				continue // reported above as not text
			}
		}
		problems = append(problems, "input "+name+" is missing")
	}
	owner := vals["owner"]
	if m := ownerMentionRe.FindStringSubmatch(owner); m != nil {
		owner = m[1] // a mention of the person (a text variable in the workflow): their id
	}
	if owner != "" && !slackUserIDRe.MatchString(owner) {
		problems = append(problems, fmt.Sprintf("input owner %q is not a Slack user id (like U0123ABCD): pick a person", truncate(owner, 40)))
	}
	if len(problems) > 0 {
		return addInput{}, "", cadence.Errorf(cadence.EINVALID, "%s. Nothing was enrolled.", strings.Join(problems, "; "))
	}
	return addInput{Name: vals["name"], Email: vals["email"], Company: vals["company"], Cadence: vals["cadence"],
		Note: vals["note"]}, owner, nil
}

// checkOwner makes sure the step's owner is a person Slack knows in the workspace.
func (b *Bot) checkOwner(ctx context.Context, owner string) error {
	u, err := b.api.GetUserInfoContext(ctx, owner)
	switch {
	case err != nil && (slackCode(err) == "user_not_found" || slackCode(err) == "users_not_found"):
		return cadence.Errorf(cadence.EINVALID, "The owner %s is not a user of this workspace. Nothing was enrolled.", owner)
	case err != nil:
		return fmt.Errorf("users.info of owner %s: %w", owner, err)
	case u.Deleted:
		return cadence.Errorf(cadence.EINVALID, "The owner %s is deactivated. Nothing was enrolled.", owner)
	case u.IsBot:
		return cadence.Errorf(cadence.EINVALID, "The owner %s is an app, not a person. Nothing was enrolled.", owner)
	case b.isExternal(u):
		// Reminders are DMs in this workspace: a Slack Connect user of another organization
		// cannot be a rep here.
		return cadence.Errorf(cadence.EINVALID, "The owner %s belongs to another organization (Slack Connect); pick a person of this workspace. Nothing was enrolled.", owner)
	}
	return nil
}

// plainError makes a coded error's message fit for Workflow Builder: no Slack markup, one line,
// not too long. Workflow Builder shows it as plain text, so the mrkdwn escapes that coded messages
// carry for Slack replies are undone: what a person typed reads as typed.
func plainError(msg string) string {
	msg = strings.NewReplacer("`", "", "*", "", "\n", " ").Replace(msg)
	msg = mentionRe.ReplaceAllString(msg, "$1")
	msg = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(msg)
	return truncate(oneLine(msg), maxFunctionErrLen)
}
