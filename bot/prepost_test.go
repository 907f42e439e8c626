package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// noticeHookStore runs before once, just before the first NoticeOnce: the moment between the
// company news being read and the owner's DM being posted.
type noticeHookStore struct {
	Store
	once   *sync.Once
	before func(ctx context.Context)
}

func (s noticeHookStore) NoticeOnce(ctx context.Context, sourceID string, o cadence.Outcome, owner string, now time.Time) (bool, error) {
	s.once.Do(func() { s.before(ctx) })
	return s.Store.NoticeOnce(ctx, sourceID, o, owner, now)
}

// TestCompanyNewsLeavesOutWhoOptedOutMeanwhile: a colleague who opts out after the company news
// was read and before their owner is told is not named in the owner's DM; an owner left with
// nobody to be told about gets no DM.
func TestCompanyNewsLeavesOutWhoOptedOutMeanwhile(t *testing.T) {
	t.Parallel()
	h := newDispatchHarness(t, func(c *Config) {
		db := c.Store
		c.Store = noticeHookStore{Store: db, once: new(sync.Once), before: func(ctx context.Context) {
			for _, email := range []string{"kim@acme.com", "lena@acme.com"} {
				if _, err := db.OptOutEmail(ctx, email, "asked on the phone", admin, time.Now()); err != nil {
					t.Errorf("opt out %s: %v", email, err)
				}
			}
		}}
	})
	// Owners are told in the order of their ids: the admin's notice (none) is decided before
	// bob's is posted.
	h.enroll(t, admin, cadence.Contact{Name: "Kim Park", Email: "kim@acme.com", Company: "Acme"}, "cold-email", h.clock.Now())
	lena := h.enroll(t, bob, cadence.Contact{Name: "Lena Ruiz", Email: "lena@acme.com", Company: "Acme"}, "cold-email", h.clock.Now())
	otto := h.enroll(t, bob, cadence.Contact{Name: "Otto Kern", Email: "otto@acme.com", Company: "Acme"}, "cold-email", h.clock.Now())
	_, m := h.remind(t, alice, dana) // dana@acme.com
	h.click(t, alice, m, actReplied)
	notice := dmText(h.waitDM(t, bob, 1)[0])
	mustContain(t, notice, "Dana Diaz at Acme replied", "Otto Kern", otto.Enrollment.ID)
	if strings.Contains(notice, "Lena Ruiz") || strings.Contains(notice, lena.Enrollment.ID) {
		t.Errorf("the notice names a contact who opted out before it went out:\n%s", notice)
	}
	if dms := h.dms(admin); len(dms) != 0 {
		t.Errorf("the admin got a notice about a contact who opted out before it went out:\n%s", dmText(dms[0]))
	}
}

// draftHookStore runs after once, just after the first draft a person asked for is stored: the
// moment between "New draft" saving its draft and updating the DM.
type draftHookStore struct {
	Store
	once  *sync.Once
	after func(ctx context.Context)
}

func (s draftHookStore) SaveDraft(ctx context.Context, touchID int64, token int, draft, source, model string, pt, ct int) error {
	err := s.Store.SaveDraft(ctx, touchID, token, draft, source, model, pt, ct)
	if err == nil && token == 0 {
		s.once.Do(func() { s.after(ctx) })
	}
	return err
}

// TestNewDraftAfterOptOutShowsNoButtons: a contact who opts out while "New draft" is being made
// never gets a live reminder back: the DM the new draft updates shows the follow-up stopped, with
// no buttons, instead of the open reminder it was when the click came.
func TestNewDraftAfterOptOutShowsNoButtons(t *testing.T) {
	t.Parallel()
	h := newDispatchHarness(t, func(c *Config) {
		db := c.Store
		c.Store = draftHookStore{Store: db, once: new(sync.Once), after: func(ctx context.Context) {
			if _, err := db.OptOutEmail(ctx, dana.Email, "asked on the phone", bob, time.Now()); err != nil {
				t.Errorf("opt out: %v", err)
			}
		}}
	})
	_, m := h.remind(t, alice, dana)
	h.click(t, alice, m, actRedraft)
	got := h.waitUpdated(t, m, 1)
	for _, act := range []string{actRedraft, `"tp.sent"`} {
		if strings.Contains(string(got.Blocks), act) {
			t.Fatalf("the DM of a contact who opted out shows live buttons (%s):\n%s", act, got.Blocks)
		}
	}
}

// mailActedHookStore runs after once, just after the first message's action is recorded: the
// moment between acting on a message and telling the rep.
type mailActedHookStore struct {
	Store
	once  *sync.Once
	after func(ctx context.Context)
}

func (s mailActedHookStore) MailActed(ctx context.Context, id int64, action string, prior cadence.Status, priorStep int, priorDue, now time.Time) error {
	err := s.Store.MailActed(ctx, id, action, prior, priorStep, priorDue, now)
	if err == nil {
		s.once.Do(func() { s.after(ctx) })
	}
	return err
}

// TestMailDMNotAboutWhoOptedOutMeanwhile: when the contact opts out (another rep records it)
// after their out-of-office was acted on and before the rep is told, the rep gets no DM saying
// the follow-up is paused, with an Undo that would only fail.
func TestMailDMNotAboutWhoOptedOutMeanwhile(t *testing.T) {
	optedOut := make(chan struct{})
	h := newMailHarness(t, func(c *Config) {
		db := c.Store
		c.Store = mailActedHookStore{Store: db, once: new(sync.Once), after: func(ctx context.Context) {
			defer close(optedOut)
			if _, err := db.OptOutEmail(ctx, "omar@acme.com", "asked on the phone", bob, time.Now()); err != nil {
				t.Errorf("opt out: %v", err)
			}
		}}
	})
	mustContain(t, h.slash(t, alice, "settings mailbox=alice@ourco.com"), "alice@ourco.com")
	omar := h.enrollAs(t, alice, "Omar Diaz", "omar@acme.com")
	h.gmail.Add("alice@ourco.com", mailRaw("Omar Diaz <omar@acme.com>", "Automatische Antwort: demo",
		"Ich bin bis zum 13.03.2026 nicht im Büro.", "Auto-Submitted: auto-replied"), h.clock.Now().Add(time.Hour))
	before := len(h.dms(alice))
	h.poll(t)
	<-optedOut
	if e := h.status(t, omar.Enrollment.ID); e.StopReason != cadence.StopOptedOut {
		t.Fatalf("omar: %s %s, want stopped as opted out", e.Status, e.StopReason)
	}
	for _, m := range h.dms(alice)[before:] {
		if strings.Contains(dmText(m), "Omar") {
			t.Errorf("alice was told about a contact who opted out before the DM went out:\n%s", dmText(m))
		}
	}
}
