// Package report is the team report as people see it: the view of the numbers the store counts
// (cadence.Report), its highlights, the plain text and CSV of followup report, the Block Kit
// message of the weekly report and /followup report (as plain JSON-shaped values: this package
// imports nothing of Slack), the reply-rate chart, and the arithmetic of its weeks and of its cron
// schedule. The bot, followup report and followup demo share it; posting, scheduling with
// catch-up and the slash command stay in bot.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Limits that keep the report message inside Block Kit's (50 blocks, 3000 characters a section)
// however many cadences and reps there are.
const (
	maxReportCadences = 20   // cadence sections; the rest are named in "and N more"
	maxReportBlocks   = 50   // Slack's limit for a message
	reportSectionCap  = 2900 // a little under 3000, for the "and N more" line
)

// View is a computed report with what it takes to show it to people.
type View struct {
	Report cadence.Report
	Loc    *time.Location                          // the team's zone: dates are shown in it
	Lookup func(id string) (cadence.Cadence, bool) // the cadence library; nil shows ids only
}

// New returns the view of r in the zone loc (UTC when nil), with cadence names from lib (which may
// be nil: ids only).
func New(r cadence.Report, lib *cadence.Library, loc *time.Location) View {
	v := View{Report: r, Loc: orUTC(loc)}
	if lib != nil {
		v.Lookup = func(id string) (cadence.Cadence, bool) {
			cd, err := lib.Get(id)
			return cd, err == nil
		}
	}
	return v
}

// cadenceName names a cadence for people: "After a demo", or its id when the library lost it.
func (v View) cadenceName(id string) string {
	if v.Lookup != nil {
		if cd, ok := v.Lookup(id); ok && cd.Name != "" {
			return cd.Name
		}
	}
	return id
}

// stepName names a step: "step 2 (Answer a likely concern)".
func (v View) stepName(cadID string, step int) string {
	s := fmt.Sprintf("step %d", step+1)
	if p := v.purpose(cadID, step); p != "" {
		s += " (" + p + ")"
	}
	return s
}

// purpose is the purpose of a step, "Answer a likely concern", or "" when the library does not
// have the step (any more).
func (v View) purpose(cadID string, step int) string {
	if v.Lookup != nil {
		if cd, ok := v.Lookup(cadID); ok && step >= 0 && step < len(cd.Steps) {
			return cd.Steps[step].PurposeLabel()
		}
	}
	return ""
}

// stepStats returns the numbers of step among steps, or zero ones when the step had no touches.
func stepStats(steps []cadence.StepStats, step int) cadence.StepStats {
	for _, st := range steps {
		if st.Step == step {
			return st
		}
	}
	return cadence.StepStats{}
}

// PeriodLabel says which days the report covers: "Mon 2 Mar – Sun 8 Mar 2026".
func (v View) PeriodLabel() string {
	from, to := v.Report.Period.From.In(v.Loc), v.Report.Period.To.In(v.Loc).Add(-time.Millisecond)
	return from.Format("Mon 2 Jan") + " – " + to.Format("Mon 2 Jan 2006")
}

// periodNames name the report's range in sentences: "this week" and "the week before" for seven
// days (the weekly report, /followup report), else "these 30 days" and "the 30 days before"
// (followup report --from --to).
func (v View) periodNames() (this, before string) {
	p := v.Report.Period
	days := int(math.Round(p.To.Sub(p.From).Hours() / 24))
	switch {
	case days <= 0 || days == 7:
		return "this week", "the week before"
	case days == 1:
		return "this day", "the day before"
	default:
		return fmt.Sprintf("these %d days", days), fmt.Sprintf("the %d days before", days)
	}
}

// cadenceOrder lists every cadence seen since the start, the busiest this period first.
func (v View) cadenceOrder() []string {
	type key struct {
		id           string
		period, ever int
	}
	var ks []key
	for _, c := range v.Report.AllTime.Cadences {
		p, _ := v.Report.Period.Cadence(c.CadenceID)
		ks = append(ks, key{c.CadenceID, p.Touches + p.Enrolled + p.Replies, c.Touches})
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].period != ks[j].period {
			return ks[i].period > ks[j].period
		}
		if ks[i].ever != ks[j].ever {
			return ks[i].ever > ks[j].ever
		}
		return ks[i].id < ks[j].id
	})
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = k.id
	}
	return ids
}

