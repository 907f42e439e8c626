package cadence

import "testing"

func TestTruncateAndJoinCounted(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"Dana", 10, "Dana"}, {"Dana Lee", 4, "Dan…"}, {"Zoë Ørsted", 4, "Zoë…"}, {"ab", 0, "…"}} {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		lines        []string
		total, limit int
		want         string
	}{
		{[]string{"a", "b"}, 2, 100, "a\nb"},
		{[]string{"a", "b"}, 5, 100, "a\nb\n…and 3 more x"},
		{[]string{"aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"}, 3, 30, "aaaaaaaaaa\n…and 2 more x"},
		{nil, 0, 10, ""},
	} {
		if got := JoinCounted(c.lines, c.total, c.limit, "x"); got != c.want {
			t.Errorf("JoinCounted(%q, %d, %d) = %q, want %q", c.lines, c.total, c.limit, got, c.want)
		}
	}
	if got := Capitalize("élan"); got != "Élan" {
		t.Errorf("Capitalize = %q", got)
	}
}
