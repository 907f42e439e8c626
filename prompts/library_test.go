package prompts

import (
	"context"
	"strings"
	"testing"

	"github.com/followup-bot/followup/cadence"
)

// TestBuiltinLibrary drafts every step of every built-in cadence, on its own channel and on every
// other, in several contexts, as one enrollment would (each step sees the drafts of the steps
// before it), and holds every offline draft to Check and every prompt to PromptBudget.
func TestBuiltinLibrary(t *testing.T) {
	all := cadence.Builtin().All()
	if len(all) == 0 {
		t.Fatal("the built-in library is empty")
	}
	longNote := strings.Repeat("Cares about response time and migration effort. ", 42)[:2000]
	for _, c := range all {
		for name, mod := range contexts() {
			for _, ch := range append([]cadence.Channel{""}, cadence.Channels...) {
				var earlier []Earlier
				for i, step := range c.Steps {
					if ch != "" {
						step.Channel = ch
					}
					r := sampleRequest(step.Channel, step.Purpose)
					r.Trigger, r.CadenceName, r.Goal = c.Trigger, c.Name, c.Goal
					r.StepIndex, r.StepCount, r.Step = i+1, len(c.Steps), step
					mod(&r)
					if name != "many-earlier" {
						r.Earlier = earlier
					}
					d, err := Offline{}.Draft(context.Background(), r)
					if err != nil {
						t.Fatalf("%s step %d %s (%s): %v", c.ID, i+1, step.Channel, name, err)
					}
					if err := Check(r, d); err != nil {
						t.Errorf("%s step %d %s (%s): %v\n%s", c.ID, i+1, step.Channel, name, err, d.Text())
					}
					earlier = append(earlier, Earlier{Step: i + 1, Channel: step.Channel, Purpose: step.Purpose, Draft: d.Text(), Outcome: cadence.OutcomeSent})

					r.Note = longNote
					s, u := mustRender(t, r)
					if n := EstimateTokens(s) + EstimateTokens(u); n > PromptBudget {
						t.Errorf("%s step %d %s (%s): prompt of %d estimated tokens", c.ID, i+1, step.Channel, name, n)
					}
				}
			}
		}
	}
}
