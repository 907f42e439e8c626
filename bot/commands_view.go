package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// maxReplyBlocks keeps a reply under Block Kit's 50 blocks a message.
const maxReplyBlocks = 45

// cmdList lists the rep's running (active and paused) follow-ups, soonest due first.
func (b *Bot) cmdList(ctx context.Context, r request) (Reply, error) {
	if err := wantArgs("list", values(r.args), 0, 0); err != nil {
		return Reply{}, err
	}
	page := func(offset, limit int) ([]cadence.EnrollmentView, int, error) {
		return b.store.QueuePage(ctx, r.user, offset, limit)
	}
	vs, total, err := page(0, fillBatch)
	if err != nil {
		return Reply{}, fmt.Errorf("list enrollments: %w", err)
	}
	if total == 0 {
		return textReply("You have no running follow-ups. Start one with `/followup add`."), nil
	}
	w, _, err := b.repWindow(ctx, r.user)
	if err != nil {
		return Reply{}, err
	}
	lines, err := b.enrollmentLines(vs, total, page, w)
	if err != nil {
		return Reply{}, fmt.Errorf("list enrollments: %w", err)
	}
	head := fmt.Sprintf("*Your follow-ups* (%d running; times in %s)", total, fmtZone(w.Location))
	return blocksReply(head, head, lines), nil
}

// cmdDue lists the rep's follow-ups whose current touch is due now or overdue.
func (b *Bot) cmdDue(ctx context.Context, r request) (Reply, error) {
	if err := wantArgs("due", values(r.args), 0, 0); err != nil {
		return Reply{}, err
	}
	now := b.now()
	page := func(offset, limit int) ([]cadence.EnrollmentView, int, error) {
		return b.store.DueQueuePage(ctx, r.user, now, offset, limit)
	}
	vs, total, err := page(0, fillBatch)
	if err != nil {
		return Reply{}, fmt.Errorf("due enrollments: %w", err)
	}
	if total == 0 {
		return textReply("Nothing is due right now. `/followup list` shows what comes next."), nil
	}
	w, _, err := b.repWindow(ctx, r.user)
	if err != nil {
		return Reply{}, err
	}
	lines, err := b.enrollmentLines(vs, total, page, w)
	if err != nil {
		return Reply{}, fmt.Errorf("due enrollments: %w", err)
	}
	head := fmt.Sprintf("*Due now* (%d; times in %s)", total, fmtZone(w.Location))
	return blocksReply(head, head, lines), nil
}

// fillBatch is how many follow-ups enrollmentLines reads at a time: about as many lines as one
// section holds.
const fillBatch = 40

// enrollmentLines renders one line per follow-up, cut with "…and N more" to fit one section,
// from first, the list's first page, and then further pages from page (QueuePage or
// DueQueuePage) until the section is full: of a rep's 200 follow-ups a list reads and shows about
// 40. total is the number in the whole list.
func (b *Bot) enrollmentLines(first []cadence.EnrollmentView, total int, page func(offset, limit int) ([]cadence.EnrollmentView, int, error), w cadence.Window) (string, error) {
	now := b.now()
	lines := make([]string, 0, min(total, 2*fillBatch))
	size := 0
	vs := first
	for off := 0; size <= maxSectionText; {
		if len(vs) == 0 {
			break
		}
		for _, v := range vs {
			if size > maxSectionText {
				break // the lines so far fill the section; joinLines cuts within them
			}
			line := b.enrollmentLine(v, w, now)
			lines = append(lines, line)
			size += len(line) + 1
		}
		off += len(vs)
		if size > maxSectionText || off >= total || len(vs) < fillBatch {
			break
		}
		var err error
		if vs, _, err = page(off, fillBatch); err != nil {
			return "", err
		}
	}
	return joinCounted(lines, max(total, len(lines)), maxSectionText, "follow-ups (finish or stop some to see them)"), nil
}

// enrollmentLine is one follow-up's line in a list, with its cadence's steps from the library.
func (b *Bot) enrollmentLine(v cadence.EnrollmentView, w cadence.Window, now time.Time) string {
	steps := 0
	if cd, err := b.lib.Get(v.Enrollment.CadenceID); err == nil {
		steps = len(cd.Steps)
	}
	return listLine(v, steps, w.Location, now)
}

