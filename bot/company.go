package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/followup-bot/followup/cadence"
)

// maxNoticeLines bounds the follow-ups listed in one owner's notice.
const maxNoticeLines = 20

// companyNews acts on the news of a contact's reply or booked meeting for the other running
// follow-ups at their company (same email domain, not a free mail provider). The store flagged
// those in the same transaction as the outcome (their next reminder shows it), so the news is
// never lost; here an open reminder among them shows it at once (or, with Config.DomainStop, each
// is paused), and each owner is told once by DM. A failure here is logged and never undoes the
// outcome; running it again (a redelivered click) changes nothing twice.
func (b *Bot) companyNews(ctx context.Context, src cadence.EnrollmentView, o cadence.Outcome, now time.Time) {
	if !cadence.CompanyNewsOutcome(o) {
		return
	}
	domain := cadence.CompanyDomain(src.Contact.Email)
	if domain == "" {
		return
	}
	others, err := b.store.FlaggedBy(ctx, src.Enrollment.ID, o)
	if err != nil {
		b.log.Error("company news: find the follow-ups flagged", "enrollment", src.Enrollment.ID, "err", err)
		return
	}
	if len(others) == 0 {
		return
	}
	company := src.Contact.Company
	if company == "" {
		company = domain
	}
	who := src.Contact.Label()

	var affected []cadence.EnrollmentView
	if b.cfg.DomainStop {
		for _, v := range others {
			if v.Enrollment.Status != cadence.StatusActive {
				continue // paused already
			}
			// A pause needs neither the cadence nor the window.
			c, err := b.changeIn(ctx, "bot", v.Enrollment.ID, cadence.Cadence{}, cadence.Window{}, func(_ cadence.Cadence, cur cadence.EnrollmentView, _ cadence.Window, _ time.Time) (cadence.Change, error) {
				ch, err := cadence.Pause(cur.Enrollment, time.Time{}, now)
				ch.Event.Detail = strings.TrimSpace(ch.Event.Detail + " company news from " + src.Enrollment.ID)
				return ch, err
			})
			if err != nil {
				b.log.Warn("company news: not paused", "enrollment", v.Enrollment.ID, "err", err)
				continue
			}
			c.By = "bot"
			b.publish(ctx, c)
			affected = append(affected, c.View)
		}
	} else {
		for _, v := range others {
			if v.Open != nil && v.Open.DMTS != "" && v.Open.State == cadence.TouchReminded {
				b.syncDMLogged(ctx, *v.Open, "", time.Time{}) // the open reminder shows it now
			}
		}
		affected = others
	}
	b.tellOwners(ctx, src, o, who, company, affected, now)
}

// tellOwners DMs each owner of the affected follow-ups, once per source follow-up and outcome.
func (b *Bot) tellOwners(ctx context.Context, src cadence.EnrollmentView, o cadence.Outcome, who, company string, affected []cadence.EnrollmentView, now time.Time) {
	byOwner := map[string][]cadence.EnrollmentView{}
	for _, v := range affected {
		byOwner[v.Enrollment.Owner] = append(byOwner[v.Enrollment.Owner], v)
	}
	owners := make([]string, 0, len(byOwner))
	for owner := range byOwner {
		owners = append(owners, owner)
	}
	slices.Sort(owners)
	what := "replied"
	if o == cadence.OutcomeMeetingBooked {
		what = "booked a meeting"
	}
	for _, owner := range owners {
		first, err := b.store.NoticeOnce(ctx, src.Enrollment.ID, o, owner, now)
		if err != nil {
			b.log.Error("company news: record notice", "owner", owner, "err", err)
			continue
		}
		if !first {
			continue
		}
		// Read again just before the post: a colleague who opted out (or whose follow-up ended)
		// since the news was read is not named, and an owner left with nobody gets no DM.
		still := b.stillRunning(ctx, byOwner[owner])
		if len(still) == 0 {
			continue
		}
		var lines []string
		for _, v := range still {
			lines = append(lines, fmt.Sprintf("• %s · `%s`", escapeText(truncate(v.Contact.Label(), 80)), v.Enrollment.ID))
		}
		head := fmt.Sprintf(":office: *%s at %s %s* (%s).", escapeText(truncate(who, 80)), escapeText(truncate(company, 80)), what, fmtDay(now.In(b.locOf(ctx, owner)), now))
		tail := "Your follow-ups with people there are flagged in their next reminder; consider whether each still fits:"
		if b.cfg.DomainStop {
			tail = "So I paused your follow-ups with people there (`/followup resume <id>` starts one again):"
		}
		if len(lines) > maxNoticeLines {
			lines = append(lines[:maxNoticeLines], fmt.Sprintf("…and %d more", len(lines)-maxNoticeLines))
		}
		text := head + " " + tail + "\n" + strings.Join(lines, "\n")
		if _, _, err := b.api.PostMessageContext(ctx, owner, slack.MsgOptionText(truncate(text, maxSectionText), false),
			slack.MsgOptionBlocks(slack.NewSectionBlock(mrkdwn(truncate(text, maxSectionText)), nil, nil))); err != nil {
			b.log.Warn("company news: owner not told", "owner", owner, "err", err)
		}
	}
}

// stillRunning re-reads vs and keeps the follow-ups still running (active or paused) whose
// contact has not opted out. One that cannot be read is left out: not naming a contact is the
// safe side.
func (b *Bot) stillRunning(ctx context.Context, vs []cadence.EnrollmentView) []cadence.EnrollmentView {
	var out []cadence.EnrollmentView
	for _, v := range vs {
		cur, err := b.store.Enrollment(ctx, v.Enrollment.ID)
		if err != nil {
			b.log.Warn("company news: follow-up not read again; left out", "enrollment", v.Enrollment.ID, "err", err)
			continue
		}
		if cur.Enrollment.Status.Ended() || cur.Contact.DoNotContact {
			continue
		}
		out = append(out, cur)
	}
	return out
}
