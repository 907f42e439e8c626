package main

// followup demo: the real bot (its handlers, store, scheduler and drafter) against the in-process
// fake Slack (bot/slacktest), with a temporary database and a fake clock, printing what the reps
// see. Nothing leaves the process but loopback HTTP to the fake Slack (and, when OPENAI_* is set,
// the drafter's calls to that server).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/bot"
	"github.com/followup-bot/followup/bot/report"
	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

// The demo's fixed world: a report channel, the default report schedule, and two reps on either
// side of the Atlantic.
const (
	demoReportChannel = "C0REPORTS1"
	demoReportName    = "sales-reports"
	demoReportCron    = "0 9 * * MON"
	demoZone          = "Europe/Berlin"  // the team's zone unless FOLLOWUP_TIMEZONE says otherwise
	demoWait          = 90 * time.Second // bounds every wait; an LLM drafter may take a while
)

// demoStart is Monday 2 March 2026, 08:00 in the team's zone.
func demoStart(loc *time.Location) time.Time { return time.Date(2026, 3, 2, 8, 0, 0, 0, loc) }

// demoRep is a rep the fake Slack knows.
type demoRep struct {
	id, name, realName, zone string
	loc                      *time.Location
}

func demoReps() ([]demoRep, error) {
	reps := []demoRep{
		{id: "U0ALICE001", name: "alice", realName: "Alice Adams", zone: "Europe/Berlin"},
		{id: "U0BOB00001", name: "bob", realName: "Bob Brown", zone: "America/New_York"},
	}
	for i := range reps {
		loc, err := time.LoadLocation(reps[i].zone)
		if err != nil {
			return nil, fmt.Errorf("demo: time zone %s: %w", reps[i].zone, err)
		}
		reps[i].loc = loc
	}
	return reps, nil
}

// cmdDemo runs the scripted demo, or with --interactive a prompt reading commands from stdin.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	interactive := e.fs.Bool("interactive", false, "type /followup commands, click buttons by number and advance the clock yourself")
	rest, c, err := e.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("demo takes no arguments besides --interactive, got %q", rest)}
	}
	zoneSet := e.getenv("FOLLOWUP_TIMEZONE") != ""
	e.fs.Visit(func(f *flag.Flag) {
		if f.Name == "timezone" {
			zoneSet = true
		}
	})
	if !zoneSet {
		loc, err := time.LoadLocation(demoZone)
		if err != nil {
			return fmt.Errorf("demo: time zone %s: %w", demoZone, err)
		}
		c.Team.Location, c.TimeZone = loc, demoZone
	}
	var stdin io.Reader
	if *interactive {
		stdin = os.Stdin
	}
	err = runDemo(ctx, c, stdin, e.stdout, e.stderr)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // Ctrl-C: the demo stopped in order
	}
	return err
}

// demo is one running demo: the fake Slack, the store, the bot's clock, and what was shown.
type demo struct {
	ctx   context.Context
	out   io.Writer
	srv   *slacktest.Server
	db    *store.DB
	bot   *bot.Bot // dispatches when the demo runs its Tick (Config.ManualDispatch)
	lib   *cadence.Library
	clock demoClock
	loc   *time.Location
	sched report.Cron
	quiet time.Time // the report firings up to this one post nothing: they were reported before the demo
	reps  []demoRep
	text  textRenderer

	shown    map[string]int // channel/ts → the Updated count last shown
	last     shownMessage   // the message shown last, for "click N"
	user     demoRep        // who types, in interactive mode
	charts   int            // chart uploads shown
	reported int            // messages in the report channel accounted for
	uploads  int            // files.completeUploadExternal calls accounted for
	// prompted is set in interactive mode, where the prompt line already shows each command.
	prompted bool
}

// shownMessage is a message as it was shown, with its numbered buttons.
type shownMessage struct {
	channel, ts, title string
	about              string // the message's text: what a click on it is about
	buttons            []demoButton
}

