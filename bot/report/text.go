package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Block Kit's limits on a header's and a section's text: longer text makes Slack refuse the whole
// message.
const (
	maxHeaderChars  = 150
	maxSectionChars = 3000
)

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// truncate cuts s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string { return cadence.Truncate(s, n) }

// joinLines joins lines with new lines, stopping before the total would exceed limit characters,
// and then ends with "…and N more" naming what was left out.
func joinLines(lines []string, limit int, what string) string {
	return cadence.JoinCounted(lines, len(lines), limit, what)
}

func capitalize(s string) string { return cadence.Capitalize(s) }

// mention names a rep in mrkdwn: a Slack mention of the user id.
func mention(id string) string {
	if id == "bot" || id == "" {
		return "followup"
	}
	return "<@" + id + ">"
}

// rate shows a rate with its counts: "3/12 (25%)"; "0/0" when there is nothing to divide by.
func rate(n, d int) string {
	if d == 0 {
		return fmt.Sprintf("%d/0", n)
	}
	return fmt.Sprintf("%d/%d (%d%%)", n, d, (n*100+d/2)/d)
}

// plural returns "1 reply" or "3 replies".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func bullets(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "• " + l
	}
	return out
}