// listLine is one follow-up in /followup list and due: "`e0001` *Dana Lee* · demo · step 2
// of 4 · next Tue 3 Mar 10:00", with steps the number of steps of its cadence (0 when the library
// lost it) and times in loc.
func listLine(v cadence.EnrollmentView, steps int, loc *time.Location, now time.Time) string {
	e := v.Enrollment
	line := fmt.Sprintf("`%s` *%s* · %s · %s", e.ID, escapeText(truncate(v.Contact.Label(), 60)), e.CadenceID, stepLabel(e.Step, steps))
	switch {
	case e.Status == cadence.StatusPaused && !e.PausedUntil.IsZero():
		line += " · paused until " + fmtDay(e.PausedUntil, now)
	case e.Status == cadence.StatusPaused:
		line += " · paused"
	case v.Open != nil && !v.Open.Due.After(now):
		line += " · *due* since " + fmtWhen(v.Open.Due, loc, now)
	case v.Open != nil:
		line += " · next " + fmtWhen(v.Open.Due, loc, now)
	}
	return line
}

// cmdShow shows one follow-up: the contact, the note, the signals, and the timeline of past
// touches with their outcomes and planned ones with their dates.
func (b *Bot) cmdShow(ctx context.Context, r request) (Reply, error) {
	pos, _, err := splitArgs(r.args)
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("show", pos, 1, 1); err != nil {
		return Reply{}, err
	}
	v, err := b.ownEnrollment(ctx, r.user, pos[0])
	if err != nil {
		return Reply{}, err
	}
	w, _, err := b.repWindow(ctx, r.user)
	if err != nil {
		return Reply{}, err
	}
	touches, err := b.store.Touchpoints(ctx, v.Enrollment.ID)
	if err != nil {
		return Reply{}, fmt.Errorf("touchpoints of %s: %w", v.Enrollment.ID, err)
	}
	signals, err := b.store.Signals(ctx, v.Enrollment.ID)
	if err != nil {
		return Reply{}, fmt.Errorf("signals of %s: %w", v.Enrollment.ID, err)
	}
	link, err := b.store.Link(ctx, v.Enrollment.ID)
	if err != nil {
		link = "" // the link back is a nicety; the follow-up is shown without it
	}
	skipWhy, err := b.skipReasons(ctx, v.Enrollment.ID)
	if err != nil {
		return Reply{}, err
	}
	d := showData{View: v, Window: w, Touches: touches, Signals: signals, Link: link, SkipWhy: skipWhy, Now: b.now()}
	d.Cadence, d.CadenceErr = b.lib.Get(v.Enrollment.CadenceID)
	return showReply(d), nil
}

// showData is everything /followup show shows, loaded by cmdShow.
type showData struct {
	View       cadence.EnrollmentView
	Window     cadence.Window // the rep's: times are shown in its zone
	Touches    []cadence.Touchpoint
	Signals    []cadence.Signal
	Link       string         // the Slack message the follow-up was started from; "" when none
	SkipWhy    map[int]string // why a step was skipped, by step (skipReasons)
	Cadence    cadence.Cadence
	CadenceErr error // the cadence is no longer in the library
	Now        time.Time
}

// showReply renders /followup show from what cmdShow loaded, without I/O.
func showReply(d showData) Reply {
	v, w, now, cd, cerr := d.View, d.Window, d.Now, d.Cadence, d.CadenceErr
	e, c := v.Enrollment, v.Contact

	head := fmt.Sprintf("*%s*", escapeText(c.Label()))
	var details []string
	for _, x := range []string{c.Role, c.Company, c.Email, c.Phone, c.LinkedIn} {
		if x != "" {
			details = append(details, escapeText(x))
		}
	}
	if c.TimeZone != "" {
		details = append(details, escapeText(c.TimeZone))
	}
	if c.SMSConsent {
		details = append(details, "texts OK")
	} else {
		details = append(details, "no consent to texts")
	}
	if len(details) > 0 {
		head += " · " + strings.Join(details, " · ")
	}
	head += fmt.Sprintf("\nFollow-up `%s` · %s · owner <@%s> · intent %s · %s", e.ID, e.CadenceID, e.Owner, strings.ToLower(e.Intent.Label()), statusText(e, now))
	if !e.DecisionDate.IsZero() {
		head += " · decision " + fmtDay(e.DecisionDate, now)
	}
	if e.Note != "" {
		head += "\n>" + escapeText(truncate(strings.ReplaceAll(e.Note, "\n", " "), 1500))
	}
	if d.Link != "" {
		head += (dmView{Link: d.Link}).originLines() // started on a Slack message: link back to it
	}

	var past []string
	for _, t := range d.Touches {
		if t.State.Open() {
			continue
		}
		label := fmt.Sprintf("step %d", t.Step+1)
		if cerr == nil && t.Step < len(cd.Steps) {
			label = fmt.Sprintf("%s · %s", cd.Steps[t.Step].Channel.Label(), cd.Steps[t.Step].PurposeLabel())
		}
		outcome := "cancelled"
		if t.State == cadence.TouchDone {
			outcome = strings.ToLower(t.Outcome.Label())
		}
		when := fmtWhen(t.DoneAt, w.Location, now)
		if t.DoneAt.IsZero() {
			when = fmtWhen(t.Due, w.Location, now)
		}
		if why := d.SkipWhy[t.Step]; why != "" && t.Outcome == cadence.OutcomeSkipped {
			outcome += " (" + why + ")"
		}
		line := fmt.Sprintf("%d. %s · %s — _%s_", t.Step+1, when, label, outcome)
		if t.DoneBy != "" && t.DoneBy != "bot" {
			line += fmt.Sprintf(" by <@%s>", t.DoneBy)
		}
		past = append(past, line)
	}
	var timeline string
	switch {
	case cerr != nil:
		timeline = joinLines(past, maxSectionText-200, "touches") + fmt.Sprintf("\n_The cadence %q is no longer in the library._", e.CadenceID)
	case e.Status.Ended():
		timeline = joinLines(append(past, "_Ended: "+strings.ToLower(e.StopReason.Label())+"._"), maxSectionText-200, "touches")
	default:
		timeline = scheduleText(v, cd, w, now, past)
		if e.Status == cadence.StatusPaused {
			timeline += "\n_Paused: the planned dates move when it resumes._"
		}
	}
	timeline = "*Timeline* (times in " + fmtZone(w.Location) + ")\n" + timeline

	var sig []string
	for _, s := range d.Signals {
		sig = append(sig, fmt.Sprintf("• %s — %s", fmtWhen(s.At, w.Location, now), escapeText(truncate(s.Text, 200))))
	}
	sigText := ""
	if len(sig) > 0 {
		sigText = "*Signals*\n" + joinLines(sig, maxSectionText-20, "signals")
	}
	return blocksReply(fmt.Sprintf("Follow-up %s: %s", e.ID, escapeText(c.Label())), head, timeline, sigText)
}

