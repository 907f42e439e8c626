package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// maxSectionText is Block Kit's limit on a section's text; longer text makes Slack refuse the
// whole message.
const maxSectionText = 3000

// fmtWhen formats an instant in the rep's zone the way every reply does: "Tue 3 Mar 10:00",
// with the year added when it is not the current one ("Tue 3 Mar 2027 10:00").
func fmtWhen(t time.Time, loc *time.Location, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	lt := t.In(orUTC(loc))
	if lt.Year() != now.In(orUTC(loc)).Year() {
		return lt.Format("Mon 2 Jan 2006 15:04")
	}
	return lt.Format("Mon 2 Jan 15:04")
}

// fmtDay formats a date the way replies do: "Tue 3 Mar" (with the year when it is not now's).
// A date parsed by cadence.ParseDate is midnight UTC and is shown as that calendar date.
func fmtDay(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if t.Year() != now.Year() {
		return t.Format("Mon 2 Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

// fmtZone names a time zone for a reply footer: "Europe/Berlin".
func fmtZone(loc *time.Location) string { return orUTC(loc).String() }

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// stepLabel says where an enrollment stands in its cadence: "step 2 of 4".
func stepLabel(step, total int) string {
	if total <= 0 {
		return "no steps"
	}
	return fmt.Sprintf("step %d of %d", min(step+1, total), total)
}

// stepLine is one planned or past step of a schedule: "2. Tue 3 Mar 10:00 · Email · Answer a
// likely concern", with a suffix such as "(sent)" when the step is done.
func stepLine(i int, due string, s cadence.Step, suffix string) string {
	line := fmt.Sprintf("%d. %s · %s · %s", i+1, due, s.Channel.Label(), s.PurposeLabel())
	if suffix != "" {
		line += " " + suffix
	}
	return line
}

// escapeText makes text typed by a person safe inside Slack mrkdwn: &, < and > are escaped, so a
// name such as "<!channel>" cannot ping anyone. It is cadence.Escape, the one escaping helper.
func escapeText(s string) string { return cadence.Escape(s) }

// truncate cuts s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string { return cadence.Truncate(s, n) }

// joinLines joins lines with new lines, stopping before the total would exceed limit characters,
// and then ends with "…and N more" naming what was left out.
func joinLines(lines []string, limit int, what string) string {
	return joinCounted(lines, len(lines), limit, what)
}

// joinCounted is joinLines for the first lines of total (the rest not rendered, as they would
// not fit): "…and N more" counts all the lines not shown.
func joinCounted(lines []string, total, limit int, what string) string {
	return cadence.JoinCounted(lines, total, limit, what)
}

// blocksReply is a reply of one mrkdwn section per part, with fallback as the notification
// text. Each part is cut to Block Kit's section limit, so a reply is never refused by Slack.
func blocksReply(fallback string, parts ...string) Reply {
	r := Reply{Text: truncate(fallback, maxSectionText)}
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		r.Blocks = append(r.Blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(p, maxSectionText), false, false), nil, nil))
	}
	return r
}
