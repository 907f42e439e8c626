package bot

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot/report"
	"github.com/followup-bot/followup/cadence"
)

// testLookup (the Home's tests) is a cadence library of n cadences "c000"… with four steps each.
func testLookup(n int) func(string) (cadence.Cadence, bool) {
	return func(id string) (cadence.Cadence, bool) {
		var i int
		if _, err := fmt.Sscanf(id, "c%03d", &i); err != nil || i >= n {
			return cadence.Cadence{}, false
		}
		return cadence.Cadence{ID: id, Name: fmt.Sprintf("Cadence number %d with a long name", i), Steps: []cadence.Step{
			{Purpose: cadence.PurposeRecapNextStep, Channel: cadence.ChannelEmail},
			{Purpose: cadence.PurposeAnswerConcern, Channel: cadence.ChannelPhone},
			{Purpose: cadence.PurposeShareContext, Channel: cadence.ChannelLinkedIn},
			{Purpose: cadence.PurposeCloseLoop, Channel: cadence.ChannelEmail},
		}}, true
	}
}

// checkBlockLimits fails when blocks break Block Kit's limits: maxBlocks blocks, 150 characters a
// header, 3000 a section or a context element, 25 elements an actions block.
func checkBlockLimits(t *testing.T, blocks []slack.Block, maxBlocks int) {
	t.Helper()
	if len(blocks) > maxBlocks {
		t.Errorf("%d blocks, want at most %d", len(blocks), maxBlocks)
	}
	for i, bl := range blocks {
		switch x := bl.(type) {
		case *slack.SectionBlock:
			if n := utf8.RuneCountInString(x.Text.Text); n > 3000 {
				t.Errorf("block %d: section of %d characters", i, n)
			}
		case *slack.HeaderBlock:
			if n := utf8.RuneCountInString(x.Text.Text); n > 150 {
				t.Errorf("block %d: header of %d characters", i, n)
			}
		case *slack.ContextBlock:
			for _, e := range x.ContextElements.Elements {
				if tx, ok := e.(*slack.TextBlockObject); ok && utf8.RuneCountInString(tx.Text) > 3000 {
					t.Errorf("block %d: context of %d characters", i, utf8.RuneCountInString(tx.Text))
				}
			}
		case *slack.ActionBlock:
			if len(x.Elements.ElementSet) > 25 {
				t.Errorf("block %d: %d elements", i, len(x.Elements.ElementSet))
			}
		}
	}
}

// TestSlackBlocksKeepTheJSON: the report's blocks turned into slack-go's send the same JSON that
// bot/report's golden files hold, for every kind of block it makes.
func TestSlackBlocksKeepTheJSON(t *testing.T) {
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	sec := cadence.Section{From: from, To: from.AddDate(0, 0, 7),
		Team:     cadence.Counts{Enrolled: 2, Touches: 5, Replies: 2},
		Cadences: []cadence.CadenceStats{{CadenceID: "demo", Counts: cadence.Counts{Touches: 5, Replies: 2}, Steps: []cadence.StepStats{{Step: 0, Touches: 5, Replies: 2}}}},
		Reps:     []cadence.RepStats{{Rep: "U0ALICE001", Touches: 5, Replies: 2}},
	}
	v := report.New(cadence.Report{Now: sec.To, Period: sec, AllTime: sec}, cadence.Builtin(), time.UTC)
	_, blocks := v.Blocks()
	blocks = append(blocks, report.Block{Type: report.BlockContext, Elements: []report.Text{{Type: report.TextMrkdwn, Text: "a note"}}})
	kinds := map[string]bool{}
	for _, b := range blocks {
		kinds[b.Type] = true
	}
	if len(kinds) != 4 {
		t.Fatalf("the report makes %v; want every kind slackBlocks converts", kinds)
	}
	want, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(slackBlocks(blocks))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("slack-go blocks:\n%s\nreport blocks:\n%s", got, want)
	}
}
