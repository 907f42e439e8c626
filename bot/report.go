package bot

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// Limits that keep the report message inside Block Kit's (50 blocks, 3000 characters a section)
// however many cadences and reps there are.
const (
	maxReportCadences = 20   // cadence sections; the rest are named in "and N more"
	maxReportBlocks   = 50   // Slack's limit for a message
	reportSectionCap  = 2900 // a little under 3000, for the "and N more" line
)

// ReportView is a computed report with what it takes to show it to people.
type ReportView struct {
	Report cadence.Report
	Loc    *time.Location                          // the team's zone: dates are shown in it
	Lookup func(id string) (cadence.Cadence, bool) // the cadence library; nil shows ids only
}

// NewReportView returns the view of r with cadence names from lib (which may be nil).
func NewReportView(r cadence.Report, lib *cadence.Library, loc *time.Location) ReportView {
	return ReportView{Report: r, Loc: orUTC(loc), Lookup: libLookup(lib)}
}

// libLookup is the lookup of cadences by id that the report and the App Home take, over lib; nil
// when lib is nil.
func libLookup(lib *cadence.Library) func(id string) (cadence.Cadence, bool) {
	if lib == nil {
		return nil
	}
	return func(id string) (cadence.Cadence, bool) {
		cd, err := lib.Get(id)
		return cd, err == nil
	}
}

// cadenceNameIn names a cadence for people: "After a demo", or its id when lookup (which may be
// nil) does not know it.
func cadenceNameIn(lookup func(id string) (cadence.Cadence, bool), id string) string {
	if lookup != nil {
		if cd, ok := lookup(id); ok && cd.Name != "" {
			return cd.Name
		}
	}
	return id
}

// cadenceName names a cadence for people: "After a demo", or its id when the library lost it.
func (v ReportView) cadenceName(id string) string { return cadenceNameIn(v.Lookup, id) }

// stepName names a step: "step 2 (Answer a likely concern)".
func (v ReportView) stepName(cadID string, step int) string {
	s := fmt.Sprintf("step %d", step+1)
	if p := v.purpose(cadID, step); p != "" {
		s += " (" + p + ")"
	}
	return s
}

