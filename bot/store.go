package bot

import (
	"context"
	"time"

	"github.com/followup-bot/followup/cadence"
	"github.com/followup-bot/followup/store"
)

// Store is what the bot needs from the database. *store.DB implements it; every method owns its
// transaction, and returns coded cadence errors (ENOTFOUND, ECONFLICT, EOPTEDOUT) with messages
// fit to show a person.
type Store interface {
	GetRep(ctx context.Context, userID string) (cadence.Rep, error)
	PutRep(ctx context.Context, r cadence.Rep) error
	MarkRepGone(ctx context.Context, userID string, now time.Time) ([]cadence.Enrollment, error)

	Enroll(ctx context.Context, c cadence.Contact, ch cadence.Change, now time.Time) (store.EnrollmentView, error)
	Enrollment(ctx context.Context, id string) (store.EnrollmentView, error)
	ListEnrollments(ctx context.Context, owner string, statuses ...cadence.Status) ([]store.EnrollmentView, error)
	Queue(ctx context.Context, owner string) ([]store.EnrollmentView, error)
	DueQueue(ctx context.Context, owner string, now time.Time) ([]store.EnrollmentView, error)
	QueueOrder(ctx context.Context, owner string) ([]store.EnrollmentView, error)
	DueQueueOrder(ctx context.Context, owner string, now time.Time) ([]store.EnrollmentView, error)
	FillContacts(ctx context.Context, vs []store.EnrollmentView) error
	Due(ctx context.Context, owner string, now time.Time) ([]store.EnrollmentView, error)
	Touchpoints(ctx context.Context, enrollmentID string) ([]cadence.Touchpoint, error)
	Touchpoint(ctx context.Context, id int64) (store.TouchView, error)
	Events(ctx context.Context, enrollmentID string) ([]cadence.Event, error)
	Signals(ctx context.Context, enrollmentID string) ([]cadence.Signal, error)
	AddSignal(ctx context.Context, s cadence.Signal) error
	ContactByEmail(ctx context.Context, email string) (cadence.Contact, error)

	Update(ctx context.Context, id string, fn func(store.EnrollmentView) (cadence.Change, error)) (store.UpdateResult, error)
	OptOut(ctx context.Context, contactID int64, reason, by string, now time.Time) (store.OptOutResult, error)
	OptOutEmail(ctx context.Context, email, reason, by string, now time.Time) (store.OptOutResult, error)
	UndoOptOut(ctx context.Context, email, reason, by string, now time.Time) (cadence.Contact, error)

	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Claim, error)
	Recheck(ctx context.Context, touchID int64, token int, now time.Time, lease time.Duration) (store.TouchView, error)
	Beat(ctx context.Context, now time.Time) error
	EndDispatch(ctx context.Context, now time.Time, gap time.Duration) error
	TakeRedraft(ctx context.Context, touchID int64, max int) error
	SaveDraft(ctx context.Context, touchID int64, token int, draft, source, model string, promptTokens, completionTokens int) error
	MarkReminded(ctx context.Context, touchID int64, token int, channel, ts string, now time.Time, d ...store.Draft) error
	Release(ctx context.Context, touchID int64, token int, retryAt time.Time) error
	Reschedule(ctx context.Context, touchID int64, token int, due time.Time) error
	PausedDue(ctx context.Context, now time.Time) ([]store.EnrollmentView, error)

	OriginStore // where follow-ups came from, and company news (store_native.go)

	FirstSeen(ctx context.Context, eventID string, now time.Time) (bool, error)
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error

	MailStore // mailboxes and the messages read from them (mail.go)
}

var _ Store = (*store.DB)(nil)
