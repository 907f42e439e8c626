package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// cmdAway sets the rep's away period (`away <from> <to>`, dates inclusive) or clears it
// (`away off`). Touches that fall due while the rep is away move to the first working window
// after it.
func (b *Bot) cmdAway(ctx context.Context, r request) (Reply, error) {
	pos, _, err := splitArgs(r.args)
	if err != nil {
		return Reply{}, err
	}
	if len(pos) == 1 && strings.EqualFold(pos[0], "off") {
		wasAway := false
		if _, err := b.updateRep(ctx, r.user, func(rep *cadence.Rep) (bool, error) {
			wasAway = rep.AwayFrom != ""
			rep.AwayFrom, rep.AwayUntil = "", ""
			return wasAway, nil
		}); err != nil {
			return Reply{}, err
		}
		if !wasAway {
			return textReply("You were not away; nothing changed."), nil
		}
		return textReply("Welcome back: your away period is cleared, and reminders come as usual."), nil
	}
	if err := wantArgs("away", pos, 2, 2); err != nil {
		return Reply{}, err
	}
	from, err := cadence.ParseDate(pos[0])
	if err != nil {
		return Reply{}, err
	}
	until, err := cadence.ParseDate(pos[1])
	if err != nil {
		return Reply{}, err
	}
	w, _, err := b.repWindow(ctx, r.user)
	if err != nil {
		return Reply{}, err
	}
	now := b.now()
	switch {
	case until.Before(from):
		return Reply{}, cadence.Errorf(cadence.EINVALID, "The away period ends (%s) before it starts (%s).", pos[1], pos[0])
	case until.Before(dayOf(now, w.Location)):
		return Reply{}, cadence.Errorf(cadence.EINVALID, "The away period %s to %s is already over.", pos[0], pos[1])
	case from.After(cadence.LatestDate(dayOf(now, w.Location))):
		return Reply{}, cadence.Errorf(cadence.EINVALID, "The away period starts more than %d years ahead (%s); use a date up to %s.",
			cadence.MaxYearsAhead, pos[0], cadence.LatestDate(dayOf(now, w.Location)).Format(cadence.DateLayout))
	case until.Sub(from) > 366*24*time.Hour:
		return Reply{}, cadence.Errorf(cadence.EINVALID, "An away period can last at most a year; stop or reassign your follow-ups instead.")
	}
	if _, err := b.updateRep(ctx, r.user, func(rep *cadence.Rep) (bool, error) {
		rep.AwayFrom, rep.AwayUntil = from.Format(cadence.DateLayout), until.Format(cadence.DateLayout)
		_, err := rep.Window(b.cfg.Team)
		return err == nil, err
	}); err != nil {
		return Reply{}, err
	}
	return textReply("You're away from %s to %s (inclusive). Touches due then will wait until you're back; `/followup away off` ends it early.",
		fmtDay(from, now), fmtDay(until, now)), nil
}