// purpose is the purpose of a step, "Answer a likely concern", or "" when the library does not
// have the step (any more).
func (v ReportView) purpose(cadID string, step int) string {
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

// rate shows a rate with its counts: "3/12 (25%)"; "0/0" when there is nothing to divide by.
func rate(n, d int) string {
	if d == 0 {
		return fmt.Sprintf("%d/0", n)
	}
	return fmt.Sprintf("%d/%d (%d%%)", n, d, (n*100+d/2)/d)
}

// plural returns "1 reply" or "3 replies".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// periodLabel says which days the report covers: "Mon 2 Mar – Sun 8 Mar 2026".
func (v ReportView) periodLabel() string {
	from, to := v.Report.Period.From.In(v.Loc), v.Report.Period.To.In(v.Loc).Add(-time.Millisecond)
	return from.Format("Mon 2 Jan") + " – " + to.Format("Mon 2 Jan 2006")
}

// periodNames name the report's range in sentences: "this week" and "the week before" for seven
// days (the weekly report, /followup report), else "these 30 days" and "the 30 days before"
// (followup report --from --to).
func (v ReportView) periodNames() (this, before string) {
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
func (v ReportView) cadenceOrder() []string {
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
func (v ReportView) Highlights() []string {
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
			escapeText(v.cadenceName(bc)), escapeText(v.stepName(bc, bs.Step)),
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
				escapeText(v.cadenceName(c.CadenceID)), c.OptOuts, this, prev.OptOuts, before))
		}
		if c.Complaints > 0 {
			out = append(out, fmt.Sprintf("*%s* drew %s %s: look at who it reaches and how often.",
				escapeText(v.cadenceName(c.CadenceID)), plural(c.Complaints, "complaint", "complaints"), this))
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
func (v ReportView) cadenceText(id string) string {
	p, _ := v.Report.Period.Cadence(id)
	all, _ := v.Report.AllTime.Cadence(id)
	this, _ := v.periodNames()
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (`%s`)\n", escapeText(v.cadenceName(id)), escapeText(id))
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
func (v ReportView) repLines() []string {
	var lines []string
	for _, r := range v.Report.Period.Reps {
		lines = append(lines, fmt.Sprintf("%s: %s · replies %s · %s · %d overdue", mention(r.Rep),
			plural(r.Touches, "touch", "touches"), rate(r.Replies, r.Touches), plural(r.Meetings, "meeting", "meetings"), r.Overdue))
	}
	return lines
}

// Blocks renders the report as one Slack message within Block Kit's limits, with its
// notification text.
func (v ReportView) Blocks() (string, []slack.Block) {
	r := v.Report
	t := r.Period.Team
	this, _ := v.periodNames()
	fallback := fmt.Sprintf("Follow-up report, %s: %s, replies %s, %s, %s.", v.periodLabel(),
		plural(t.Touches, "touch", "touches"), rate(t.Replies, t.Touches), plural(t.Meetings, "meeting", "meetings"), plural(t.OptOuts, "opt-out", "opt-outs"))
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(truncate("Follow-up report · "+v.periodLabel(), maxHeaderChars))),
	}
	if hs := v.Highlights(); len(hs) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(joinLines(bullets(hs), reportSectionCap, "highlights")), nil, nil))
	}
	blocks = append(blocks,
		slack.NewSectionBlock(mrkdwn(truncate("*Team "+this+"*\n"+countsLine(t, true)+
			"\n*Since the start*\n"+countsLine(r.AllTime.Team, false), reportSectionCap)), nil, nil),
		slack.NewDividerBlock(),
	)
	ids := v.cadenceOrder()
	// Keep room for: "and N more" context, divider, reps section, footer context.
	room := min(maxReportCadences, maxReportBlocks-len(blocks)-4)
	for i, id := range ids {
		if i == room {
			var rest []string
			for _, id := range ids[i:] {
				rest = append(rest, v.cadenceName(id))
			}
			blocks = append(blocks, slack.NewSectionBlock(
				mrkdwn(truncate(fmt.Sprintf("…and %d more cadences: %s", len(rest), escapeText(strings.Join(rest, ", "))), reportSectionCap)), nil, nil))
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(v.cadenceText(id)), nil, nil))
	}
	if len(ids) == 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("No follow-ups yet. Enroll a contact with `/followup add`."), nil, nil))
	}
	blocks = append(blocks, slack.NewDividerBlock())
	if lines := v.repLines(); len(lines) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("*Reps "+this+"*\n"+joinLines(lines, reportSectionCap-20, "reps")), nil, nil))
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(
		"_A reply rate is replies/touches logged in the same days; a reply counts for the step whose touch came just before it. Opens are not counted: replies, meetings, opt-outs and complaints say more._"), nil, nil))
	return truncate(fallback, maxSectionText), blocks
}

func bullets(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "• " + l
	}
	return out
}