// minStepTouches is how many touches a step needs before it can be called the best: one reply to
// one touch is luck, not a finding.
const minStepTouches = 3

// Highlights returns the report's findings in plain words: the step that gets the most answers,
// cadences whose opt-outs rose against the period before, complaints, and overdue touches.
func (v View) Highlights() []string {
	var out []string
	r := v.Report
	this, before := v.periodNames()
	best := func(s cadence.Section, when string) bool {
		var bc string
		var bs cadence.StepStats
		for _, c := range s.Cadences {
			for _, st := range c.Steps {
				if st.Touches < minStepTouches {
					continue
				}
				// a/b > c/d  <=>  a*d > c*b; ties go to the step with more replies.
				if bc == "" || st.Replies*bs.Touches > bs.Replies*st.Touches ||
					st.Replies*bs.Touches == bs.Replies*st.Touches && st.Replies > bs.Replies {
					bc, bs = c.CadenceID, st
				}
			}
		}
		if bc == "" || bs.Replies == 0 {
			return false
		}
		out = append(out, fmt.Sprintf("Best step %s: *%s*, %s: %s to %s (%s).", when,
			cadence.Escape(v.cadenceName(bc)), cadence.Escape(v.stepName(bc, bs.Step)),
			plural(bs.Replies, "reply", "replies"), plural(bs.Touches, "touch", "touches"), rate(bs.Replies, bs.Touches)))
		return true
	}
	if !best(r.Period, this) {
		best(r.AllTime, "since the start")
	}
	for _, c := range r.Period.Cadences {
		prev, _ := r.Previous.Cadence(c.CadenceID)
		if c.OptOuts > prev.OptOuts {
			out = append(out, fmt.Sprintf("Opt-outs rose in *%s*: %d %s, %d %s. Check its timing and whether each message gives a new reason to reply.",
				cadence.Escape(v.cadenceName(c.CadenceID)), c.OptOuts, this, prev.OptOuts, before))
		}
		if c.Complaints > 0 {
			out = append(out, fmt.Sprintf("*%s* drew %s %s: look at who it reaches and how often.",
				cadence.Escape(v.cadenceName(c.CadenceID)), plural(c.Complaints, "complaint", "complaints"), this))
		}
	}
	if n := r.Period.Team.Overdue; n > 0 {
		out = append(out, fmt.Sprintf("%s overdue right now.", capitalize(plural(n, "touch is", "touches are"))))
	}
	if r.Period.Team.Touches == 0 && r.Period.Team.Enrolled == 0 {
		out = append(out, "No touches were logged "+this+".")
	}
	return out
}

// countsLine is one line of a cadence's or the team's numbers.
func countsLine(c cadence.Counts, withOverdue bool) string {
	s := fmt.Sprintf("Enrolled %d · Touches %d · Replies %s · Meetings %d · Opt-outs %d · Complaints %d · Bounces %d",
		c.Enrolled, c.Touches, rate(c.Replies, c.Touches), c.Meetings, c.OptOuts, c.Complaints, c.Bounces)
	if c.OutOfOffice > 0 {
		s += fmt.Sprintf(" · Out of office %d", c.OutOfOffice) // not replies; only when there are some
	}
	if withOverdue {
		s += fmt.Sprintf(" · Overdue now %d", c.Overdue)
	}
	return s
}

// cadenceText is the section of one cadence: the period, since the start, its steps and its ends.
func (v View) cadenceText(id string) string {
	p, _ := v.Report.Period.Cadence(id)
	all, _ := v.Report.AllTime.Cadence(id)
	this, _ := v.periodNames()
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (`%s`)\n", cadence.Escape(v.cadenceName(id)), cadence.Escape(id))
	fmt.Fprintf(&b, "%s: %s\n", capitalize(this), countsLine(p.Counts, true))
	fmt.Fprintf(&b, "Since the start: %s\n", countsLine(all.Counts, false))
	var steps []string
	for _, st := range all.Steps {
		ps := stepStats(p.Steps, st.Step)
		steps = append(steps, fmt.Sprintf("%d. %s %s, %s since the start", st.Step+1, rate(ps.Replies, ps.Touches), this, rate(st.Replies, st.Touches)))
	}
	if len(steps) > 0 {
		b.WriteString("Replies per step (replies/touches):\n")
		b.WriteString(joinLines(steps, 1200, "steps"))
		b.WriteByte('\n')
	}
	if ended := endedLine(p.Stopped); ended != "" {
		fmt.Fprintf(&b, "Ended %s: %s\n", this, ended)
	}
	if ended := endedLine(all.Stopped); ended != "" {
		fmt.Fprintf(&b, "Ended since the start: %s\n", ended)
	}
	return truncate(strings.TrimRight(b.String(), "\n"), reportSectionCap)
}

