package bot

import (
	"fmt"
	"testing"

	"github.com/followup-bot/followup/cadence"
)

// TestNewDraftLimits: at most 5 new drafts a touch, said plainly at the sixth, and at most 30 an
// hour for one person across touches.
func TestNewDraftLimits(t *testing.T) {
	h := newDispatchHarness(t)
	var due []int64
	for k := range 6 {
		v := h.enroll(t, alice, cadence.Contact{Name: fmt.Sprintf("C%d", k), Email: fmt.Sprintf("c%d@acme.com", k)}, "demo", h.clock.Now())
		due = append(due, v.Open.ID)
	}
	tv, err := h.store.Touchpoint(h.ctx, due[len(due)-1])
	if err != nil {
		t.Fatal(err)
	}
	h.advanceTo(t, tv.Touch.Due)
	f := newFaultBot(t, h) // its pass advances the clocks through the pacing of six DMs to one rep
	f.dispatchWaiting(t, postInterval)
	ms := h.waitDM(t, alice, 6)

	for i := 1; i <= maxRedraftsPerTouch; i++ {
		h.click(t, alice, ms[0], actRedraft)
		ms[0] = h.waitUpdated(t, ms[0], i)
	}
	url := h.click(t, alice, ms[0], actRedraft)
	mustContain(t, h.ephemeralText(t, url), "already had 5 new drafts")

	// 30 an hour: the six clicks above count, so 24 more on the other touches reach the limit.
	for n := range maxRedraftsPerHour - maxRedraftsPerTouch - 1 {
		k := 1 + n/maxRedraftsPerTouch
		h.click(t, alice, ms[k], actRedraft)
		ms[k] = h.waitUpdated(t, ms[k], n%maxRedraftsPerTouch+1)
	}
	url = h.click(t, alice, ms[5], actRedraft)
	mustContain(t, h.ephemeralText(t, url), "30 new drafts in the past hour")
}