// Text renders the report as plain text for a terminal (followup report).
func (v ReportView) Text() string {
	r := v.Report
	var b strings.Builder
	fmt.Fprintf(&b, "Follow-up report, %s (%s)\n\n", v.periodLabel(), v.Loc)
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
func (v ReportView) WriteCSV(w io.Writer) error {
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

// buildReport computes the report for [from, to) as of now.
func (b *Bot) buildReport(ctx context.Context, from, to time.Time) (ReportView, error) {
	r, err := b.store.Report(ctx, from, to, b.now())
	if err != nil {
		return ReportView{}, err
	}
	return NewReportView(r, b.lib, b.cfg.Team.Location), nil
}

// postReport posts the report to channel with its chart. A chart that cannot be drawn or
// uploaded is logged: the numbers matter more than the picture.
// opts add to the message (the scheduled report's metadata).
func (b *Bot) postReport(ctx context.Context, channel string, v ReportView, opts ...slack.MsgOption) error {
	text, blocks := v.Blocks()
	ch, _, err := b.api.PostMessageContext(ctx, channel, append([]slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}, opts...)...)
	if err != nil {
		return fmt.Errorf("post report to %s: %w", channel, err)
	}
	if err := b.uploadChart(ctx, ch, v); err != nil {
		b.log.Warn("report chart not uploaded", "channel", ch, "err", err)
	}
	return nil
}

// lastWeek returns [to-7 days, to) in the team's zone (seven calendar days across a DST change):
// the rolling week /followup report shows.
func (b *Bot) lastWeek(to time.Time) (time.Time, time.Time) {
	loc := orUTC(b.cfg.Team.Location)
	t := to.In(loc)
	return t.AddDate(0, 0, -7), t
}

// weekBefore returns the seven whole days in the team's zone before the day of at, midnight to
// midnight: the week a scheduled report fired at at covers. A report due Monday 09:00 covers Monday
// to Sunday of the week before, and what happens on Monday morning before it fires belongs to the
// next report, not to two reports or to none.
func (b *Bot) weekBefore(at time.Time) (time.Time, time.Time) {
	to := dayStart(at, orUTC(b.cfg.Team.Location))
	return to.AddDate(0, 0, -7), to
}

// cmdReport answers /followup report: the past 7 days, posted to the report channel when one is
// set (the reply says so), else shown only to the asker.
func (b *Bot) cmdReport(ctx context.Context, r request) (Reply, error) {
	admin := b.isAdmin(r.user)
	if !admin {
		if ok, wait := b.limits.allow("report:"+r.user, b.now(), 1, reportEvery); !ok {
			return Reply{}, cadence.Errorf(cadence.EINVALID, "You asked for the report less than a minute ago; try again in %d s.",
				int(wait.Round(time.Second)/time.Second)+1)
		}
	}
	from, to := b.lastWeek(b.now())
	v, err := b.buildReport(ctx, from, to)
	if err != nil {
		return Reply{}, err
	}
	if !admin {
		// Only admins post to the team's channel; anyone else sees their own numbers with the
		// team's totals, only to themselves.
		v = v.onlyRep(r.user)
		text, blocks := v.Blocks()
		note := "Your numbers and the team's totals, shown only to you. Only admins post the report to the channel."
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(note)))
		return Reply{Text: text, Blocks: blocks}, nil
	}
	if ch := b.cfg.ReportChannel; ch != "" {
		if err := b.postReport(ctx, ch, v); err != nil {
			return Reply{}, err
		}
		return textReply("Posted the report for %s in <#%s>.", v.periodLabel(), ch), nil
	}
	text, blocks := v.Blocks()
	return Reply{Text: text, Blocks: blocks}, nil
}

// reportEvery is how often someone who is not an admin may ask for the report.
const reportEvery = time.Minute

// onlyRep keeps of the per-rep rows only the rep's own; the team and cadence numbers stay.
func (v ReportView) onlyRep(user string) ReportView {
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

// reportSchedule parses FOLLOWUP_REPORT_CRON in the team's zone.
func (b *Bot) reportSchedule() (cron.Schedule, string, error) {
	spec := "CRON_TZ=" + orUTC(b.cfg.Team.Location).String() + " " + b.cfg.ReportCron
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, "", fmt.Errorf("FOLLOWUP_REPORT_CRON %q: %w", b.cfg.ReportCron, err)
	}
	return s, spec, nil
}

// lastFiring returns the latest time at or before now at which the schedule fired, looking back at
// most 45 days, or the zero time when it did not fire in that time.
func lastFiring(s cron.Schedule, now time.Time) time.Time {
	var last time.Time
	t := now.Add(-45 * 24 * time.Hour)
	for range 100_000 {
		next := s.Next(t)
		if next.IsZero() || next.After(now) {
			break
		}
		last, t = next, next
	}
	return last
}