// endedLine counts the follow-ups that ended by each stop rule: "Replied 3 · Opted out 1"; "" when
// none ended.
func endedLine(stopped map[cadence.StopReason]int) string {
	var ended []string
	for _, reason := range cadence.StopReasons {
		if n := stopped[reason]; n > 0 {
			ended = append(ended, fmt.Sprintf("%s %d", reason.Label(), n))
		}
	}
	return strings.Join(ended, " · ")
}

// repLines are the per-rep lines, the busiest first.
func (v View) repLines() []string {
	var lines []string
	for _, r := range v.Report.Period.Reps {
		lines = append(lines, fmt.Sprintf("%s: %s · replies %s · %s · %d overdue", mention(r.Rep),
			plural(r.Touches, "touch", "touches"), rate(r.Replies, r.Touches), plural(r.Meetings, "meeting", "meetings"), r.Overdue))
	}
	return lines
}

// Text renders the report as plain text for a terminal (followup report).
func (v View) Text() string {
	r := v.Report
	var b strings.Builder
	fmt.Fprintf(&b, "Follow-up report, %s (%s)\n\n", v.PeriodLabel(), v.Loc)
	for _, h := range v.Highlights() {
		fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(h, "*", ""))
	}
	fmt.Fprintf(&b, "\nTeam: %s\n", countsLine(r.Period.Team, true))
	fmt.Fprintf(&b, "Team since the start: %s\n", countsLine(r.AllTime.Team, false))
	for _, id := range v.cadenceOrder() {
		b.WriteString("\n")
		b.WriteString(strings.NewReplacer("*", "", "`", "").Replace(v.cadenceText(id)))
		b.WriteString("\n")
	}
	if len(r.Period.Reps) > 0 {
		b.WriteString("\nReps:\n")
		for _, rp := range r.Period.Reps {
			fmt.Fprintf(&b, "  %s: %s, replies %s, %s, %d overdue\n", rp.Rep, plural(rp.Touches, "touch", "touches"),
				rate(rp.Replies, rp.Touches), plural(rp.Meetings, "meeting", "meetings"), rp.Overdue)
		}
	}
	return b.String()
}

// WriteCSV writes the per-step numbers, this period and since the start, one row a step.
func (v View) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"from", "to", "cadence_id", "cadence", "step", "purpose", "touches", "replies", "reply_rate",
		"touches_all_time", "replies_all_time", "reply_rate_all_time"})
	// Both days are included, as in followup report --from --to: the range ends just before To.
	from := v.Report.Period.From.In(v.Loc).Format(time.DateOnly)
	to := v.Report.Period.To.In(v.Loc).Add(-time.Millisecond).Format(time.DateOnly)
	pct := func(n, d int) string {
		if d == 0 {
			return ""
		}
		return strconv.FormatFloat(float64(n)/float64(d), 'f', 4, 64)
	}
	for _, id := range v.cadenceOrder() {
		all, _ := v.Report.AllTime.Cadence(id)
		p, _ := v.Report.Period.Cadence(id)
		for _, st := range all.Steps {
			ps := stepStats(p.Steps, st.Step)
			_ = cw.Write([]string{from, to, id, v.cadenceName(id), strconv.Itoa(st.Step + 1), v.purpose(id, st.Step),
				strconv.Itoa(ps.Touches), strconv.Itoa(ps.Replies), pct(ps.Replies, ps.Touches),
				strconv.Itoa(st.Touches), strconv.Itoa(st.Replies), pct(st.Replies, st.Touches)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// OnlyRep keeps of the per-rep rows only the rep's own; the team and cadence numbers stay.
func (v View) OnlyRep(user string) View {
	keep := func(s *cadence.Section) {
		var reps []cadence.RepStats
		for _, r := range s.Reps {
			if r.Rep == user {
				reps = append(reps, r)
			}
		}
		s.Reps = reps
	}
	keep(&v.Report.Period)
	keep(&v.Report.Previous)
	keep(&v.Report.AllTime)
	return v
}
