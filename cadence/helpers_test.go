package cadence

import (
	"testing"
	"time"
)

// mustLoc loads an IANA location or fails the test.
func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load location %s: %v", name, err)
	}
	return loc
}

// mustTime parses an RFC 3339 time ("2026-03-09T09:00:00-04:00") or fails the test.
func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("parse time %q: %v", s, err)
	}
	return t
}

// mustGap parses a gap or fails the test.
func mustGap(tb testing.TB, s string) Gap {
	tb.Helper()
	g, err := ParseGap(s)
	if err != nil {
		tb.Fatalf("parse gap %q: %v", s, err)
	}
	return g
}

// mustWindow builds a window from settings text or fails the test.
func mustWindow(tb testing.TB, zone, hours, days string, holidays ...string) Window {
	tb.Helper()
	w := DefaultWindow()
	w.Location = mustLoc(tb, zone)
	var err error
	if w.Start, w.End, err = ParseHours(hours); err != nil {
		tb.Fatal(err)
	}
	if w.Days, err = ParseDays(days); err != nil {
		tb.Fatal(err)
	}
	for _, h := range holidays {
		w.Holidays[h] = true
	}
	return w
}

// wantCode fails the test unless err carries the coded error code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// sameTime fails the test unless got and want are the same instant.
func sameTime(tb testing.TB, what string, got, want time.Time) {
	tb.Helper()
	if !got.Equal(want) {
		tb.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
}