// statusText describes an enrollment's state: "active", "paused until Tue 3 Mar", "completed".
func statusText(e cadence.Enrollment, now time.Time) string {
	switch {
	case e.Status == cadence.StatusPaused && !e.PausedUntil.IsZero():
		return "paused until " + fmtDay(e.PausedUntil, now)
	case e.Status.Ended():
		return string(e.Status) + " (" + strings.ToLower(e.StopReason.Label()) + ")"
	}
	return string(e.Status)
}

// cmdCadences lists the library: one section per cadence with its steps.
func (b *Bot) cmdCadences(_ context.Context, r request) (Reply, error) {
	if err := wantArgs("cadences", values(r.args), 0, 0); err != nil {
		return Reply{}, err
	}
	all := b.lib.All()
	parts := []string{fmt.Sprintf("*Cadences* (%d). Use the id with `/followup add … cadence=<id>`.", len(all))}
	for i, cd := range all {
		if i == maxReplyBlocks-2 {
			parts = append(parts, fmt.Sprintf("…and %d more: `followup cadences` on the server lists them all.", len(all)-i))
			break
		}
		head := fmt.Sprintf("*%s* — %s", cd.ID, escapeText(cd.Name))
		if cd.Goal != "" {
			head += " (goal: " + escapeText(cd.Goal) + ")"
		}
		lines := []string{head}
		for j, s := range cd.Steps {
			when := "at once"
			if !s.Gap.IsZero() {
				when = "after " + s.Gap.String()
			}
			lines = append(lines, stepLine(j, when, s, ""))
		}
		parts = append(parts, joinLines(lines, maxSectionText, "steps"))
	}
	return blocksReply("The cadence library", parts...), nil
}

// values returns the tokens as typed, for commands that take no options.
func values(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.String()
	}
	return out
}

// ownEnrollment loads the follow-up with id and checks that actor may see and change it: its
// owner or an admin. An unknown id is ENOTFOUND, someone else's EFORBIDDEN ("not yours").
func (b *Bot) ownEnrollment(ctx context.Context, actor, id string) (cadence.EnrollmentView, error) {
	id = strings.ToLower(strings.Trim(strings.TrimSpace(id), "`"))
	if !validID(id) {
		return cadence.EnrollmentView{}, cadence.Errorf(cadence.ENOTFOUND, "There is no follow-up with id %q; ids look like `k3f9a2` (see `/followup list`).", truncate(id, 40))
	}
	v, err := b.store.Enrollment(ctx, id)
	if err != nil {
		if cadence.ErrorCode(err) == cadence.ENOTFOUND {
			return cadence.EnrollmentView{}, cadence.Errorf(cadence.ENOTFOUND, "There is no follow-up with id `%s`; see `/followup list` for yours.", id)
		}
		return cadence.EnrollmentView{}, err
	}
	if err := b.authorize(actor, v.Enrollment); err != nil {
		return cadence.EnrollmentView{}, err
	}
	return v, nil
}

// validID reports whether s could be an enrollment id: a few lower-case letters and digits.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
