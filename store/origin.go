package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// insertOrigin stores where a new enrollment came from, when it came from Slack (a message's
// permalink, a workflow step's execution). A source key already used is ECONFLICT.
func insertOrigin(ctx context.Context, tx *sql.Tx, e cadence.Enrollment) error {
	if e.Link == "" && e.SourceKey == "" {
		return nil
	}
	if e.SourceKey != "" {
		var other string
		err := tx.QueryRowContext(ctx, `SELECT enrollment_id FROM enrollment_origins WHERE source_key = ?`, e.SourceKey).Scan(&other)
		switch {
		case err == nil:
			return cadence.Errorf(cadence.ECONFLICT, "This request already started follow-up %s.", other)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up source %s: %w", e.SourceKey, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrollment_origins (enrollment_id, link, source_key) VALUES (?, ?, ?)`,
		e.ID, e.Link, e.SourceKey); err != nil {
		return fmt.Errorf("store origin of %s: %w", e.ID, err)
	}
	return nil
}

// Link returns the permalink of the Slack message a follow-up was started on, or "" when it was
// not started on one (or does not exist).
func (db *DB) Link(ctx context.Context, enrollmentID string) (link string, err error) {
	err = db.readEach(ctx, func(q queryer) (err error) {
		link, err = linkOf(ctx, q, enrollmentID)
		return err
	})
	return link, err
}

func linkOf(ctx context.Context, q queryer, enrollmentID string) (string, error) {
	var link string
	err := q.QueryRowContext(ctx, `SELECT link FROM enrollment_origins WHERE enrollment_id = CAST(? AS TEXT)`, enrollmentID).Scan(&link)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("load link of %s: %w", enrollmentID, err)
	}
	return link, nil
}

// EnrollmentBySource returns the follow-up a request with this source key started (see
// cadence.Enrollment.SourceKey), or ENOTFOUND when none did.
func (db *DB) EnrollmentBySource(ctx context.Context, key string) (cadence.EnrollmentView, error) {
	var v cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT enrollment_id FROM enrollment_origins WHERE source_key = ? AND source_key <> ''`, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return cadence.Errorf(cadence.ENOTFOUND, "No follow-up was started by %q.", key)
		}
		if err != nil {
			return fmt.Errorf("look up source %s: %w", key, err)
		}
		v, err = view(ctx, tx, id)
		return err
	})
	return v, err
}

// domainExpr is the email domain of contact c, written as the contacts_email_domain index of each
// engine has it so that the index is used: PostgreSQL has strpos() where SQLite has instr().
func domainExpr(pg bool) string {
	if pg {
		return `substr(c.email, strpos(c.email, '@') + 1)`
	}
	return `substr(c.email, instr(c.email, '@') + 1)`
}

// RunningAtDomain returns the running (active or paused) follow-ups whose contact's email is at
// domain, leaving out the follow-up except. It returns none for an empty domain.
func (db *DB) RunningAtDomain(ctx context.Context, domain, except string) ([]cadence.EnrollmentView, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" {
		return nil, nil
	}
	var vs []cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		vs, err = runningAtDomain(ctx, tx, db.pg, domain, except)
		return err
	})
	return vs, err
}

func runningAtDomain(ctx context.Context, tx *sql.Tx, pg bool, domain, except string) ([]cadence.EnrollmentView, error) {
	vs, err := views(ctx, tx, viewSelect+` WHERE `+domainExpr(pg)+` = ? AND c.email <> '' AND e.status IN ('active', 'paused') AND e.id <> ?`,
		domain, except)
	sortByNextDue(vs)
	if err != nil {
		return nil, fmt.Errorf("follow-ups at %s: %w", domain, err)
	}
	return vs, nil
}

// AddCompanyNews flags follow-ups with what a colleague of their contact did. News already
// recorded (the same follow-up, source and outcome) is kept as it was. Update records the news of
// a reply or a booked meeting by itself, in the same transaction (flagColleagues).
func (db *DB) AddCompanyNews(ctx context.Context, news []cadence.CompanyNews) error {
	if len(news) == 0 {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error { return insertNews(ctx, tx, news) })
}

func insertNews(ctx context.Context, tx *sql.Tx, news []cadence.CompanyNews) error {
	for _, n := range news {
		if _, err := tx.ExecContext(ctx, `INSERT INTO company_news (enrollment_id, source_id, who, company, outcome, at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, n.EnrollmentID, n.SourceID, n.Who, n.Company, string(n.Outcome), n.At.UnixMilli()); err != nil {
			return fmt.Errorf("flag %s with news from %s: %w", n.EnrollmentID, n.SourceID, err)
		}
	}
	return nil
}

