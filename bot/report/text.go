package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// joinLines joins lines with new lines, stopping before the total would exceed limit characters,
// and then ends with "…and N more" naming what was left out.
func joinLines(lines []string, limit int, what string) string {
	var b strings.Builder
	for i, l := range lines {
		more := fmt.Sprintf("…and %d more %s", len(lines)-i, what)
		if b.Len()+len(l)+2+len(more) > limit {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(more)
			return b.String()
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

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
