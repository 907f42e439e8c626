package classify

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// months maps month names and abbreviations, folded, in the seven languages to their number.
var months = func() map[string]time.Month {
	m := map[string]time.Month{}
	add := func(n time.Month, names ...string) {
		for _, s := range names {
			m[s] = n
		}
	}
	add(time.January, "january", "jan", "januar", "jänner", "janvier", "janv", "enero", "ene", "janeiro", "gennaio", "gen", "januari")
	add(time.February, "february", "feb", "februar", "février", "fevrier", "févr", "fev", "febrero", "fevereiro", "febbraio", "februari")
	add(time.March, "march", "mar", "märz", "maerz", "mär", "mars", "marzo", "março", "marco", "maart", "mrt")
	add(time.April, "april", "apr", "avril", "avr", "abril", "abr", "aprile")
	add(time.May, "may", "mai", "mayo", "maio", "maggio", "mag", "mei")
	add(time.June, "june", "jun", "juni", "juin", "junio", "junho", "giugno", "giu")
	add(time.July, "july", "jul", "juli", "juillet", "juil", "julio", "julho", "luglio", "lug")
	add(time.August, "august", "aug", "août", "aout", "agosto", "augustus")
	add(time.September, "september", "sep", "sept", "septembre", "septiembre", "setembro", "settembre")
	add(time.October, "october", "oct", "oktober", "okt", "octobre", "octubre", "outubro", "ottobre", "ott")
	add(time.November, "november", "nov", "novembre", "noviembre", "novembro")
	add(time.December, "december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic", "dezembro", "dicembre")
	return m
}()

// weekdays maps weekday names, folded, in the seven languages.
var weekdays = func() map[string]time.Weekday {
	m := map[string]time.Weekday{}
	names := [7][]string{
		{"sunday", "sonntag", "dimanche", "domingo", "domenica", "zondag"},
		{"monday", "montag", "lundi", "lunes", "segunda-feira", "segunda", "lunedì", "lunedi", "maandag"},
		{"tuesday", "dienstag", "mardi", "martes", "terça-feira", "terça", "martedì", "martedi", "dinsdag"},
		{"wednesday", "mittwoch", "mercredi", "miércoles", "miercoles", "quarta-feira", "quarta", "mercoledì", "mercoledi", "woensdag"},
		{"thursday", "donnerstag", "jeudi", "jueves", "quinta-feira", "quinta", "giovedì", "giovedi", "donderdag"},
		{"friday", "freitag", "vendredi", "viernes", "sexta-feira", "sexta", "venerdì", "venerdi", "vrijdag"},
		{"saturday", "samstag", "samedi", "sábado", "sabado", "sabato", "zaterdag"},
	}
	for d, ns := range names {
		for _, n := range ns {
			m[n] = time.Weekday(d)
		}
	}
	return m
}()

