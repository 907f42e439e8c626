package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// Limits that keep the App Home inside Slack's (100 blocks, 250 KB) for a rep with hundreds of
// follow-ups: the first due touches get their own buttons, the rest are listed as lines, and
// every list ends with "and N more".
const (
	homePageSize   = 10             // due touches a page of the overdue or today section shows, with buttons (2 blocks each)
	maxHomeEnded   = 15             // recently ended follow-ups listed
	homeRecentDays = 7              // "recently" ended: this many days
	homeSectionCap = 2900           // characters of a list section
	actHomeRefresh = "home.refresh" // the Refresh button
)

// homeData is everything the App Home shows, loaded at the moment it is published.
type homeData struct {
	Rep     cadence.Rep
	Window  cadence.Window
	Running []cadence.EnrollmentView // active and paused, soonest due first, as Store.Queue fills them
	Ended   []cadence.EnrollmentView // most recent first
	EndedN  int                      // how many ended in the last homeRecentDays
	Now     time.Time
	Lookup  func(id string) (cadence.Cadence, bool)
	Pages   homePages // the pages of the overdue and today sections shown (home_pages.go)
	Mailbox string    // the mailbox line of the settings (homeMailbox); "" without a mailbox reader
}

// refreshHome publishes user's App Home again from the current state: call it after anything that
// changes the rep's queue (an outcome, a snooze, an enrollment). A failure is logged, not
// returned: the Home is a view, and the change it shows is already stored.
func (b *Bot) refreshHome(ctx context.Context, user string) {
	if err := b.onHomeOpened(ctx, user); err != nil {
		b.log.Warn("app home not refreshed", "user", user, "err", err)
	}
}

// onHomeOpened publishes the rep's App Home: overdue, due today (with buttons to log the
// outcome), upcoming this week, recently ended, and their working-time settings.
func (b *Bot) onHomeOpened(ctx context.Context, user string) error {
	b.homePublished(ctx, user) // before the Home is read: a change committed from now on refreshes it
	d, err := b.loadHome(ctx, user)
	if err != nil {
		return err
	}
	if _, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: homeView(d)}); err != nil {
		return fmt.Errorf("publish app home of %s: %w", user, err)
	}
	return nil
}

// onHomeAction handles the App Home's own buttons ("home."). Buttons acting on a touchpoint use
// the reminder DM's "tp." action ids and are handled there.
func (b *Bot) onHomeAction(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) error {
	switch {
	case a.ActionID == actHomeRefresh:
		return b.onHomeOpened(ctx, cb.User.ID)
	case strings.HasPrefix(a.ActionID, actHomePage):
		b.turnHomePage(cb.User.ID, a.Value)
		return b.onHomeOpened(ctx, cb.User.ID)
	default:
		b.log.Debug("unknown home action", "action_id", a.ActionID)
		return nil
	}
}

func (b *Bot) loadHome(ctx context.Context, user string) (homeData, error) {
	w, rep, err := b.repWindow(ctx, user)
	if err != nil {
		return homeData{}, err
	}
	now := b.now()
	running, err := b.store.Queue(ctx, user)
	if err != nil {
		return homeData{}, err
	}
	d := homeData{Rep: rep, Window: w, Running: running, Now: now, Lookup: libLookup(b.lib), Pages: b.homePagesOf(user),
		Mailbox: b.homeMailbox(ctx, user)}
	d.Ended, d.EndedN, err = b.store.RecentlyEnded(ctx, user, now.AddDate(0, 0, -homeRecentDays), maxHomeEnded)
	if err != nil {
		return homeData{}, err
	}
	return d, nil
}

// homeLine is one follow-up on one line: who, where it stands, when, and its id.
func (d homeData) homeLine(v cadence.EnrollmentView, loc *time.Location) string {
	e := v.Enrollment
	who := "*" + escapeText(truncate(v.Contact.Label(), 80)) + "*"
	if v.Contact.Company != "" {
		who += " · " + escapeText(truncate(v.Contact.Company, 60))
	}
	what := e.CadenceID
	total := 0
	if cd, ok := d.Lookup(e.CadenceID); ok {
		what, total = cd.Name, len(cd.Steps)
		if v.Open != nil && v.Open.Step < len(cd.Steps) {
			what += ", " + stepLabel(v.Open.Step, total) + " · " + cd.Steps[v.Open.Step].Channel.Label()
		}
	}
	line := who + " — " + escapeText(what)
	switch {
	case e.Status == cadence.StatusPaused && e.PausedUntil.IsZero():
		line += " · paused"
	case e.Status == cadence.StatusPaused:
		line += " · paused until " + fmtWhen(e.PausedUntil, loc, d.Now)
	case v.Open != nil:
		line += " · due " + fmtWhen(v.Open.Due, loc, d.Now)
	}
	return line + " · `" + e.ID + "`"
}

