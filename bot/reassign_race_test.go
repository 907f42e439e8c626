package bot

import (
	"strings"
	"testing"

	"github.com/followup-bot/followup/prompts"
	"github.com/followup-bot/followup/prompts/openaitest"
)

// TestReassignWhileDraftingRemindsTheNewOwner: a follow-up reassigned while the model writes its
// reminder's draft is not reminded to the old owner (whose buttons would only answer "not
// yours"): the claim is given back, and the next pass reminds the new owner.
func TestReassignWhileDraftingRemindsTheNewOwner(t *testing.T) {
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
	mustContain(t, h.slash(t, alice, "reassign "+v.Enrollment.ID+" <@"+bob+">"), "now belongs to")
	close(release)
	select {
	case <-done:
	case <-h.ctx.Done():
		t.Fatal("the pass did not end")
	}
	if dms := h.dms(alice); len(dms) != 0 {
		t.Fatalf("the old owner got %d DMs after the reassign, want none: %q", len(dms), dmText(dms[0]))
	}
	h.pass(t)
	if dms := h.waitDM(t, bob, 1); !strings.Contains(dmText(dms[0]), "Dana Diaz") {
		t.Errorf("new owner's DM: %q", dmText(dms[0]))
	}
}
