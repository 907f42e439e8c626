package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFmtWhen(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC), "Tue 3 Mar 10:00"},
		{time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC), "Mon 9 Mar 09:00"}, // after the DST change
		{time.Date(2027, 1, 5, 14, 0, 0, 0, time.UTC), "Tue 5 Jan 2027 09:00"},
		{time.Time{}, "—"},
	} {
		if got := fmtWhen(tt.t, ny, now); got != tt.want {
			t.Errorf("fmtWhen(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
	if got := fmtDay(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), now); got != "Wed 1 Apr" {
		t.Errorf("fmtDay = %q", got)
	}
}

func TestJoinLinesFitsLimit(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := 0; i < 500; i++ {
		lines = append(lines, strings.Repeat("x", 40))
	}
	got := joinLines(lines, maxSectionText, "follow-ups")
	if len(got) > maxSectionText {
		t.Fatalf("joinLines gave %d bytes, over %d", len(got), maxSectionText)
	}
	if !strings.HasSuffix(got, "more follow-ups") || !strings.Contains(got, "…and ") {
		t.Errorf("no “and N more” at the end: %q", got[len(got)-60:])
	}
	if got := joinLines([]string{"a", "b"}, 100, "x"); got != "a\nb" {
		t.Errorf("short list = %q", got)
	}
	if got := joinLines([]string{strings.Repeat("y", 200)}, 100, "things"); got != "…and 1 more things" {
		t.Errorf("one long line = %q", got)
	}
}

// TestJoinCountedCountsLinesNotRendered: the first lines of a longer list, cut to the limit, say
// how many of the whole list are left out; all of them fitting, the rest are still counted.
func TestJoinCountedCountsLinesNotRendered(t *testing.T) {
	t.Parallel()
	lines := []string{"aaaa", "bbbb", "cccc"}
	if got := joinCounted(lines, 200, 30, "x"); got != "aaaa\nbbbb\n…and 198 more x" {
		t.Errorf("cut = %q", got)
	}
	if got := joinCounted(lines, 5, 100, "x"); got != "aaaa\nbbbb\ncccc\n…and 2 more x" {
		t.Errorf("not cut = %q", got)
	}
	if got, want := joinCounted(lines, 3, 100, "x"), joinLines(lines, 100, "x"); got != want {
		t.Errorf("joinCounted of all = %q, joinLines %q", got, want)
	}
}

func TestTruncateAndEscape(t *testing.T) {
	t.Parallel()
	if got := truncate("héllo wörld", 5); got != "héll…" || utf8.RuneCountInString(got) != 5 {
		t.Errorf("truncate = %q", got)
	}
	if got := escapeText("<!channel> & <@U1>"); got != "&lt;!channel&gt; &amp; &lt;@U1&gt;" {
		t.Errorf("escapeText = %q", got)
	}
	for in, want := range map[string]string{"": "", "Dana Lee": "Dana Lee", "Zoë <z@x.io>": "Zoë &lt;z@x.io&gt;", "a&&b": "a&amp;&amp;b", "\xff<": "\xff&lt;"} {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := stepLabel(1, 4); got != "step 2 of 4" {
		t.Errorf("stepLabel = %q", got)
	}
}