// runScheduledReport posts the report that was due last (at the latest firing of the schedule at
// or before now) unless it was already posted. It serves the cron job and the catch-up at start
// alike, so a report missed while the bot was down goes out when it is back, and each week is
// reported exactly once, across crashes and replicas. It does nothing without a report channel.
func (b *Bot) runScheduledReport(ctx context.Context) error {
	if b.cfg.ReportChannel == "" || b.cfg.ReportCron == "" {
		return nil
	}
	b.report.mu.Lock() // the cron job and the catch-up job may fire together
	defer b.report.mu.Unlock()
	sched, _, err := b.reportSchedule()
	if err != nil {
		return err
	}
	due := lastFiring(sched, b.now())
	if due.IsZero() {
		return nil
	}
	prev, err := b.store.LastReportedWeek(ctx)
	if err != nil {
		return err
	}
	if !prev.IsZero() && !due.After(prev) {
		return nil
	}
	// Built before the intent is recorded: a process that dies while building (the slow part)
	// leaves no trace, for the next start or the next leader among replicas to report the week.
	from, to := b.weekBefore(due)
	v, err := b.buildReport(ctx, from, to)
	if err != nil {
		return fmt.Errorf("weekly report for %s: %w", due.Format(time.RFC3339), err)
	}
	// Exactly once across crashes and replicas, the way reminder DMs are: the intent is recorded
	// before the post, the post carries metadata naming its week, and the post is recorded after.
	// A run that finds the intent of an earlier one looks for that post before posting again.
	state, err := b.store.BeginReport(ctx, due, b.report.ownerToken(), b.now(), b.reportLease())
	if err != nil || state == cadence.ReportDone {
		return err
	}
	if state == cadence.ReportBusy {
		b.log.Info("weekly report being posted by another process", "period_end", due)
		return nil
	}
	if state == cadence.ReportRetry {
		found, err := b.findReport(ctx, due)
		switch {
		case err != nil && historyRefused(err):
			// Waiting would not help: without the scope (an install from before it was asked for)
			// or the channel, the history stays unreadable, and the week would never be reported.
			// A report possibly doubled after a crash is better than one never posted.
			b.log.Warn("weekly report: cannot read the report channel's history to look for an earlier post; "+
				"posting it, which may double it after a crash (reinstall the app from manifest.yaml for channels:history and groups:history)",
				"channel", b.cfg.ReportChannel, "err", err)
		case err != nil:
			return fmt.Errorf("weekly report for %s: look for an earlier post: %w", due.Format(time.RFC3339), err)
		}
		if found {
			if _, err := b.store.MarkReported(context.WithoutCancel(ctx), due); err != nil {
				return err
			}
			b.log.Info("weekly report found already posted", "channel", b.cfg.ReportChannel, "period_end", due)
			return nil
		}
	}
	if err := b.postReport(ctx, b.cfg.ReportChannel, v, slack.MsgOptionMetadata(reportMeta(due))); err != nil {
		// Also when the bot is stopping: the intent stays, and the next run (this process's next
		// tick, the next start, or the next leader) looks for the post before posting again.
		return fmt.Errorf("weekly report for %s: %w", due.Format(time.RFC3339), err)
	}
	if _, err := b.store.MarkReported(context.WithoutCancel(ctx), due); err != nil {
		return fmt.Errorf("weekly report for %s posted, not recorded: %w", due.Format(time.RFC3339), err)
	}
	b.log.Info("weekly report posted", "channel", b.cfg.ReportChannel, "period_end", due)
	return nil
}

// scheduleReport adds the weekly report to the scheduler: a cron job on FOLLOWUP_REPORT_CRON in
// FOLLOWUP_TIMEZONE, and a one-time job at start that posts a report missed while the bot was
// down (with an Elector, a job every Tick, so that a new leader posts what the old one missed). It adds nothing when no report channel is set. guard (from startJobs) makes shutdown wait
// for a run in flight; a run has two minutes at most, and is cancelled when the bot stops.
func (b *Bot) scheduleReport(s gocron.Scheduler, guard func(func(context.Context)) func()) error {
	if b.cfg.ReportChannel == "" || b.cfg.ReportCron == "" {
		return nil
	}
	_, spec, err := b.reportSchedule()
	if err != nil {
		return err
	}
	task := gocron.NewTask(guard(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := b.runScheduledReport(ctx); err != nil {
			b.log.Error("weekly report failed", "err", err)
		}
	}))
	if _, err := s.NewJob(gocron.CronJob(spec, false), task, gocron.WithName("weekly-report"),
		gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
		return fmt.Errorf("schedule weekly report: %w", err)
	}
	catchUp := gocron.OneTimeJob(gocron.OneTimeJobStartImmediately())
	var catchUpOpts []gocron.JobOption
	if b.cfg.Elector != nil {
		// Among replicas the leader may change at any time, and a new leader must post what the
		// old one missed: the catch-up then runs every tick (one read when nothing is due).
		catchUp = gocron.DurationJob(b.cfg.Tick)
		catchUpOpts = []gocron.JobOption{gocron.WithStartAt(gocron.WithStartImmediately()),
			gocron.WithSingletonMode(gocron.LimitModeReschedule)}
	}
	if _, err := s.NewJob(catchUp, task, append(catchUpOpts, gocron.WithName("weekly-report-catch-up"))...); err != nil {
		return fmt.Errorf("schedule weekly report catch-up: %w", err)
	}
	return nil
}
