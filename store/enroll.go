package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// idAlphabet is lowercase RFC 4648 base32: no 0/1/8/9, so ids are not misread as o/l/b/g.
const idAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// idLen is the length of an enrollment id: 30 random bits, plenty for one team's follow-ups.
const idLen = 6

// newID returns a random short enrollment id such as "k3f9a2".
func newID() (string, error) {
	var b [idLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	for i := range b {
		b[i] = idAlphabet[b[i]&31]
	}
	return string(b[:]), nil
}

// Enroll starts a follow-up: it finds the contact c (by normalized email, else phone, else
// LinkedIn URL: see normalizeContact) or creates it, then stores ch.Enrollment (given a new
// short id), its first touchpoint ch.Next and the "enrolled" event ch.Event, all in one
// transaction. A known contact's empty fields are filled in from c; its email, phone and LinkedIn
// are never replaced once set, and its name, company and role take c's values when those are not
// empty. It returns the stored view.
//
// Enroll returns EOPTEDOUT when the contact asked not to be contacted, ECONFLICT naming the owner
// when the contact is already in a running (active or paused) follow-up, and EINVALID when c has
// neither a name nor a way to find it again. Nothing is written when it fails.
func (db *DB) Enroll(ctx context.Context, c cadence.Contact, ch cadence.Change, now time.Time) (cadence.EnrollmentView, error) {
	if c.Name == "" && c.Email == "" && c.Phone == "" && c.LinkedIn == "" {
		return cadence.EnrollmentView{}, cadence.Errorf(cadence.EINVALID, "A contact needs a name, an email, a phone number or a LinkedIn URL.")
	}
	c = normalizeContact(c)
	var v cadence.EnrollmentView
	err := db.write(ctx, func(tx *sql.Tx) error {
		contactID, err := findOrPutContact(ctx, tx, c, now)
		if err != nil {
			return err
		}
		e := ch.Enrollment
		e.ContactID = contactID
		if e.ID == "" {
			if e.ID, err = freeID(ctx, tx); err != nil {
				return err
			}
		}
		if e.Status == "" {
			e.Status = cadence.StatusActive
		}
		if e.TriggerAt.IsZero() {
			e.TriggerAt = now
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		if e.UpdatedAt.IsZero() {
			e.UpdatedAt = now
		}
		if err := insertEnrollment(ctx, tx, e); err != nil {
			return err
		}
		if err := insertOrigin(ctx, tx, e); err != nil {
			return err
		}
		if ch.Next != nil {
			if _, err := insertTouch(ctx, tx, e.ID, *ch.Next); err != nil {
				return err
			}
		}
		ev := ch.Event
		if ev.Kind == "" {
			ev.Kind = cadence.EventEnrolled
		}
		if err := appendEvent(ctx, tx, fillEvent(ev, e, now)); err != nil {
			return err
		}
		v, err = view(ctx, tx, e.ID)
		return err
	})
	if err != nil {
		return cadence.EnrollmentView{}, err
	}
	return v, nil
}

// byKey is the WHERE clause that finds a contact by one identifying column (email, phone or
// linkedin). Its second term, which leaves out empty values, lets SQLite use the partial unique
// index on that column; without it the lookup scans every contact.
func byKey(col string) string {
	return `c.` + col + ` = ? AND c.` + col + ` <> ''`
}

// findOrPutContact returns the id of the contact matching c, updated with c's new details, or of
// a new contact. It refuses an opted-out contact (EOPTEDOUT) and one already being followed up
// (ECONFLICT). When c's email, phone and LinkedIn match different stored contacts, the email's
// wins, and all of them are checked for opt-outs and running follow-ups: they are most likely the
// same person.
func findOrPutContact(ctx context.Context, tx *sql.Tx, c cadence.Contact, now time.Time) (int64, error) {
	var found []cadence.Contact
	for _, k := range []struct{ col, val string }{{"email", c.Email}, {"phone", c.Phone}, {"linkedin", c.LinkedIn}} {
		if k.val == "" {
			continue
		}
		got, ok, err := contact(ctx, tx, byKey(k.col), k.val)
		if err != nil {
			return 0, err
		}
		if ok && !containsContact(found, got.ID) {
			found = append(found, got)
		}
	}
	for _, f := range found {
		if f.DoNotContact {
			return 0, optedOutError(f)
		}
	}
	for _, f := range found {
		vs, err := views(ctx, tx, runningOfContactSQL, f.ID)
		if err != nil {
			return 0, fmt.Errorf("find running follow-ups: %w", err)
		}
		if len(vs) > 0 {
			e := vs[0].Enrollment
			return 0, cadence.Errorf(cadence.ECONFLICT, "%s is already in follow-up %s (%s) with <@%s>.",
				f.Label(), e.ID, e.CadenceID, e.Owner)
		}
	}
	if len(found) == 0 {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO contacts (name, email, phone, linkedin, company, role, created_at, sms_consent, tz)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Name, c.Email, c.Phone, c.LinkedIn, c.Company, c.Role, now.UnixMilli(), boolInt(c.SMSConsent), c.TimeZone).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("insert contact: %w", err)
		}
		return id, nil
	}

	old := found[0]
	// Fill an empty identifier only when no other contact holds it (the unique indexes would
	// refuse it, and merging contacts is a person's decision).
	fill := func(col, have, want string) (string, error) {
		if have != "" || want == "" {
			return have, nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts c WHERE `+byKey(col), want).Scan(&n); err != nil {
			return "", fmt.Errorf("check contact %s: %w", col, err)
		}
		if n > 0 {
			return have, nil
		}
		return want, nil
	}
	email, err := fill("email", old.Email, c.Email)
	if err != nil {
		return 0, err
	}
	phone, err := fill("phone", old.Phone, c.Phone)
	if err != nil {
		return 0, err
	}
	linkedin, err := fill("linkedin", old.LinkedIn, c.LinkedIn)
	if err != nil {
		return 0, err
	}
	// Consent given now is recorded; enrolling again without sms=yes does not withdraw it.
	_, err = tx.ExecContext(ctx, `UPDATE contacts SET name = ?, email = ?, phone = ?, linkedin = ?, company = ?, role = ?,
		sms_consent = CASE WHEN ? = 1 THEN 1 ELSE sms_consent END, tz = ? WHERE id = ?`,
		orOld(c.Name, old.Name), email, phone, linkedin, orOld(c.Company, old.Company), orOld(c.Role, old.Role),
		boolInt(c.SMSConsent), orOld(c.TimeZone, old.TimeZone), old.ID)
	if err != nil {
		return 0, fmt.Errorf("update contact: %w", err)
	}
	return old.ID, nil
}

// normalizeContact puts c's email, phone and LinkedIn URL in the one form cadence.Normalize*
// gives them, so that "Dana@Example.com" and "dana@example.com" find the same contact whichever
// caller stored them. A value those functions reject is kept as it is, trimmed: the caller
// validates what people type; the store only makes sure one person is one contact.
func normalizeContact(c cadence.Contact) cadence.Contact {
	norm := func(s string, f func(string) (string, error)) string {
		s = strings.TrimSpace(s)
		if s == "" {
			return ""
		}
		if n, err := f(s); err == nil {
			return n
		}
		return s
	}
	c.Email = norm(c.Email, cadence.NormalizeEmail)
	c.Phone = norm(c.Phone, cadence.NormalizePhone)
	c.LinkedIn = norm(c.LinkedIn, cadence.NormalizeLinkedIn)
	return c
}

func containsContact(cs []cadence.Contact, id int64) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// orOld returns s, or old when s is empty: a new value never blanks a known one.
func orOld(s, old string) string {
	if s == "" {
		return old
	}
	return s
}

// optedOutError is the EOPTEDOUT error for a do-not-contact contact.
func optedOutError(c cadence.Contact) error {
	reason := ""
	if c.DNCReason != "" {
		reason = fmt.Sprintf(" (reason: %s)", strings.ReplaceAll(c.DNCReason, "_", " "))
	}
	when := "earlier"
	if !c.DNCAt.IsZero() {
		when = "on " + c.DNCAt.UTC().Format("2 Jan 2006")
	}
	return cadence.Errorf(cadence.EOPTEDOUT, "%s opted out %s%s; they will not be contacted again.",
		c.Label(), when, reason)
}

// freeID returns a new enrollment id not yet in use.
func freeID(ctx context.Context, tx *sql.Tx) (string, error) {
	for range 20 {
		id, err := newID()
		if err != nil {
			return "", err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE id = ?`, id).Scan(&n); err != nil {
			return "", fmt.Errorf("check enrollment id: %w", err)
		}
		if n == 0 {
			return id, nil
		}
	}
	return "", fmt.Errorf("new enrollment id: 20 collisions in a row")
}

