package prompts

import (
	"strings"
	"time"
	"unicode"
)

// honorifics and suffixes are left out when a given name is looked for.
var (
	honorifics = map[string]bool{"dr": true, "mr": true, "mrs": true, "ms": true, "miss": true, "mx": true,
		"prof": true, "professor": true, "sir": true, "dame": true, "rev": true, "fr": true, "herr": true,
		"frau": true, "mme": true, "mlle": true, "m": true, "sr": true, "sra": true, "srta": true, "dott": true}
	suffixes = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "phd": true,
		"md": true, "mba": true, "esq": true, "cpa": true, "dds": true}
)

// GivenName returns the given name in a contact's name, capitalised, for a greeting: "Dr. Jane
// Smith" is "Jane", "Smith, Jane" is "Jane", "dana" is "Dana", "J. Robert Lee" is "Robert". It
// returns "" when no given name can be found (an email address, digits, a lone initial, a script
// without capital letters), and then the greeting is "Hi,".
func GivenName(name string) string {
	name = strings.TrimSpace(data(name))
	if name == "" || strings.ContainsAny(name, "@/\\<>[]{}|=#$%&*_+") {
		return ""
	}
	if last, first, ok := strings.Cut(name, ","); ok {
		if f := strings.Fields(strings.Trim(first, " .")); len(f) > 0 && !suffixes[key(f[0])] {
			name = first
		} else {
			name = last
		}
	}
	var toks []string
	for _, t := range strings.Fields(name) {
		t = strings.Trim(t, `.,;:!?"'()`)
		if t == "" || honorifics[key(t)] && len(toks) == 0 || suffixes[key(t)] {
			continue
		}
		toks = append(toks, t)
	}
	for _, t := range toks {
		if len([]rune(t)) < 2 { // an initial: try the next word
			continue
		}
		return capitalise(t)
	}
	return ""
}

func key(s string) string { return strings.ToLower(strings.Trim(s, ".,")) }

// capitalise returns t with its first letter upper case, and the rest lower case when t was all one
// case ("DANA", "dana"); mixed case ("DeShawn") stays. It returns "" for a word that is not a name.
func capitalise(t string) string {
	hasUpper, hasLower := false, false
	for _, r := range t {
		switch {
		case unicode.IsUpper(r):
			hasUpper = true
		case unicode.IsLower(r):
			hasLower = true
		case r == '-' || r == '\'' || r == '\u2019':
		default:
			return ""
		}
	}
	rs := []rune(t)
	if !hasUpper && !hasLower {
		return ""
	}
	if !(hasUpper && hasLower) {
		rs = []rune(strings.ToLower(t))
		for i := range rs {
			if i == 0 || rs[i-1] == '-' {
				rs[i] = unicode.ToUpper(rs[i])
			}
		}
	}
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// whenPhrase says when t happened, seen from now in loc: "today", "yesterday", "on Tuesday" within
// a week, "on 3 March" after that (with the year when it is not this year's). It returns "" for a
// zero t and for a t after now: a draft never dates anything later than the moment of drafting.
func whenPhrase(t, now time.Time, loc *time.Location) string {
	if t.IsZero() || now.IsZero() || t.After(now) {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	days := dayNumber(now) - dayNumber(t)
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "yesterday"
	case days < 7:
		return "on " + t.Weekday().String()
	case t.Year() == now.Year():
		return "on " + t.Format("2 January")
	}
	return "on " + t.Format("2 January 2006")
}

// dayDate formats a day for a message: "Friday 20 March", with the year when it is not now's.
func dayDate(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if !now.IsZero() && t.Year() != now.In(loc).Year() {
		return t.Format("Monday 2 January 2006")
	}
	return t.Format("Monday 2 January")
}

func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// nextWorkdays returns the names of the next two weekdays after now in loc ("Thursday", "Friday").
func nextWorkdays(now time.Time, loc *time.Location) (string, string) {
	if loc == nil {
		loc = time.UTC
	}
	if now.IsZero() {
		return "Tuesday", "Wednesday"
	}
	var out []string
	d := now.In(loc)
	for len(out) < 2 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			out = append(out, wd.String())
		}
	}
	return out[0], out[1]
}