// flagColleagues flags the other running follow-ups at src's company (its contact's email domain,
// not a free mail provider) with outcome o, logged at: their next reminder shows it.
func flagColleagues(ctx context.Context, tx *sql.Tx, pg bool, src cadence.EnrollmentView, o cadence.Outcome, at time.Time) error {
	domain := cadence.CompanyDomain(src.Contact.Email)
	if domain == "" {
		return nil
	}
	others, err := runningAtDomain(ctx, tx, pg, domain, src.Enrollment.ID)
	if err != nil {
		return err
	}
	company := src.Contact.Company
	if company == "" {
		company = domain
	}
	news := make([]cadence.CompanyNews, 0, len(others))
	for _, v := range others {
		news = append(news, cadence.CompanyNews{EnrollmentID: v.Enrollment.ID, SourceID: src.Enrollment.ID,
			Who: src.Contact.Label(), Company: company, Outcome: o, At: at})
	}
	return insertNews(ctx, tx, news)
}

// FlaggedBy returns the running (active or paused) follow-ups flagged with the news of follow-up
// sourceID's outcome o, the soonest due first.
func (db *DB) FlaggedBy(ctx context.Context, sourceID string, o cadence.Outcome) ([]cadence.EnrollmentView, error) {
	var vs []cadence.EnrollmentView
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		vs, err = views(ctx, tx, viewSelect+` WHERE e.id IN (SELECT enrollment_id FROM company_news WHERE source_id = ? AND outcome = ?)
			AND e.status IN ('active', 'paused')`, sourceID, string(o))
		sortByNextDue(vs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("follow-ups flagged by %s: %w", sourceID, err)
	}
	return vs, nil
}

// CompanyNews returns the news a follow-up was flagged with, oldest first.
func (db *DB) CompanyNews(ctx context.Context, enrollmentID string) (out []cadence.CompanyNews, err error) {
	err = db.readEach(ctx, func(q queryer) (err error) {
		out, err = newsOf(ctx, q, enrollmentID)
		return err
	})
	return out, err
}

func newsOf(ctx context.Context, q queryer, enrollmentID string) ([]cadence.CompanyNews, error) {
	rows, err := q.QueryContext(ctx, `SELECT enrollment_id, source_id, who, company, outcome, at FROM company_news
		WHERE enrollment_id = CAST(? AS TEXT) ORDER BY at, source_id`, enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("news of %s: %w", enrollmentID, err)
	}
	defer rows.Close()
	var out []cadence.CompanyNews
	for rows.Next() {
		var n cadence.CompanyNews
		var at int64
		if err := rows.Scan(&n.EnrollmentID, &n.SourceID, &n.Who, &n.Company, &n.Outcome, &at); err != nil {
			return nil, fmt.Errorf("news of %s: %w", enrollmentID, err)
		}
		n.At = time.UnixMilli(at).UTC()
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("news of %s: %w", enrollmentID, err)
	}
	return out, nil
}

// NoticeOnce records that owner is being told about the outcome of follow-up sourceID, and
// reports whether this is the first time (false: they were told already; tell them nothing).
func (db *DB) NoticeOnce(ctx context.Context, sourceID string, o cadence.Outcome, owner string, now time.Time) (bool, error) {
	var first bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO company_notices (source_id, outcome, owner, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			sourceID, string(o), owner, now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record notice of %s to %s: %w", sourceID, owner, err)
	}
	return first, nil
}
