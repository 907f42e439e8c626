package cadence

import (
	"strings"
	"testing"
	"time"
)

func TestParseGap(t *testing.T) {
	tests := []struct {
		in   string
		want Gap
		str  string
	}{
		{"0", Gap{}, "0"},
		{"0d", Gap{}, "0"},
		{"30m", Gap{Wall: 30 * time.Minute}, "30m"},
		{"90m", Gap{Wall: 90 * time.Minute}, "90m"},
		{"60m", Gap{Wall: time.Hour}, "1h"},
		{"4h", Gap{Wall: 4 * time.Hour}, "4h"},
		{"48h", Gap{Wall: 2 * day}, "2d"},
		{"2d", Gap{Wall: 2 * day}, "2d"},
		{"14d", Gap{Wall: 2 * week}, "2w"},
		{"1w", Gap{Wall: week}, "1w"},
		{"3bd", Gap{BusinessDays: 3}, "3bd"},
		{" 3BD ", Gap{BusinessDays: 3}, "3bd"},
		{"365d", Gap{Wall: 365 * day}, "365d"},
		{"260bd", Gap{BusinessDays: 260}, "260bd"},
	}
	for _, tt := range tests {
		g, err := ParseGap(tt.in)
		if err != nil {
			t.Errorf("ParseGap(%q): %v", tt.in, err)
			continue
		}
		if g != tt.want {
			t.Errorf("ParseGap(%q) = %+v, want %+v", tt.in, g, tt.want)
		}
		if g.String() != tt.str {
			t.Errorf("ParseGap(%q).String() = %q, want %q", tt.in, g.String(), tt.str)
		}
		if g.IsZero() != (tt.want == Gap{}) {
			t.Errorf("ParseGap(%q).IsZero() = %v", tt.in, g.IsZero())
		}
	}
}

func TestParseGapErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "can't be empty"},
		{"  ", "can't be empty"},
		{"2x", `unknown gap "2x"; use 0, 30m, 4h, 2d, 1w or 3bd`},
		{"d", "unknown gap"},
		{"2 d", "unknown gap"},
		{"two days", "unknown gap"},
		{"-1d", `gap "-1d" can't be negative`},
		{"1.5d", `gap "1.5d" must be a whole number`},
		{"99999d", `gap "99999d" is too long; at most 365 days (or 260 business days)`},
		{"366d", "too long"},
		{"53w", "too long"},
		{"261bd", "too long"},
		{"99999999999999999999h", "too long"},
		{"1y", "unknown gap"},
	}
	for _, tt := range tests {
		_, err := ParseGap(tt.in)
		wantCode(t, err, EINVALID)
		if msg := ErrorMessage(err); !strings.Contains(msg, tt.want) {
			t.Errorf("ParseGap(%q) error %q, want it to contain %q", tt.in, msg, tt.want)
		}
	}
}

func TestGapScaled(t *testing.T) {
	tests := []struct {
		gap  string
		in   Intent
		want string
	}{
		{"0", IntentHot, "0"},
		{"0", IntentCold, "0"},
		{"2d", IntentHot, "1d"},
		{"2d", IntentWarm, "2d"},
		{"2d", IntentCold, "3d"},
		{"1d", IntentHot, "12h"},
		{"1d", IntentCold, "36h"},
		{"4h", IntentHot, "2h"},
		{"30m", IntentCold, "45m"},
		{"1bd", IntentHot, "1bd"},
		{"2bd", IntentHot, "1bd"},
		{"3bd", IntentHot, "2bd"},
		{"1bd", IntentCold, "2bd"},
		{"2bd", IntentCold, "3bd"},
		{"3bd", IntentCold, "5bd"},
		{"3bd", "", "3bd"},
	}
	for _, tt := range tests {
		if got := mustGap(t, tt.gap).Scaled(tt.in).String(); got != tt.want {
			t.Errorf("%s scaled %s = %s, want %s", tt.gap, tt.in, got, tt.want)
		}
	}
}

func FuzzParseGap(f *testing.F) {
	for _, s := range []string{"0", "30m", "4h", "2d", "1w", "3bd", "2x", "-1d", "99999d", "", "1.5d", "0bd", "365d", "52w", "8760h", "525600m", "0007d", "+1d", "１d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGap(s)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("ParseGap(%q): uncoded error %v", s, err)
			}
			return
		}
		if g.Wall < 0 || g.BusinessDays < 0 || g.Wall > MaxGapDays*day || g.BusinessDays > MaxBusinessDays {
			t.Fatalf("ParseGap(%q) = %+v out of range", s, g)
		}
		back, err := ParseGap(g.String())
		if err != nil || back != g {
			t.Fatalf("ParseGap(%q).String() = %q does not round-trip: %+v, %v", s, g.String(), back, err)
		}
	})
}