// runDemo starts the fake Slack, a temporary database and the bot on a fake clock, then plays the
// script (stdin nil) or reads commands from stdin, and shuts everything down in order.
func runDemo(ctx context.Context, c Config, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(slog.LevelWarn, c.LogLevel)}))
	lib, err := loadLibrary(c.CadencesFile)
	if err != nil {
		return err
	}
	reps, err := demoReps()
	if err != nil {
		return err
	}
	loc := c.Team.Location
	if loc == nil {
		loc = time.UTC
	}
	sched, err := report.Schedule(demoReportCron, loc)
	if err != nil {
		return fmt.Errorf("demo: report schedule: %w", err)
	}
	dir, err := os.MkdirTemp("", "followup-demo-")
	if err != nil {
		return fmt.Errorf("demo: temporary directory: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("demo: remove %s: %w", dir, rerr)
		}
	}()

	start := demoStart(loc)
	clk := demoClock{FakeClock: clockwork.NewFakeClockAt(start), s: newSleeps()}
	srv := slacktest.New(slacktest.WithClock(clk.Now))
	defer srv.Close()
	names := map[string]string{demoReportChannel: demoReportName, srv.BotUserID(): "followup"}
	for _, r := range reps {
		_, off := start.In(r.loc).Zone()
		srv.AddUser(slacktest.User{ID: r.id, Name: r.name, RealName: r.realName, TZ: r.zone, TZOffset: off})
		names[r.id] = r.name
	}

	db, err := store.Open(ctx, filepath.Join(dir, "followup.db"))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("demo: close database: %w", cerr)
		}
	}()
	db.Now = clk.Now
	// The team's report for the week before the demo went out already (the demo starts on a
	// Monday morning): the one the demo shows is next Monday's.
	quiet := sched.Next(start)
	if _, err := db.MarkReported(ctx, quiet); err != nil {
		return err
	}

	b, err := bot.New(bot.Config{
		API:   slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.AppToken())),
		Store: db, Library: lib, Drafter: newDrafter(c, log, nil),
		Team: c.Team, Clock: clk, Logger: log, ManualDispatch: true,
		Tick: time.Second, ReportChannel: demoReportChannel, ReportCron: demoReportCron,
	})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	defer func() {
		stop()
		if rerr := <-done; rerr != nil && err == nil {
			err = fmt.Errorf("demo: bot: %w", rerr)
		}
	}()

	d := &demo{ctx: ctx, out: stdout, srv: srv, db: db, bot: b, lib: lib, clock: clk, loc: loc, sched: sched, quiet: quiet,
		reps: reps, text: textRenderer{names: names}, shown: map[string]int{}, user: reps[0]}
	if err := d.wait(func(ctx context.Context) error { return srv.WaitConnected(ctx) }); err != nil {
		return fmt.Errorf("demo: the bot did not connect to the fake Slack: %w", err)
	}
	if err := d.wait(func(ctx context.Context) error { return clk.pass(ctx, b.Tick) }); err != nil {
		return fmt.Errorf("demo: the first dispatch pass did not finish: %w", err)
	}
	if stdin != nil {
		return d.interactive(stdin)
	}
	return d.script()
}

// wait runs a wait on the fake Slack or the clock, bounded so that a broken demo fails instead of
// hanging.
func (d *demo) wait(fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(d.ctx, demoWait)
	defer cancel()
	return fn(ctx)
}

func (d *demo) rep(name string) (demoRep, bool) {
	for _, r := range d.reps {
		if r.name == name {
			return r, true
		}
	}
	return demoRep{}, false
}

// stamp is the team's clock, as every transcript line begins: "[Mon 2 Mar 08:00 Europe/Berlin]".
func (d *demo) stamp() string { return "[" + fmtStamp(d.clock.Now(), d.loc) + "]" }

func fmtStamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 15:04") + " " + loc.String()
}

func (d *demo) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

// indent prints lines under an entry of the transcript.
func (d *demo) indent(prefix string, lines []string) {
	for _, l := range lines {
		d.printf("    %s%s\n", prefix, l)
	}
}

// slash runs "/followup text" as rep, prints the ephemeral reply and then whatever else the command
// posted or updated.
func (d *demo) slash(rep demoRep, text string) error {
	if !d.prompted {
		d.printf("\n%s %s> /followup %s\n", d.stamp(), rep.name, text)
	}
	url := d.srv.NewResponseURL()
	opened := len(d.srv.CallsTo("views.open"))
	if err := d.wait(func(ctx context.Context) error {
		_, err := d.srv.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: rep.id, UserName: rep.name, Text: text, ResponseURL: url})
		return err
	}); err != nil {
		return fmt.Errorf("demo: /followup %s: %w", text, err)
	}
	post, ok, err := d.waitAnswer(url, "views.open", opened)
	if err != nil {
		return fmt.Errorf("demo: no answer to /followup %s: %w", text, err)
	}
	if ok {
		d.showReply(post)
	} else {
		d.indent("", []string{"(a form opened in Slack; the demo cannot fill it in: type the details after /followup add)"})
	}
	return d.flush()
}