// homeView renders the App Home.
func homeView(d homeData) slack.HomeTabViewRequest {
	loc := orUTC(d.Window.Location)
	today := dayStart(d.Now, loc)
	tomorrow := today.AddDate(0, 0, 1)
	weekEnd := today.AddDate(0, 0, 8)

	var overdue, dueToday, upcoming, paused []cadence.EnrollmentView
	for _, v := range d.Running {
		switch {
		case v.Enrollment.Status == cadence.StatusPaused:
			paused = append(paused, v)
		case v.Open == nil:
		case v.Open.Due.Before(today):
			overdue = append(overdue, v)
		case v.Open.Due.Before(tomorrow):
			dueToday = append(dueToday, v)
		case v.Open.Due.Before(weekEnd):
			upcoming = append(upcoming, v)
		}
	}

	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Your follow-ups")),
		slack.NewSectionBlock(mrkdwn(fmt.Sprintf("%d overdue · %d due today · %d more this week · %d running in all. Updated %s.",
			len(overdue), len(dueToday), len(upcoming), len(d.Running), fmtWhen(d.Now, loc, d.Now))), nil, nil),
		slack.NewActionBlock("home.top",
			button(actionAddOpen, "Add a follow-up", "add").WithStyle(slack.StylePrimary),
			button(actHomeRefresh, "Refresh", "refresh"),
		),
	}

	// Due touches, the most overdue first, a page at a time, each with outcome buttons.
	dueSection := func(key, title string, vs []cadence.EnrollmentView, page int) {
		page, from, to := pageOf(len(vs), page)
		head := fmt.Sprintf("*%s (%d)*", title, len(vs))
		if len(vs) > homePageSize {
			head += fmt.Sprintf(" · showing %d–%d · %d more on the other pages", from+1, to, len(vs)-(to-from))
		}
		blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(mrkdwn(head), nil, nil))
		if len(vs) == 0 {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn("_Nothing here._"), nil, nil))
			return
		}
		for _, v := range vs[from:to] {
			id := strconv.FormatInt(v.Open.ID, 10)
			blocks = append(blocks,
				slack.NewSectionBlock(mrkdwn(truncate(d.homeLine(v, loc), maxSectionText)), nil, nil),
				slack.NewActionBlock("home.tp."+id,
					button(actSent, "Sent", id).WithStyle(slack.StylePrimary),
					button(actReplied, "Replied", id),
					button(actMeeting, "Meeting booked", id),
					button(actSnooze1d, "Snooze 1 day", id),
					optOutButton(id, v.Contact.Name),
					button(actionReplyOpen, "Log a reply", v.Enrollment.ID),
				))
		}
		if pager := pagerBlock(key, page, len(vs)); pager != nil {
			blocks = append(blocks, pager)
		}
	}
	dueSection(pageOverdue, "Overdue", overdue, d.Pages.Overdue)
	dueSection(pageToday, "Due today", dueToday, d.Pages.Today)

	listSection := func(title string, lines []string, empty string) {
		blocks = append(blocks, slack.NewDividerBlock())
		text := fmt.Sprintf("*%s (%d)*\n", title, len(lines))
		if len(lines) == 0 {
			text += empty
		} else {
			text += joinLines(lines, homeSectionCap, "follow-ups")
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	var lines []string
	for _, v := range upcoming {
		lines = append(lines, "• "+d.homeLine(v, loc))
	}
	listSection("Upcoming this week", lines, "Nothing else due this week.")
	if len(paused) > 0 {
		lines = nil
		for _, v := range paused {
			lines = append(lines, "• "+d.homeLine(v, loc))
		}
		listSection("Paused", lines, "")
	}
	lines = nil
	for _, v := range d.Ended {
		e := v.Enrollment
		lines = append(lines, fmt.Sprintf("• *%s* — %s · %s %s · `%s`", escapeText(truncate(v.Contact.Label(), 80)),
			escapeText(d.cadenceName(e.CadenceID)), e.StopReason.Label(), fmtWhen(e.EndedAt, loc, d.Now), e.ID))
	}
	if d.EndedN > len(d.Ended) {
		lines = append(lines, fmt.Sprintf("…and %d more", d.EndedN-len(d.Ended)))
	}
	listSection(fmt.Sprintf("Completed or stopped in the last %d days", homeRecentDays), lines, "None.")

	blocks = append(blocks, slack.NewDividerBlock(),
		slack.NewSectionBlock(mrkdwn(d.settingsText()), nil, nil),
		slack.NewSectionBlock(mrkdwn("_Change them with `/followup settings hours=09:00-17:00 days=Mon-Fri tz=Europe/Berlin` or `/followup away 2026-04-06 2026-04-10`. Reminders come only inside your working hours._"), nil, nil),
	)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "home"}
}

// cadenceName names a cadence for people, or gives its id when the library lost it.
func (d homeData) cadenceName(id string) string { return cadenceNameIn(d.Lookup, id) }

// settingsText shows the rep's working time: their own settings or the team's defaults.
func (d homeData) settingsText() string {
	r := d.Rep
	or := func(v, team string) string {
		if v == "" {
			return team + " (team default)"
		}
		return v
	}
	away := "not away"
	if r.AwayFrom != "" {
		away = r.AwayFrom + " to " + r.AwayUntil
	}
	tz := fmtZone(d.Window.Location)
	if r.TimeZone == "" {
		tz += " (team default)"
	}
	text := fmt.Sprintf("*Your settings*\nTime zone: %s\nWorking hours: %s\nWorking days: %s\nAway: %s",
		escapeText(tz), escapeText(or(r.Hours, "the team's hours")), escapeText(or(r.Days, "the team's days")), escapeText(away))
	if d.Mailbox != "" {
		text += "\nMailbox read for replies: " + d.Mailbox
	}
	return text
}

// dayStart returns midnight of t's day in loc.
func dayStart(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
}
