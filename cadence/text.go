package cadence

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// mrkdwnEscaper escapes the three characters Slack's mrkdwn gives a meaning to.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text one person typed safe to show inside a message to anyone, which Slack reads as
// mrkdwn: &, < and > are escaped, so "<http://evil.example|Click here>" stays text and "<!here>"
// pings nobody. It is the one escaping helper: every place that puts user text into mrkdwn (the
// bot's replies, DMs, the App Home, the report, and coded error messages through Errorf) uses it.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// Markup is text the bot itself wrote, with markup it means (a command's grammar such as
// "<id> <duration>" in a `code` span): Errorf passes it on as it is, unlike a plain string.
type Markup string

// StripBidi removes the Unicode bidirectional embedding, override and isolate controls (U+202A to
// U+202E, U+2066 to U+2069), which can make a name read differently from what it is
// ("\u202Eevil.exe" shows as "exe.live"). Names, companies and roles lose them on the way in.
func StripBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// MaxYearsAhead bounds every date a person gives (a first touch, a decision date, a pause or an
// away period): a typo such as 9999-12-31 is refused rather than planned.
const MaxYearsAhead = 2

// LatestDate is the last date accepted from a person on the given day: MaxYearsAhead years on.
func LatestDate(today time.Time) time.Time { return today.AddDate(MaxYearsAhead, 0, 0) }

// Truncate cuts s to at most n runes, ending with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

// JoinCounted joins lines with new lines, stopping before the total would exceed limit
// characters, and then ends with "…and N more <what>" counting every line of total not shown
// (lines may be only the first of total, the rest not rendered as they would not fit).
func JoinCounted(lines []string, total, limit int, what string) string {
	var b strings.Builder
	for i, l := range lines {
		more := fmt.Sprintf("…and %d more %s", total-i, what)
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
	if total > len(lines) { // not reached when the lines given overfill limit, as they should
		fmt.Fprintf(&b, "\n…and %d more %s", total-len(lines), what)
	}
	return b.String()
}

// Capitalize upper-cases the first letter of s.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}