// waitAnswer waits for a post to the response_url, or for one more call to method than before
// (a modal opened, a DM updated): whichever comes first. ok reports a response post.
func (d *demo) waitAnswer(url, method string, before int) (post slacktest.ResponsePost, ok bool, err error) {
	ctx, cancel := context.WithTimeout(d.ctx, demoWait)
	defer cancel()
	type result struct {
		post slacktest.ResponsePost
		ok   bool
		err  error
	}
	res := make(chan result, 2)
	go func() {
		for n := 1; ; n++ {
			posts, err := d.srv.WaitResponsePosts(ctx, n)
			if err != nil {
				res <- result{err: err}
				return
			}
			if p := posts[n-1]; p.URL == url {
				res <- result{post: p, ok: true}
				return
			}
		}
	}()
	go func() {
		_, err := d.srv.WaitCalls(ctx, method, before+1)
		res <- result{err: err}
	}()
	r := <-res
	if r.err == nil && !r.ok {
		// The call came first. A handler answers through the response_url last, so a reply, if
		// there is one, is already here.
		for _, p := range d.srv.ResponsePosts() {
			if p.URL == url {
				r.post, r.ok = p, true
			}
		}
	}
	return r.post, r.ok, r.err
}

// showReply prints an ephemeral reply (or an in-channel one) under the command that caused it.
func (d *demo) showReply(p slacktest.ResponsePost) {
	var body struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if err := p.Decode(&body); err != nil {
		d.indent("", []string{"(unreadable reply: " + err.Error() + ")"})
		return
	}
	lines, _ := d.text.message(body.Text, body.Blocks)
	who := "only you see this"
	if body.ResponseType == slack.ResponseTypeInChannel {
		who = "posted in the channel"
	}
	d.printf("    ↳ followup (%s):\n", who)
	d.indent("  ", lines)
}

// channels are those the transcript follows: each rep's DM with the bot and the report channel.
func (d *demo) channels() []string {
	var chs []string
	for _, r := range d.reps {
		chs = append(chs, slacktest.DMChannel(r.id))
	}
	return append(chs, demoReportChannel)
}

// flush prints the messages posted since the last flush, oldest first, then the messages updated
// since they were last shown, and the report charts uploaded.
func (d *demo) flush() error {
	var fresh, changed []slacktest.Message
	for _, ch := range d.channels() {
		for _, m := range d.srv.Messages(ch) {
			seen, ok := d.shown[m.Channel+"/"+m.Ts]
			switch {
			case !ok:
				fresh = append(fresh, m)
			case m.Updated > seen:
				changed = append(changed, m)
			}
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return tsLess(fresh[i].Ts, fresh[j].Ts) })
	for _, m := range fresh {
		d.showMessage(m, "✉ new message")
	}
	for _, m := range changed {
		d.showMessage(m, "✎ message updated")
	}
	d.uploads = len(d.srv.CallsTo("files.completeUploadExternal"))
	d.reported = len(d.srv.Messages(demoReportChannel))
	files := d.srv.Files()
	for _, f := range files[min(d.charts, len(files)):] {
		if f.Completed {
			d.printf("    📎 %s: %s (%d-byte PNG) shared in #%s\n", f.Name, f.Title, len(f.Content), demoReportName)
			d.charts++
		}
	}
	return nil
}

// tsLess orders Slack timestamps ("1772434800.000100").
func tsLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// showMessage prints a DM or channel message and remembers its buttons for "click N".
func (d *demo) showMessage(m slacktest.Message, verb string) {
	d.shown[m.Channel+"/"+m.Ts] = m.Updated
	title := ""
	switch m.Channel {
	case demoReportChannel:
		title = "#" + demoReportName
	default:
		for _, r := range d.reps {
			if slacktest.DMChannel(r.id) == m.Channel {
				title = "DM to " + r.name
				if r.loc.String() != d.loc.String() {
					title += " (" + d.clock.Now().In(r.loc).Format("15:04") + " " + r.zone + ")"
				}
			}
		}
	}
	lines, buttons := d.text.message(m.Text, m.Blocks)
	d.printf("\n%s %s · %s\n", d.stamp(), verb, title)
	d.indent("│ ", lines)
	d.last = shownMessage{channel: m.Channel, ts: m.Ts, title: title, about: m.Text, buttons: buttons}
}

// click presses button n of the message shown last, as rep, and prints what changed.
func (d *demo) click(rep demoRep, n int) error {
	m := d.last
	if m.ts == "" {
		d.printf("    (no message shown yet; `dms` shows your DMs)\n")
		return nil
	}
	if n < 1 || n > len(m.buttons) {
		if len(m.buttons) == 0 {
			d.printf("    (the last message shown, %s, has no buttons; `dms` shows your DMs)\n", m.title)
		} else {
			d.printf("    (the last message shown has buttons 1 to %d)\n", len(m.buttons))
		}
		return nil
	}
	btn := m.buttons[n-1]
	about := m.title
	if m.about != "" {
		about = d.text.inline(m.about)
	}
	d.printf("\n%s %s clicks [%d] %s · %s\n", d.stamp(), rep.name, n, btn.Label, about)
	url := d.srv.NewResponseURL()
	updates := len(d.srv.CallsTo("chat.update"))
	if err := d.wait(func(ctx context.Context) error {
		_, err := d.srv.SendBlockAction(ctx, slacktest.BlockAction{UserID: rep.id, UserName: rep.name,
			ChannelID: m.channel, MessageTs: m.ts, ActionID: btn.ActionID, BlockID: btn.BlockID,
			Value: btn.Value, Text: btn.Label, ResponseURL: url})
		return err
	}); err != nil {
		return fmt.Errorf("demo: click %s: %w", btn.Label, err)
	}
	post, ok, err := d.waitAnswer(url, "chat.update", updates)
	if err != nil {
		return fmt.Errorf("demo: nothing happened after clicking %s: %w", btn.Label, err)
	}
	if ok {
		d.showReply(post)
	}
	return d.flush()
}

