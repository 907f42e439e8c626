package prompts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Checked is the drafter the bot uses: it asks a primary drafter (a model), holds every draft to
// Check, and makes sure a draft that passes reaches the rep. A model draft that fails a check is
// retried once, with the reason sent back to the model; when the retry fails too, or the model
// fails in any way (an error, a timeout, a rate limit, a server error, a malformed or empty
// answer), the fallback drafter's draft is used and Draft.Fallback says why. In the normal path
// it makes exactly one model request per draft.
type Checked struct {
	primary  Drafter
	fallback Drafter
	log      *slog.Logger
}

var _ Drafter = (*Checked)(nil)

// WithFallback returns a Checked drafter. primary may be nil when no model is configured, and
// then every draft is the fallback's; a nil fallback means Offline{}; a nil logger discards.
// Logs name the check rule or failure kind at info level and never carry a draft or the notes;
// the rejected reason, which may quote the draft, goes to debug.
func WithFallback(primary, fallback Drafter, logger *slog.Logger) *Checked {
	if fallback == nil {
		fallback = Offline{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Checked{primary: primary, fallback: fallback, log: logger}
}

// Draft returns a draft for r that passes Check whenever the fallback can write one. It returns
// EOPTEDOUT for a do-not-contact contact and EINVALID for an unknown channel or purpose, without
// asking any drafter, and the context's error when ctx ends while the model is asked (shutdown):
// a draft is then not worth making.
func (c *Checked) Draft(ctx context.Context, r Request) (Draft, error) {
	if err := validate(r); err != nil {
		return Draft{}, err
	}
	var spent Draft // token usage of every model request
	why := ""
	if c.primary != nil {
		d, err := c.ask(ctx, r, &spent)
		if err == nil {
			cerr := checkErr(r, d)
			if cerr == nil {
				return d, nil
			}
			c.log.Info("llm draft rejected; retrying once", "rule", cerr.Rule, "step", r.StepIndex, "channel", r.Step.Channel)
			c.log.Debug("llm draft rejected", "reason", cerr.Reason)
			retry := r
			retry.Revise = &Revision{Rejected: d, Reason: cerr.Reason}
			d, err = c.ask(ctx, retry, &spent)
			if err == nil {
				if cerr = checkErr(r, d); cerr == nil {
					return d, nil
				}
				why = "rejected twice: " + cerr.Rule
				c.log.Info("llm draft rejected again; using the offline draft", "rule", cerr.Rule)
				c.log.Debug("llm draft rejected again", "reason", cerr.Reason)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return Draft{}, fmt.Errorf("draft: %w", ctx.Err())
			}
			why = failureKind(err)
			c.log.Info("llm draft failed; using the offline draft", "kind", why)
		}
	}
	var d Draft
	var err error
	passed := false
	if off, ok := c.fallback.(Offline); ok {
		d, passed, err = off.draft(r) // checked already
	} else {
		d, err = c.fallback.Draft(ctx, r)
	}
	if err != nil {
		return Draft{}, fmt.Errorf("fallback draft: %w", err)
	}
	if d.Source == "" {
		d.Source = SourceOffline
	}
	d.Fallback = why
	d.PromptTokens += spent.PromptTokens
	d.CompletionTokens += spent.CompletionTokens
	if !passed {
		if cerr := checkErr(r, d); cerr != nil {
			// Offline tries every phrasing it has; a failure here is a bug worth seeing, not a reason
			// to leave the rep without a draft.
			c.log.Warn("fallback draft fails a check", "rule", cerr.Rule, "step", r.StepIndex, "channel", r.Step.Channel)
		}
	}
	return d, nil
}

// ask calls the primary drafter and adds its token usage to spent; the draft it returns carries
// the usage of every request so far.
func (c *Checked) ask(ctx context.Context, r Request, spent *Draft) (Draft, error) {
	d, err := c.primary.Draft(ctx, r)
	spent.PromptTokens += d.PromptTokens
	spent.CompletionTokens += d.CompletionTokens
	if err != nil {
		return Draft{}, err
	}
	if d.Source == "" {
		d.Source = SourceLLM
	}
	d.PromptTokens, d.CompletionTokens = spent.PromptTokens, spent.CompletionTokens
	return d, nil
}

func checkErr(r Request, d Draft) *CheckError {
	var ce *CheckError
	if err := Check(r, d); errors.As(err, &ce) {
		return ce
	}
	return nil
}

func failureKind(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Kind
	}
	return FailRequest
}