var (
	monthAlt = func() string {
		names := make([]string, 0, len(months))
		for n := range months {
			names = append(names, regexp.QuoteMeta(n))
		}
		// Longest first, so "march" wins over "mar".
		for i := range names {
			for j := i + 1; j < len(names); j++ {
				if len(names[j]) > len(names[i]) {
					names[i], names[j] = names[j], names[i]
				}
			}
		}
		return strings.Join(names, "|")
	}()
	isoRE      = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	numRE      = regexp.MustCompile(`(?:^|[^\d./])(\d{1,2})([./])(\d{1,2})(?:[./](\d{4}|\d{2}))?(?:[^\d]|$)`)
	dayMonRE   = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th|er|º|°|\.)?\s*(?:de\s+|di\s+)?(` + monthAlt + `)\.?(?:,?\s*(?:de\s+)?(\d{4}))?(?:[^\p{L}]|$)`)
	monDayRE   = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(` + monthAlt + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?`)
	weekdayRE  = regexp.MustCompile(`(?i)(?:back|return|returning|in the office|wieder|retour|regreso|vuelvo|volveré|volta|voltarei|rientro|rientrerò|terug)[^.\n]{0,25}?\b(` + weekdayAlt() + `)\b`)
	pastCutoff = 60 * 24 * time.Hour
)

func weekdayAlt() string {
	names := make([]string, 0, len(weekdays))
	for n := range weekdays {
		names = append(names, regexp.QuoteMeta(n))
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if len(names[j]) > len(names[i]) {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return strings.Join(names, "|")
}

// ReturnDate finds the day an out-of-office says its sender is back: the latest date in text that
// is not before anchor's day and at most a year after it, in any of the seven languages and the
// usual forms ("12 March", "March 12th, 2026", "12.03.2026", "2026-03-12", "bis 14. April",
// "jusqu'au 12 mars", "hasta el 12 de marzo", "back on Monday"). A date without a year is the next
// one on or after anchor, unless it lies up to 60 days before anchor: that is a date in the past
// ("back on 2 March" sent on 5 March), and is ignored. It returns the zero time when no date fits.
// The result is midnight UTC of that day.
func ReturnDate(text string, anchor time.Time) time.Time {
	if len(text) > maxBody {
		text = text[:maxBody]
	}
	low := fold(text)
	day0 := time.Date(anchor.Year(), anchor.Month(), anchor.Day(), 0, 0, 0, 0, time.UTC)
	var best time.Time
	consider := func(t time.Time) {
		if t.IsZero() || t.Before(day0) || t.After(day0.AddDate(1, 0, 0)) {
			return
		}
		if t.After(best) {
			best = t
		}
	}
	for _, m := range isoRE.FindAllStringSubmatch(low, -1) {
		consider(mkDate(atoi(m[1]), atoi(m[2]), atoi(m[3])))
	}
	for _, m := range numRE.FindAllStringSubmatch(low, -1) {
		a, b, year := atoi(m[1]), atoi(m[3]), yearOf(m[4])
		// Day first (Europe), unless that cannot be a date; for "/" a US month first is tried too,
		// and the nearer future date wins.
		dm := withYear(b, a, year, day0)
		if m[2] == "/" {
			md := withYear(a, b, year, day0)
			if dm.IsZero() || (!md.IsZero() && md.Before(dm)) {
				dm = md
			}
		}
		consider(dm)
	}
	for _, m := range dayMonRE.FindAllStringSubmatch(low, -1) {
		consider(withYear(int(months[m[2]]), atoi(m[1]), yearOf(m[3]), day0))
	}
	for _, m := range monDayRE.FindAllStringSubmatch(low, -1) {
		consider(withYear(int(months[m[1]]), atoi(m[2]), yearOf(m[3]), day0))
	}
	if best.IsZero() {
		if m := weekdayRE.FindStringSubmatch(low); m != nil {
			wd := weekdays[m[1]]
			d := (int(wd) - int(day0.Weekday()) + 7) % 7
			if d == 0 {
				d = 7
			}
			best = day0.AddDate(0, 0, d)
		}
	}
	return best
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func yearOf(s string) int {
	switch len(s) {
	case 2:
		return 2000 + atoi(s)
	case 4:
		return atoi(s)
	}
	return 0
}

// mkDate returns the date, or zero when it does not exist (31 April).
func mkDate(y, m, d int) time.Time {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 {
		return time.Time{}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}
	}
	return t
}

// withYear places month m, day d in year y, or, when y is 0, in the year that makes it the next
// such day from day0 (see ReturnDate for dates just past).
func withYear(m, d, y int, day0 time.Time) time.Time {
	if y != 0 {
		return mkDate(y, m, d)
	}
	t := mkDate(day0.Year(), m, d)
	if t.IsZero() || !t.Before(day0) {
		return t
	}
	if day0.Sub(t) <= pastCutoff {
		return time.Time{}
	}
	return mkDate(day0.Year()+1, m, d)
}
