package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/prompts"
)

// Limits of a rep's own drafting settings.
const (
	maxBookingLen   = 300
	maxSignatureLen = 80
)

// draftExtras adds to a draft request what the enrollment and the rep hold beyond the basics: the
// decision date, and the rep's booking link and sign-off.
func draftExtras(r *prompts.Request, e cadence.Enrollment, rep cadence.Rep) {
	r.DecisionDate = e.DecisionDate
	r.ContactTimeZone = r.Contact.TimeZone
	r.BookingLink, r.Signature = rep.Booking, rep.Signature
}

// bookingLink checks a "settings booking=" value: an http(s) link, or "" to clear it.
func bookingLink(s string) (string, error) {
	s = strings.TrimSpace(unwrapLinks(s))
	if s == "" || strings.EqualFold(s, "none") || strings.EqualFold(s, "off") {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(s, " <>\"") || len(s) > maxBookingLen {
		return "", cadence.Errorf(cadence.EINVALID, "booking=%q is not a web link; use the full link, like booking=https://cal.example.com/you.", truncate(s, 60))
	}
	return s, nil
}

// signatureText checks a "settings signature=" value: one line of at most maxSignatureLen
// characters, or "" to sign with the rep's name.
func signatureText(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n > maxSignatureLen {
		return "", cadence.Errorf(cadence.EINVALID, "The signature has %d characters; keep it under %d.", n, maxSignatureLen)
	}
	if strings.ContainsAny(s, "<>{}[]") {
		return "", cadence.Errorf(cadence.EINVALID, "The signature may not contain <, >, braces or brackets.")
	}
	return s, nil
}

// skipBlockedSMS skips the due touch of tv when it is an SMS step the contact may not be texted
// for (no consent, or no phone number): it is never drafted or reminded, and the timeline says
// why. It reports whether it handled the touch; c is the dispatcher's claim on it.
func (b *Bot) skipBlockedSMS(ctx context.Context, c cadence.Claim, tv cadence.TouchView, w cadence.Window, now time.Time) (bool, error) {
	cd, err := b.lib.Get(tv.Enrollment.CadenceID)
	if err != nil || tv.Touch.Step >= len(cd.Steps) ||
		cadence.SMSBlocked(cd.Steps[tv.Touch.Step].Channel, tv.Contact, tv.Contact.SMSConsent) == "" {
		return false, nil
	}
	res, err := b.changeIn(ctx, "bot", tv.Enrollment.ID, cd, w, func(_ cadence.Cadence, cur cadence.EnrollmentView, _ cadence.Window, _ time.Time) (cadence.Change, error) {
		if cur.Open == nil || cur.Open.ID != tv.Touch.ID {
			return cadence.Change{}, errNotOpen
		}
		ch, skip, err := cadence.SkipBlockedSMS(cd, cur.Enrollment, cur.Contact, *cur.Open, w, now)
		if err == nil && !skip {
			err = errNotOpen
		}
		return ch, err
	})
	if errors.Is(err, errNotOpen) {
		b.release(ctx, c, now) // ends the lease; nothing when it is closed or taken over
		return true, nil
	}
	if err != nil {
		b.release(ctx, c, now.Add(retryLater))
		return true, fmt.Errorf("skip SMS step of %s: %w", tv.Enrollment.ID, err)
	}
	b.log.Info("SMS step skipped: no consent or no phone", "follow_up", tv.Enrollment.ID, "step", tv.Touch.Step+1)
	res.By, res.At = "bot", now
	b.publish(ctx, res)
	return true, nil
}

// skipReasons returns, by step, why the bot skipped a step of the enrollment (an SMS without
// consent or phone), from the event log.
func (b *Bot) skipReasons(ctx context.Context, enrollmentID string) (map[int]string, error) {
	evs, err := b.store.Events(ctx, enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", enrollmentID, err)
	}
	out := map[int]string{}
	for _, ev := range evs {
		if ev.Kind == string(cadence.OutcomeSkipped) && ev.Actor == "bot" && strings.HasPrefix(ev.Detail, "SMS step skipped: ") {
			why, _, _ := strings.Cut(strings.TrimPrefix(ev.Detail, "SMS step skipped: "), ";")
			out[ev.Step] = "SMS: " + why
		}
	}
	return out, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
