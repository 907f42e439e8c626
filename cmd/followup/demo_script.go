package main

// The demo's two ways to play: a script that walks through a week, and a prompt.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/followup-bot/followup/bot/slacktest"
	"github.com/followup-bot/followup/cadence"
)

// intro says what the demo is and who is in it.
func (d *demo) intro() {
	d.printf("followup demo: the real bot against an in-process fake Slack, with a temporary database\n")
	d.printf("and a fake clock. No token, no network. Team zone %s; the weekly report goes to #%s.\n", d.loc, demoReportName)
	for _, r := range d.reps {
		d.printf("  %-6s %s, works in %s\n", r.name, r.realName, r.zone)
	}
}

// script plays a week: three contacts in three cadences, reminders arriving in each rep's working
// hours, clicks, the stop rules (a reply, an opt-out clicked, an opt-out recorded by another rep)
// and the weekly report.
func (d *demo) script() error {
	d.intro()
	alice, bob := d.reps[0], d.reps[1]
	steps := []func() error{
		func() error {
			return d.slash(alice, `add "Dana Lee" dana@acme.com company=Acme role="VP Sales" cadence=demo intent=hot note="response time is a challenge for her team"`)
		},
		func() error {
			return d.slash(alice, `add "Sam Ortiz" sam@globex.com company=Globex cadence=proposal decision=2026-03-20 note="needs sign-off from finance"`)
		},
		func() error {
			return d.slash(bob, `add "Priya Shah" priya@initech.com company=Initech role=CTO cadence=cold-email start=now`)
		},
		func() error { return d.slash(alice, "list") },
		func() error { return d.advance(2*time.Hour, "2h") },
		func() error { return d.clickLabel(alice, "Dana Lee", "Sent") },
		func() error { return d.advance(24*time.Hour, "1d") },
		func() error { return d.clickLabel(alice, "Sam Ortiz", "Snooze 1 day") },
		func() error { return d.clickLabel(alice, "Dana Lee", "Replied") },
		func() error {
			id, err := d.enrollmentOf(alice, "dana@acme.com")
			if err != nil {
				return err
			}
			return d.slash(alice, "show "+id)
		},
		func() error { return d.advance(2*24*time.Hour, "2d") },
		func() error { return d.advance(6*time.Hour, "6h") },
		func() error { return d.clickLabel(bob, "Priya Shah", "Opted out") },
		func() error { return d.slash(bob, "optout sam@globex.com") },
		func() error { return d.slash(alice, "list") },
		func() error {
			at := d.sched.Next(d.clock.Now())
			d.printf("\n%s ⏩ advance to %s, when the weekly report is due\n", d.stamp(), fmtStamp(at, d.loc))
			return d.advanceTo(at)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	d.printf("\nThat was a week. Try it yourself: followup demo --interactive\n")
	return nil
}

// enrollmentOf returns the id of rep's newest follow-up with the contact with this email.
func (d *demo) enrollmentOf(rep demoRep, email string) (string, error) {
	vs, err := d.db.ListEnrollments(d.ctx, rep.id)
	if err != nil {
		return "", err
	}
	var found *cadence.EnrollmentView
	for i := range vs {
		if strings.EqualFold(vs[i].Contact.Email, email) {
			found = &vs[i]
		}
	}
	if found == nil {
		return "", fmt.Errorf("demo: %s has no follow-up with %s", rep.name, email)
	}
	return found.Enrollment.ID, nil
}

const demoHelp = `Commands:
  /followup …        a slash command, as the current rep (try /followup help)
  as bob [command]   switch to bob (or alice), or run one command as him
  click N            click button [N] of the message shown last
  advance 3h         move the clock (30m, 3h, 2d, 1w); DMs arrive as they fall due
  next               move the clock to the next moment something is due
  dms                show the current rep's DMs
  help, quit         this help; leave (so does end of input)
`

// interactive reads commands from in until "quit" or the end of the input. The commands typed are
// echoed into the transcript unless in is a terminal (where they are on screen already).
func (d *demo) interactive(in io.Reader) error {
	d.intro()
	d.printf("\n%s", demoHelp)
	echo := true
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			echo = false
		}
	}
	d.prompted = true
	// Lines are read on their own goroutine so that Ctrl-C ends the demo at the prompt too.
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-d.ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	for {
		d.printf("\n%s %s> ", d.stamp(), d.user.name)
		var line string
		select {
		case l, ok := <-lines:
			if !ok {
				d.printf("\n")
				return <-readErr
			}
			line = strings.TrimSpace(l)
		case <-d.ctx.Done():
			d.printf("\n")
			return nil
		}
		if echo {
			d.printf("%s\n", line)
		}
		quit, err := d.exec(d.user, line, true)
		if err != nil {
			return err
		}
		if quit {
			return nil
		}
	}
}

// exec runs one prompt command as rep. It returns quit for "quit", and an error only when the
// demo itself broke; mistakes in the command are answered and the prompt goes on.
func (d *demo) exec(rep demoRep, line string, top bool) (quit bool, err error) {
	word, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "":
		return false, nil
	case "quit", "exit", "q":
		return true, nil
	case "help", "?":
		d.printf("%s", demoHelp)
	case "/followup":
		return false, d.slash(rep, rest)
	case "as":
		name, cmd, _ := strings.Cut(rest, " ")
		r, ok := d.rep(strings.ToLower(strings.TrimPrefix(name, "@")))
		switch {
		case !ok:
			d.printf("    (no rep %q; the reps are alice and bob)\n", name)
		case strings.TrimSpace(cmd) == "":
			d.user = r
		case !top:
			d.printf("    (as … cannot be nested)\n")
		default:
			return d.exec(r, strings.TrimSpace(cmd), false)
		}
	case "click":
		n, err := strconv.Atoi(rest)
		if err != nil {
			d.printf("    (click takes a button number, as in: click 1)\n")
			return false, nil
		}
		return false, d.click(rep, n)
	case "advance":
		g, err := cadence.ParseGap(rest)
		if err != nil || g.BusinessDays > 0 || g.Wall <= 0 {
			d.printf("    (advance takes a duration: 30m, 3h, 2d or 1w)\n")
			return false, nil
		}
		return false, d.advance(g.Wall, rest)
	case "next":
		at, err := d.nextEvent(d.clock.Now())
		if err != nil {
			return false, err
		}
		d.printf("\n%s ⏩ advance to %s\n", d.stamp(), fmtStamp(at, d.loc))
		return false, d.advanceTo(at)
	case "dms":
		ms := d.srv.Messages(dmChannelOf(rep))
		if len(ms) == 0 {
			d.printf("    (%s has no DMs yet)\n", rep.name)
		}
		for _, m := range ms {
			d.showMessage(m, "DM")
		}
	default:
		d.printf("    (unknown command %q; type help)\n", word)
	}
	return false, nil
}

func dmChannelOf(rep demoRep) string { return slacktest.DMChannel(rep.id) }