// clickLabel clicks the button labelled label on rep's newest DM about contact (scripted mode).
func (d *demo) clickLabel(rep demoRep, contact, label string) error {
	ms := d.srv.Messages(slacktest.DMChannel(rep.id))
	for i := len(ms) - 1; i >= 0; i-- {
		if !strings.Contains(ms[i].Text, contact) {
			continue
		}
		_, buttons := d.text.message(ms[i].Text, ms[i].Blocks)
		for n, b := range buttons {
			if b.Label == label {
				d.last = shownMessage{channel: ms[i].Channel, ts: ms[i].Ts, title: "DM to " + rep.name, about: ms[i].Text, buttons: buttons}
				return d.click(rep, n+1)
			}
		}
		return fmt.Errorf("demo: %s's DM about %s has no %q button", rep.name, contact, label)
	}
	return fmt.Errorf("demo: %s has no DM about %s", rep.name, contact)
}

// advance moves the fake clock forward by dur, stopping at every moment something falls due (a
// touchpoint, the end of a pause, the weekly report) so that each DM arrives at its time, and
// prints what arrives.
func (d *demo) advance(dur time.Duration, label string) error {
	d.printf("\n%s ⏩ advance %s\n", d.stamp(), label)
	return d.advanceTo(d.clock.Now().Add(dur))
}

func (d *demo) advanceTo(target time.Time) error {
	for d.clock.Now().Before(target) {
		now := d.clock.Now()
		next, err := d.nextEvent(now)
		if err != nil {
			return err
		}
		if next.IsZero() || next.After(target) {
			next = target
		}
		report := d.sched.Next(now)
		d.clock.advanceTo(next)
		if err := d.wait(func(ctx context.Context) error { return d.clock.pass(ctx, d.bot.Tick) }); err != nil {
			return fmt.Errorf("demo: the dispatch pass at %s did not finish: %w", fmtStamp(next, d.loc), err)
		}
		if report.After(d.quiet) && !report.After(d.clock.Now()) {
			if err := d.waitReport(report); err != nil {
				return err
			}
		}
		if err := d.flush(); err != nil {
			return err
		}
	}
	return nil
}

// nextEvent returns the earliest moment after now when the bot has something to do: a pending
// touchpoint falls due, a pause ends, or the report is due. It is rounded up to a whole second,
// the dispatch job's tick.
func (d *demo) nextEvent(now time.Time) (time.Time, error) {
	next := d.sched.Next(now)
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, r := range d.reps {
		vs, err := d.db.ListEnrollments(d.ctx, r.id)
		if err != nil {
			return time.Time{}, err
		}
		for _, v := range vs {
			switch v.Enrollment.Status {
			case cadence.StatusActive:
				if v.Open != nil && v.Open.State == cadence.TouchPending {
					consider(v.Open.Due)
				}
			case cadence.StatusPaused:
				consider(v.Enrollment.PausedUntil)
			}
		}
	}
	if t := next.Truncate(time.Second); t.Before(next) {
		next = t.Add(time.Second)
	}
	return next, nil
}

// waitReport waits for the weekly report due at `due` in the report channel, with its chart when
// the report has one.
func (d *demo) waitReport(due time.Time) error {
	d.reported++
	n := d.reported
	if err := d.wait(func(ctx context.Context) error {
		_, err := d.srv.WaitMessages(ctx, demoReportChannel, n)
		return err
	}); err != nil {
		return fmt.Errorf("demo: the weekly report due %s did not come: %w", fmtStamp(due, d.loc), err)
	}
	from, to := report.WeekBefore(due, d.loc)
	r, err := d.db.Report(d.ctx, from, to, d.clock.Now())
	if err != nil {
		return err
	}
	if png, err := report.New(r, d.lib, d.loc).ChartPNG(); err != nil || png == nil {
		return nil // no chart to wait for
	}
	d.uploads++
	n = d.uploads
	return d.wait(func(ctx context.Context) error {
		_, err := d.srv.WaitCalls(ctx, "files.completeUploadExternal", n)
		return err
	})
}
