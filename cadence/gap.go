package cadence

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits of a gap: a follow-up planned more than a year out is a mistake, not a cadence.
const (
	MaxGapDays      = 365 // longest wall-clock gap, in days
	MaxBusinessDays = 260 // longest business-day gap (about a working year)
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// gapHelp ends every gap error: what a person can type instead.
const gapHelp = "use 0, 30m, 4h, 2d, 1w or 3bd (business days)"

// ParseGap parses the text of a gap: "0" (at once), minutes "30m", hours "4h", days "2d", weeks
// "1w" or business days "3bd". The number is a whole, non-negative decimal; case and surrounding
// spaces do not matter; "0d" and the like are the zero Gap. Days and weeks are kept as whole days
// (see Window.Due for why that matters across DST changes).
//
// It returns a coded EINVALID error, written for a person, for empty text, an unknown unit ("2x"),
// a negative ("-1d") or fractional ("1.5d") number, and a gap longer than MaxGapDays days or
// MaxBusinessDays business days ("99999d").
func ParseGap(s string) (Gap, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return Gap{}, Errorf(EINVALID, "a gap can't be empty; %s", gapHelp)
	}
	if t == "0" {
		return Gap{}, nil
	}
	num, unit := splitGap(t)
	if strings.HasPrefix(num, "-") {
		return Gap{}, Errorf(EINVALID, "gap %q can't be negative; %s", s, gapHelp)
	}
	if strings.ContainsAny(num, ".,") && isDigits(strings.NewReplacer(".", "", ",", "").Replace(num)) {
		return Gap{}, Errorf(EINVALID, "gap %q must be a whole number; use a smaller unit for part of one, like 36h", s)
	}
	var per time.Duration
	switch unit {
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	case "d":
		per = day
	case "w":
		per = week
	case "bd":
	default:
		return Gap{}, Errorf(EINVALID, "unknown gap %q; %s", s, gapHelp)
	}
	if !isDigits(num) {
		return Gap{}, Errorf(EINVALID, "unknown gap %q; %s", s, gapHelp)
	}
	tooLong := Errorf(EINVALID, "gap %q is too long; at most %d days (or %d business days)", s, MaxGapDays, MaxBusinessDays)
	if len(num) > 7 {
		return Gap{}, tooLong
	}
	n, _ := strconv.Atoi(num) // at most 7 ASCII digits: cannot fail
	if unit == "bd" {
		if n > MaxBusinessDays {
			return Gap{}, tooLong
		}
		return Gap{BusinessDays: n}, nil
	}
	if time.Duration(n) > MaxGapDays*day/per { // checked before multiplying: 8000000h would overflow
		return Gap{}, tooLong
	}
	return Gap{Wall: time.Duration(n) * per}, nil
}

// splitGap splits "12bd" into "12" and "bd": the unit is the trailing run of letters.
func splitGap(t string) (num, unit string) {
	i := len(t)
	for i > 0 && t[i-1] >= 'a' && t[i-1] <= 'z' {
		i--
	}
	return t[:i], t[i:]
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the gap in the text ParseGap reads, in the largest unit that divides it exactly:
// "0", "30m", "4h", "2d", "1w", "3bd"; ParseGap(g.String()) == g for every gap ParseGap returns.
// A gap built in code with both parts set prints both ("2bd+4h"), which ParseGap rejects; a wall
// part that is not a whole number of minutes prints as a Go duration.
func (g Gap) String() string {
	var parts []string
	if g.BusinessDays != 0 {
		parts = append(parts, fmt.Sprintf("%dbd", g.BusinessDays))
	}
	if w := g.Wall; w != 0 {
		switch {
		case w%week == 0:
			parts = append(parts, fmt.Sprintf("%dw", w/week))
		case w%day == 0:
			parts = append(parts, fmt.Sprintf("%dd", w/day))
		case w%time.Hour == 0:
			parts = append(parts, fmt.Sprintf("%dh", w/time.Hour))
		case w%time.Minute == 0:
			parts = append(parts, fmt.Sprintf("%dm", w/time.Minute))
		default:
			parts = append(parts, w.String())
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "+")
}

// IsZero reports whether the gap is "at once".
func (g Gap) IsZero() bool { return g.Wall == 0 && g.BusinessDays == 0 }

// Scaled returns the gap as paced for an intent. These are the intent factors:
//
//   - hot: wall-clock gaps ×0.5; business days n become ceil(n/2) (so 1bd stays 1bd, 3bd becomes 2bd).
//   - warm (and an empty intent): unchanged.
//   - cold: wall-clock gaps ×1.5; business days n become ceil(n×1.5) (1bd becomes 2bd, 3bd becomes 5bd).
//
// A zero gap stays zero: "at once" is at once for everyone. A scaled wall gap that is no longer a
// whole number of days (hot 1d is 12h, cold 1d is 36h) is then an absolute duration; see Window.Due.
func (g Gap) Scaled(in Intent) Gap {
	switch in {
	case IntentHot:
		return Gap{Wall: g.Wall / 2, BusinessDays: (g.BusinessDays + 1) / 2}
	case IntentCold:
		return Gap{Wall: g.Wall * 3 / 2, BusinessDays: (g.BusinessDays*3 + 1) / 2}
	}
	return g
}