func insertEnrollment(ctx context.Context, tx *sql.Tx, e cadence.Enrollment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO enrollments (id, contact_id, owner, cadence_id, trigger, trigger_at,
		intent, decision_date, note, status, stop_reason, step, paused_at, paused_until, created_at, updated_at, ended_at)
		VALUES (`+placeholders(17)+`)`,
		e.ID, e.ContactID, e.Owner, e.CadenceID, string(e.Trigger), e.TriggerAt.UnixMilli(),
		string(e.Intent), ms(e.DecisionDate), e.Note, string(e.Status), string(e.StopReason), e.Step,
		ms(e.PausedAt), ms(e.PausedUntil), e.CreatedAt.UnixMilli(), e.UpdatedAt.UnixMilli(), ms(e.EndedAt))
	if err != nil {
		return fmt.Errorf("insert enrollment: %w", err)
	}
	return nil
}

// insertTouch stores t as the new open (pending) touchpoint of enrollment id and returns its id.
func insertTouch(ctx context.Context, tx *sql.Tx, enrollmentID string, t cadence.Touchpoint) (int64, error) {
	if t.Due.IsZero() {
		return 0, fmt.Errorf("insert touchpoint: step %d has no due time", t.Step)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO touchpoints (enrollment_id, step, due, state, draft, draft_source, draft_model)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		enrollmentID, t.Step, t.Due.UnixMilli(), string(cadence.TouchPending), t.Draft, t.DraftSource, t.DraftModel).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert touchpoint: %w", err)
	}
	return id, nil
}

// fillEvent completes ev with what the store knows about enrollment e.
func fillEvent(ev cadence.Event, e cadence.Enrollment, at time.Time) cadence.Event {
	ev.EnrollmentID = e.ID
	ev.ContactID = e.ContactID
	if ev.CadenceID == "" {
		ev.CadenceID = e.CadenceID
	}
	if ev.Rep == "" {
		ev.Rep = e.Owner
	}
	if ev.At.IsZero() {
		ev.At = at
	}
	return ev
}

// appendEvent adds ev to the append-only event log.
func appendEvent(ctx context.Context, tx *sql.Tx, ev cadence.Event) error {
	if ev.Kind == "" {
		return fmt.Errorf("append event: the event has no kind")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.At.UnixMilli(), ev.EnrollmentID, ev.ContactID, ev.CadenceID, ev.Step, ev.Rep, ev.Actor, ev.Kind, ev.Detail)
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}
