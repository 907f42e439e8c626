package report

import (
	"fmt"
	"strings"

	"github.com/followup-bot/followup/cadence"
)

// Block is one Block Kit layout block in Slack's JSON shape (a header, a section of mrkdwn, a
// divider or a context), so that the report's message is built and tested without the Slack
// client: json.Marshal of a []Block is what Slack receives, and bot turns it into slack-go blocks.
type Block struct {
	Type     string `json:"type"` // "header", "section", "divider" or "context"
	Text     *Text  `json:"text,omitempty"`
	Elements []Text `json:"elements,omitempty"` // of a context block
}

// Text is a Block Kit text object: plain_text (with emoji off, as the bot sends headers) or mrkdwn.
type Text struct {
	Type  string `json:"type"` // "plain_text" or "mrkdwn"
	Text  string `json:"text"`
	Emoji *bool  `json:"emoji,omitempty"`
}

// The Block Kit kinds the report uses.
const (
	BlockHeader  = "header"
	BlockSection = "section"
	BlockDivider = "divider"
	BlockContext = "context"
	TextPlain    = "plain_text"
	TextMrkdwn   = "mrkdwn"
)

func header(s string) Block {
	no := false
	return Block{Type: BlockHeader, Text: &Text{Type: TextPlain, Text: s, Emoji: &no}}
}

func section(s string) Block {
	return Block{Type: BlockSection, Text: &Text{Type: TextMrkdwn, Text: s}}
}

func divider() Block { return Block{Type: BlockDivider} }

// Blocks renders the report as one Slack message within Block Kit's limits (50 blocks, 3000
// characters a section), with its notification text.
func (v View) Blocks() (string, []Block) {
	r := v.Report
	t := r.Period.Team
	this, _ := v.periodNames()
	fallback := fmt.Sprintf("Follow-up report, %s: %s, replies %s, %s, %s.", v.PeriodLabel(),
		plural(t.Touches, "touch", "touches"), rate(t.Replies, t.Touches), plural(t.Meetings, "meeting", "meetings"), plural(t.OptOuts, "opt-out", "opt-outs"))
	blocks := []Block{header(truncate("Follow-up report · "+v.PeriodLabel(), maxHeaderChars))}
	if hs := v.Highlights(); len(hs) > 0 {
		blocks = append(blocks, section(joinLines(bullets(hs), reportSectionCap, "highlights")))
	}
	blocks = append(blocks,
		section(truncate("*Team "+this+"*\n"+countsLine(t, true)+
			"\n*Since the start*\n"+countsLine(r.AllTime.Team, false), reportSectionCap)),
		divider(),
	)
	ids := v.cadenceOrder()
	// Keep room for: "and N more" context, divider, reps section, footer context.
	room := min(maxReportCadences, maxReportBlocks-len(blocks)-4)
	for i, id := range ids {
		if i == room {
			var rest []string
			for _, id := range ids[i:] {
				rest = append(rest, v.cadenceName(id))
			}
			blocks = append(blocks, section(truncate(fmt.Sprintf("…and %d more cadences: %s", len(rest),
				cadence.Escape(strings.Join(rest, ", "))), reportSectionCap)))
			break
		}
		blocks = append(blocks, section(v.cadenceText(id)))
	}
	if len(ids) == 0 {
		blocks = append(blocks, section("No follow-ups yet. Enroll a contact with `/followup add`."))
	}
	blocks = append(blocks, divider())
	if lines := v.repLines(); len(lines) > 0 {
		blocks = append(blocks, section("*Reps "+this+"*\n"+joinLines(lines, reportSectionCap-20, "reps")))
	}
	blocks = append(blocks, section(
		"_A reply rate is replies/touches logged in the same days; a reply counts for the step whose touch came just before it. Opens are not counted: replies, meetings, opt-outs and complaints say more._"))
	return truncate(fallback, maxSectionChars), blocks
}