// cmdSettings shows the rep's working time, or changes it: hours=HH:MM-HH:MM, days=Mon-Fri,
// tz=Area/City (tz=auto goes back to the time zone of the rep's Slack profile). Every value is
// checked before anything is saved.
func (b *Bot) cmdSettings(ctx context.Context, r request) (Reply, error) {
	pos, opts, err := splitArgs(r.args, "hours", "days", "tz", "booking", "signature", "mailbox")
	if err != nil {
		return Reply{}, err
	}
	if err := wantArgs("settings", pos, 0, 0); err != nil {
		return Reply{}, err
	}
	if s, ok := opts["mailbox"]; ok {
		note, err := b.setMailbox(ctx, r.user, s) // mail.go
		if delete(opts, "mailbox"); err != nil || len(opts) == 0 {
			return textReply("%s", note), err
		}
	}
	rep, err := b.rep(ctx, r.user)
	if err != nil {
		return Reply{}, err
	}
	if len(opts) == 0 {
		return b.settingsReply(rep, "Your settings", b.mailboxLine(ctx, r.user))
	}
	var changes []func(*cadence.Rep)
	if s, ok := opts["hours"]; ok {
		start, end, err := cadence.ParseHours(s)
		if err != nil {
			return Reply{}, err
		}
		hours := fmt.Sprintf("%02d:%02d-%02d:%02d", int(start/time.Hour), int(start%time.Hour/time.Minute), int(end/time.Hour), int(end%time.Hour/time.Minute))
		changes = append(changes, func(rep *cadence.Rep) { rep.Hours = hours })
	}
	if s, ok := opts["days"]; ok {
		days, err := cadence.ParseDays(s)
		if err != nil {
			return Reply{}, err
		}
		changes = append(changes, func(rep *cadence.Rep) { rep.Days = cadence.FormatDays(days) })
	}
	if s, ok := opts["tz"]; ok {
		if strings.EqualFold(s, "auto") {
			changes = append(changes, func(rep *cadence.Rep) { rep.TZManual, rep.TZCheckedAt = false, time.Time{} })
		} else {
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || strings.EqualFold(s, "local") {
				return Reply{}, cadence.Errorf(cadence.EINVALID, "Unknown time zone %q; use an IANA name such as America/New_York or Europe/Berlin (or tz=auto for your Slack profile's).", truncate(s, 60))
			}
			changes = append(changes, func(rep *cadence.Rep) { rep.TimeZone, rep.TZManual = loc.String(), true })
		}
	}
	if s, ok := opts["booking"]; ok {
		link, err := bookingLink(s)
		if err != nil {
			return Reply{}, err
		}
		changes = append(changes, func(rep *cadence.Rep) { rep.Booking = link })
	}
	if s, ok := opts["signature"]; ok {
		sig, err := signatureText(s)
		if err != nil {
			return Reply{}, err
		}
		changes = append(changes, func(rep *cadence.Rep) { rep.Signature = sig })
	}
	rep, err = b.updateRep(ctx, r.user, func(rep *cadence.Rep) (bool, error) {
		for _, c := range changes {
			c(rep)
		}
		_, err := rep.Window(b.cfg.Team)
		return err == nil, err
	})
	if err != nil {
		return Reply{}, err
	}
	if !rep.TZManual {
		if rep, err = b.rep(ctx, r.user); err != nil { // read the zone from Slack again
			return Reply{}, err
		}
	}
	return b.settingsReply(rep, "Saved. Touches already planned keep their times; new ones follow these settings", b.mailboxLine(ctx, r.user))
}

// settingsReply shows the rep's working window and where each part comes from, and the mailbox
// line (mailboxLine).
func (b *Bot) settingsReply(rep cadence.Rep, title, mbox string) (Reply, error) {
	w, err := rep.Window(b.cfg.Team)
	if err != nil {
		return Reply{}, err
	}
	src := func(own string) string {
		if own == "" {
			return " (team default)"
		}
		return ""
	}
	tzSrc := " (from your Slack profile)"
	switch {
	case rep.TZManual:
		tzSrc = " (set by you; `tz=auto` to use your Slack profile's)"
	case rep.TimeZone == "":
		tzSrc = " (team default)"
	}
	away := "not away"
	if rep.AwayFrom != "" {
		away = rep.AwayFrom + " to " + rep.AwayUntil + " (`/followup away off` to clear)"
	}
	booking, signature := orDefault(rep.Booking, "the team profile's, if any"), orDefault(rep.Signature, "your name")
	text := fmt.Sprintf("*%s*\n• Hours: %s%s\n• Days: %s%s\n• Time zone: %s%s\n• Away: %s\n• Booking link in drafts: %s\n• Drafts signed: %s\n• Mailbox: %s\nChange with `/followup settings hours=09:00-17:00 days=Mon-Fri tz=Europe/Berlin booking=https://cal.example.com/you signature=\"Sam Lee, Acme\" mailbox=you@example.com` (`booking=` or `signature=` with nothing clears it).",
		title, w.HoursString(), src(rep.Hours), cadence.FormatDays(w.Days), src(rep.Days), fmtZone(w.Location), tzSrc, away,
		escapeText(booking), escapeText(signature), mbox)
	return textReply("%s", text), nil
}
