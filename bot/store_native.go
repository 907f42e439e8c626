package bot

import (
	"context"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// OriginStore is what the Slack-native entry points (the message shortcut, the Workflow Builder
// step) and company-wide awareness need from the database. *store.DB implements it.
type OriginStore interface {
	// Link returns the permalink a follow-up was started on, or "".
	Link(ctx context.Context, enrollmentID string) (string, error)
	// EnrollmentBySource returns the follow-up a request with this key started, or ENOTFOUND.
	EnrollmentBySource(ctx context.Context, key string) (cadence.EnrollmentView, error)
	// FlaggedBy returns the running follow-ups that Update flagged, in the transaction of a reply
	// or booked meeting, with the news of that outcome of follow-up sourceID.
	FlaggedBy(ctx context.Context, sourceID string, o cadence.Outcome) ([]cadence.EnrollmentView, error)
	// CompanyNews returns the news a follow-up was flagged with, oldest first.
	CompanyNews(ctx context.Context, enrollmentID string) ([]cadence.CompanyNews, error)
	// NoticeOnce reports whether owner is told about sourceID's outcome for the first time.
	NoticeOnce(ctx context.Context, sourceID string, o cadence.Outcome, owner string, now time.Time) (bool, error)
}
