package bot

import (
	"context"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// Store is what the bot needs from the database. *store.DB implements it; every method owns its
// transaction, and returns coded cadence errors (ENOTFOUND, ECONFLICT, EOPTEDOUT) with messages
// fit to show a person.
type Store interface {
	GetRep(ctx context.Context, userID string) (cadence.Rep, error)
	PutRep(ctx context.Context, r cadence.Rep) error
	// UpdateRep changes a rep's settings in one transaction that holds the rep.
	UpdateRep(ctx context.Context, userID string, change func(*cadence.Rep) (save bool, err error)) (cadence.Rep, error)
	// RefreshRep is UpdateRep for what is copied from Slack: it may be lost in a database crash,
	// and then Slack is asked again.
	RefreshRep(ctx context.Context, userID string, change func(*cadence.Rep) (save bool, err error)) (cadence.Rep, error)
	MarkRepGone(ctx context.Context, userID string, now time.Time) ([]cadence.Enrollment, error)

	Enroll(ctx context.Context, c cadence.Contact, ch cadence.Change, now time.Time) (cadence.EnrollmentView, error)
	Enrollment(ctx context.Context, id string) (cadence.EnrollmentView, error)
	ListEnrollments(ctx context.Context, owner string, statuses ...cadence.Status) ([]cadence.EnrollmentView, error)
	Queue(ctx context.Context, owner string) ([]cadence.EnrollmentView, error)
	DueQueue(ctx context.Context, owner string, now time.Time) ([]cadence.EnrollmentView, error)
	QueuePage(ctx context.Context, owner string, offset, limit int) ([]cadence.EnrollmentView, int, error)
	DueQueuePage(ctx context.Context, owner string, now time.Time, offset, limit int) ([]cadence.EnrollmentView, int, error)
	Due(ctx context.Context, owner string, now time.Time) ([]cadence.EnrollmentView, error)
	Touchpoints(ctx context.Context, enrollmentID string) ([]cadence.Touchpoint, error)
	// Details returns a follow-up's touchpoints, signals, permalink and news in one read.
	Details(ctx context.Context, enrollmentID string) (cadence.Details, error)
	Touchpoint(ctx context.Context, id int64) (cadence.TouchView, error)
	Events(ctx context.Context, enrollmentID string) ([]cadence.Event, error)
	Signals(ctx context.Context, enrollmentID string) ([]cadence.Signal, error)
	AddSignal(ctx context.Context, s cadence.Signal) error
	ContactByEmail(ctx context.Context, email string) (cadence.Contact, error)

	Update(ctx context.Context, id string, fn func(cadence.EnrollmentView) (cadence.Change, error)) (cadence.UpdateResult, error)
	OptOut(ctx context.Context, contactID int64, reason, by string, now time.Time) (cadence.OptOutResult, error)
	OptOutEmail(ctx context.Context, email, reason, by string, now time.Time) (cadence.OptOutResult, error)
	UndoOptOut(ctx context.Context, email, reason, by string, now time.Time) (cadence.Contact, error)

	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error)
	Recheck(ctx context.Context, touchID int64, token int, now time.Time, lease time.Duration) (cadence.TouchView, cadence.Details, error)
	RecheckState(ctx context.Context, touchID int64, token int, now time.Time, lease time.Duration) (cadence.ClaimState, error)
	Beat(ctx context.Context, now time.Time) error
	EndDispatch(ctx context.Context, now time.Time, gap time.Duration) error
	// Retire takes this dispatcher off the list as the bot stops, when it holds no claim.
	Retire(ctx context.Context) error
	TakeRedraft(ctx context.Context, touchID int64, max int) error
	SaveDraft(ctx context.Context, touchID int64, token int, draft, source, model string, promptTokens, completionTokens int) error
	MarkReminded(ctx context.Context, touchID int64, token int, channel, ts string, now time.Time, d ...cadence.Draft) error
	Release(ctx context.Context, touchID int64, token int, retryAt time.Time) error
	Reschedule(ctx context.Context, touchID int64, token int, due time.Time) error
	PausedDue(ctx context.Context, now time.Time) ([]cadence.EnrollmentView, error)

	OriginStore // where follow-ups came from, and company news (store_native.go)

	FirstSeen(ctx context.Context, eventID string, now time.Time) (bool, error)
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error

	MailStore   // mailboxes and the messages read from them (mail.go)
	ReportStore // the team report, and what ended lately (below)
}

// ReportStore is what the weekly report and the App Home's "recently ended" section need from
// the database.
type ReportStore interface {
	Report(ctx context.Context, from, to, now time.Time) (cadence.Report, error)
	LastReportedWeek(ctx context.Context) (time.Time, error)
	MarkReported(ctx context.Context, end time.Time) (bool, error)
	BeginReport(ctx context.Context, end time.Time, owner string, now time.Time, lease time.Duration) (cadence.ReportState, error)
	UnmarkReported(ctx context.Context, end, prev time.Time) error
	RecentlyEnded(ctx context.Context, owner string, since time.Time, limit int) ([]cadence.EnrollmentView, int, error)
}
