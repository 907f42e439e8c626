package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/followup-bot/followup/cadence"
)

// claimable selects the ids of touchpoints a dispatcher may take. It walks the partial index
// touchpoints_pending_due in due order and stops after the limit, so its cost grows with the
// number of touchpoints due (including those leased, paused or opted out), not the number stored.
// Touchpoints of a rep another dispatcher holds (rep_leases) are left to that one, so that one
// process paces each rep's DMs. Its arguments are: now, now, this owner, now, limit.
const claimable = `SELECT t.id FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.state = 'pending' AND t.due <= ?
	  AND (t.lease_until IS NULL OR t.lease_until <= ?)
	  AND e.status = 'active' AND c.dnc = 0
	  AND NOT EXISTS (SELECT 1 FROM rep_leases r WHERE r.rep = e.owner AND r.dispatcher <> ? AND r.until > ?)
	ORDER BY t.due, t.id
	LIMIT ?`

// claimableOne is claimable on SQLite, where one process dispatches (replicas need PostgreSQL):
// without the rep leases, which would only add to every claim's cost there. Its arguments are:
// now, now, limit.
const claimableOne = `SELECT t.id FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.state = 'pending' AND t.due <= ?
	  AND (t.lease_until IS NULL OR t.lease_until <= ?)
	  AND e.status = 'active' AND c.dnc = 0
	ORDER BY t.due, t.id
	LIMIT ?`

// leaseLost is the coded error of a fenced write whose token is out of date.
func leaseLost(touchID int64) error {
	return fmt.Errorf("%w: %w", cadence.ErrLeaseLost,
		cadence.Errorf(cadence.ECONFLICT, "Touchpoint %d is being handled by another dispatcher.", touchID))
}

// Claim atomically takes up to limit pending touchpoints that are due at now, oldest due first:
// those not leased or whose lease has ended, of active follow-ups whose contact has not opted out.
// Each is leased until now+lease to this handle (Owner) and its attempt count, the claim's fencing
// token, goes up by one. Claims held by a dispatcher that is gone (its process no longer runs on
// this host, or it has not beaten for a while) are taken over first, whatever their lease says.
// A dispatcher then drafts, reminds the rep and calls MarkReminded, or calls Release or
// Reschedule, each with the claim's Attempts as token. Two Claims at once, from this process or
// another, never take the same touchpoint.
func (db *DB) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]cadence.Claim, error) {
	if limit <= 0 {
		return nil, nil
	}
	var claims []cadence.Claim
	asked := time.Now() // when the claim was asked for at now: it may wait for the claim lock (claimPG)
	// On PostgreSQL claims are serialized by their own advisory lock, not the write lock: a claim
	// must see the reps the previous one took (rep_leases) and the heartbeats it wrote, so that a
	// takeover never frees a claim committed while it looked, and commands' writes need not wait
	// for it. Row locks keep it apart from everything else (claimSkipLocked).
	err := db.claimWrite(ctx, func(tx *sql.Tx) error {
		if err := db.beat(ctx, tx, now); err != nil {
			return err
		}
		if _, err := db.takeOver(ctx, tx, now); err != nil {
			return err
		}
		var vs []cadence.EnrollmentView
		var err error
		if db.pg {
			vs, err = db.claimPG(ctx, tx, now, asked, limit, lease)
		} else {
			vs, err = db.claimOne(ctx, tx, now, limit, lease)
		}
		if err != nil || len(vs) == 0 {
			return err
		}
		claims = make([]cadence.Claim, len(vs))
		for i, v := range vs {
			claims[i] = cadence.Claim{TouchView: cadence.TouchView{Touch: *v.Open, EnrollmentView: v}, Attempts: v.Open.Attempts}
		}
		return nil
	}, claimLockSQL, int64(claimLockKey))
	if err != nil {
		return nil, fmt.Errorf("claim due touchpoints: %w", err)
	}
	return claims, nil
}

// claimOne leases up to limit claimable touchpoints to this handle on SQLite, where one process
// dispatches, and returns their views, oldest due first.
func (db *DB) claimOne(ctx context.Context, tx *sql.Tx, now time.Time, limit int, lease time.Duration) ([]cadence.EnrollmentView, error) {
	rows, err := tx.QueryContext(ctx, claimableOne, now.UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("find due touchpoints: %w", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("find due touchpoints: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	in := `(` + placeholders(len(ids)) + `)`
	args := append([]any{now.Add(lease).UnixMilli(), db.self.id}, ids...)
	if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET lease_until = ?, claim_owner = ?, attempts = attempts + 1
		WHERE id IN `+in, args...); err != nil {
		return nil, fmt.Errorf("lease due touchpoints: %w", err)
	}
	// A claimed touchpoint is pending, so it is its enrollment's open touchpoint.
	vs, err := views(ctx, tx, viewSelect+` WHERE t.id IN `+in+` ORDER BY t.due, t.id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("load claimed touchpoints: %w", err)
	}
	return vs, nil
}

// EndDispatch lets other dispatchers claim the touchpoints of the reps this handle holds, from
// now+gap on: gap is the pacing interval, so that a rep's next DM, from whichever dispatcher,
// comes no sooner than a second after this one's last. The dispatcher calls it when a pass
// ends, with every rep's queue empty.
func (db *DB) EndDispatch(ctx context.Context, now time.Time, gap time.Duration) error {
	if !db.pg {
		return nil // one dispatcher on SQLite: no reps to share
	}
	db.self.init()
	err := db.claimWrite(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE rep_leases SET until = ? WHERE rep IN (SELECT rep FROM rep_leases
			WHERE dispatcher = ? AND until > ? ORDER BY rep FOR UPDATE)`,
			now.Add(gap).UnixMilli(), db.self.id, now.Add(gap).UnixMilli())
		return err
	}, `SELECT pg_advisory_xact_lock(?)`, int64(claimLockKey)) // after or before a claim, never during one
	if err != nil {
		return fmt.Errorf("end dispatch: %w", err)
	}
	return nil
}

// fenced is the condition a write that finishes a claim adds: token 0 (a person's action, not a
// dispatcher's) always passes; any other must be the touchpoint's current attempt count.
const fenced = ` AND (CAST(? AS BIGINT) = 0 OR attempts = CAST(? AS BIGINT))`

// checkFence returns ErrLeaseLost when token is set and the touchpoint was claimed again since.
func checkFence(ctx context.Context, tx *sql.Tx, touchID int64, token int) error {
	if token == 0 {
		return nil
	}
	var attempts int
	err := tx.QueryRowContext(ctx, `SELECT attempts FROM touchpoints WHERE id = CAST(? AS BIGINT)`, touchID).Scan(&attempts)
	if err == sql.ErrNoRows {
		return cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
	}
	if err != nil {
		return fmt.Errorf("check claim of touchpoint %d: %w", touchID, err)
	}
	if attempts != token {
		return leaseLost(touchID)
	}
	return nil
}

// Recheck re-reads a claimed touchpoint with its follow-up, before it is drafted, together with
// the follow-up's details (Details), which the DM draws on: on PostgreSQL one statement for both
// when the follow-up has no signals, permalink or news. It returns ErrLeaseLost (ECONFLICT) when the
// touchpoint was claimed again since the claim with this token, and renews the lease to
// now+lease when less than half of it is left, so that the claim outlives a long draft or a long
// 429 wait. The caller decides from the view whether a reminder is still due.
func (db *DB) Recheck(ctx context.Context, touchID int64, token int, now time.Time, lease time.Duration) (cadence.TouchView, cadence.Details, error) {
	var tv cadence.TouchView
	var d cadence.Details
	err := db.readEach(ctx, func(q queryer) (err error) {
		if db.pg {
			tv, d, err = touchDetails(ctx, q, touchID) // one round trip instead of two
			return err
		}
		// On SQLite a statement costs no round trip, and the one above scans the follow-up and
		// its contact again on every touchpoint row: two statements cost less.
		if tv, err = touchView(ctx, q, touchID); err != nil {
			return err
		}
		d, err = details(ctx, q, tv.Enrollment.ID)
		return err
	})
	if err != nil {
		return tv, d, err
	}
	return tv, d, db.renewClaim(ctx, touchID, token, tv.Touch.State, tv.Touch.Attempts, tv.Touch.LeaseUntil, now, lease)
}

// claimStateSQL selects a touchpoint's ClaimState and lease.
const claimStateSQL = `SELECT t.state, t.due, t.attempts, t.lease_until, e.status, e.owner, c.dnc
	FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.id = CAST(? AS BIGINT)`

// RecheckState is Recheck for the check just before a DM is posted, which needs only the
// touchpoint's state, its follow-up's status and owner and the contact's opt-out: a few columns
// instead of a whole view, read before every post.
func (db *DB) RecheckState(ctx context.Context, touchID int64, token int, now time.Time, lease time.Duration) (cadence.ClaimState, error) {
	var st cadence.ClaimState
	var due int64
	var until sql.NullInt64
	var dnc int
	err := db.readEach(ctx, func(q queryer) error {
		err := q.QueryRowContext(ctx, claimStateSQL, touchID).Scan(&st.State, &due, &st.Attempts, &until,
			&st.Status, &st.Owner, &dnc)
		if errors.Is(err, sql.ErrNoRows) {
			return cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
		}
		if err != nil {
			return fmt.Errorf("load touchpoint %d: %w", touchID, err)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	st.Due, st.DoNotContact = time.UnixMilli(due).UTC(), dnc != 0
	return st, db.renewClaim(ctx, touchID, token, st.State, st.Attempts, fromMS(until), now, lease)
}

// renewClaim checks a re-read claim's token and renews its lease when less than half is left.
func (db *DB) renewClaim(ctx context.Context, touchID int64, token int, state cadence.TouchState, attempts int,
	until, now time.Time, lease time.Duration) error {
	if token != 0 && attempts != token {
		return leaseLost(touchID)
	}
	if state != cadence.TouchPending || (!until.IsZero() && until.Sub(now) > lease/2) {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.beat(ctx, tx, now); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET lease_until = ?, claim_owner = ?
			WHERE id = CAST(? AS BIGINT) AND state = 'pending'`+fenced, now.Add(lease).UnixMilli(), db.self.id, touchID, token, token)
		if err != nil {
			return fmt.Errorf("renew lease of touchpoint %d: %w", touchID, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			if err := checkFence(ctx, tx, touchID, token); err != nil {
				return err
			}
		}
		return nil
	})
}

// SaveDraft stores the drafted message of an open touchpoint, where it came from ("llm" or
// "offline"), the model and the tokens it used. token is the claim's fencing token (0 for a draft
// a person asked for). It returns ENOTFOUND when there is no such touchpoint, and ECONFLICT when
// the touchpoint is already closed or (wrapping ErrLeaseLost) was claimed again since.
func (db *DB) SaveDraft(ctx context.Context, touchID int64, token int, draft, source, model string, promptTokens, completionTokens int) error {
	return db.writeTouch(ctx, touchID, func(tx *sql.Tx) error {
		if err := checkFence(ctx, tx, touchID, token); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET draft = ?, draft_source = ?, draft_model = ?,
			draft_prompt_tokens = ?, draft_completion_tokens = ? WHERE id = CAST(? AS BIGINT) AND state IN ('pending', 'reminded')`,
			draft, source, model, promptTokens, completionTokens, touchID)
		if err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
		return explainMiss(ctx, tx, r, touchID)
	})
}

// MarkReminded records that the rep was reminded of a claimed touchpoint by the DM channel/ts,
// ends the lease and logs a "reminded" event. token is the claim's fencing token (0: unfenced).
// It returns ECONFLICT, with a message fit to put in that DM, when the touchpoint is no longer
// pending (its follow-up was stopped, it was logged or already reminded) or its follow-up is
// paused meanwhile, or (wrapping ErrLeaseLost) when it was claimed again since; EOPTEDOUT when its
// contact opted out (an opt-out stops the follow-up too, which is then seen first: ECONFLICT);
// and ENOTFOUND when there is no such touchpoint.
//
// With a draft d, the draft the DM showed is stored in the same transaction: for a draft that
// cost nothing to make (no model was asked), so that it need not be stored on its own before the
// DM is posted; after a crash it is simply made again.
func (db *DB) MarkReminded(ctx context.Context, touchID int64, token int, channel, ts string, now time.Time, d ...cadence.Draft) error {
	m := &markReq{touchID: touchID, token: token, channel: channel, ts: ts, now: now}
	if len(d) > 0 {
		m.draft = &d[0]
	}
	if !db.pg {
		return db.marks.do(ctx, db, m)
	}
	// writeTouch's lock and the statement in one round trip: a transaction of its own.
	changed, err := db.pipeline(ctx, touchLock(touchID), markRemindedAtOnce(m))
	if err != nil {
		return fmt.Errorf("mark touchpoint %d reminded: %w", touchID, err)
	}
	if changed[1] == 1 {
		return nil
	}
	// Not the common case, and nothing was written: markReminded says why, or records the DM
	// when what stood in the way changed meanwhile.
	return db.writeTouch(ctx, touchID, func(tx *sql.Tx) error {
		verdict, err := db.markReminded(ctx, tx, m)
		if err != nil {
			return err
		}
		return verdict
	})
}

// markRemindedAtOnce is the statement that records the DM and its "reminded" event at once, on
// PostgreSQL, when the claim is in order: the touchpoint pending with the claim's token, its
// follow-up active, its contact not opted out. That is nearly every DM, and each statement is a
// round trip. Otherwise it changes nothing (no row); markReminded then looks at the touchpoint and
// says why.
func markRemindedAtOnce(m *markReq) stmt {
	set, args := ``, []any{string(cadence.TouchReminded), m.channel, m.ts}
	if d := m.draft; d != nil {
		set = `, draft = ?, draft_source = ?, draft_model = ?, draft_prompt_tokens = ?, draft_completion_tokens = ?`
		args = append(args, d.Text, d.Source, d.Model, d.PromptTokens, d.CompletionTokens)
	}
	args = append(args, m.touchID, m.token, m.token, string(cadence.StatusActive), m.now.UnixMilli(),
		cadence.EventReminded)
	return stmt{`WITH u AS (UPDATE touchpoints t SET state = ?, dm_channel = ?, dm_ts = ?,
			lease_until = NULL, claim_owner = ''` + set + `
		FROM enrollments e JOIN contacts c ON c.id = e.contact_id
		WHERE t.id = CAST(? AS BIGINT) AND e.id = t.enrollment_id AND t.state = 'pending'` + fenced + `
		  AND e.status = CAST(? AS TEXT) AND c.dnc = 0
		RETURNING t.step, e.id, e.contact_id, e.cadence_id, e.owner)
		INSERT INTO events (at, enrollment_id, contact_id, cadence_id, step, rep, actor, kind, detail)
		SELECT CAST(? AS BIGINT), u.id, u.contact_id, u.cadence_id, u.step, u.owner, 'bot', CAST(? AS TEXT), '' FROM u`,
		args}
}

// markReq is one MarkReminded call.
type markReq struct {
	touchID     int64
	token       int
	channel, ts string
	now         time.Time
	draft       *cadence.Draft
	done        chan error // the outcome, once its transaction has committed or failed
	verdict     error      // markReminded's verdict in a batch
}

// markReminded records one DM in tx. verdict is why the touchpoint may not be marked (a coded
// error; nothing was written for it); err is a failure of the database, after which tx must be
// rolled back.
func (db *DB) markReminded(ctx context.Context, tx *sql.Tx, m *markReq) (verdict, err error) {
	h, err := loadTouchHead(ctx, tx, m.touchID)
	if cadence.ErrorCode(err) == cadence.ENOTFOUND {
		return err, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case m.token != 0 && h.attempts != m.token:
		return leaseLost(m.touchID), nil
	case h.state == cadence.TouchCancelled || h.e.Status == cadence.StatusStopped ||
		h.e.Status == cadence.StatusCompleted:
		return cadence.Errorf(cadence.ECONFLICT, "Follow-up %s with %s was stopped before this reminder went out.",
			h.e.ID, h.c.Label()), nil
	case h.c.DoNotContact:
		return optedOutError(h.c), nil
	case h.state == cadence.TouchDone:
		return cadence.Errorf(cadence.ECONFLICT, "This touch of follow-up %s was already logged.", h.e.ID), nil
	case h.state == cadence.TouchReminded:
		return cadence.Errorf(cadence.ECONFLICT, "This touch of follow-up %s was already reminded.", h.e.ID), nil
	case h.e.Status == cadence.StatusPaused:
		return cadence.Errorf(cadence.ECONFLICT, "Follow-up %s with %s is paused.", h.e.ID, h.c.Label()), nil
	}
	set, args := ``, []any{string(cadence.TouchReminded), m.channel, m.ts}
	if d := m.draft; d != nil { // the draft in the same statement
		set = `, draft = ?, draft_source = ?, draft_model = ?, draft_prompt_tokens = ?, draft_completion_tokens = ?`
		args = append(args, d.Text, d.Source, d.Model, d.PromptTokens, d.CompletionTokens)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE touchpoints SET state = ?, dm_channel = ?, dm_ts = ?, lease_until = NULL,
		claim_owner = ''`+set+` WHERE id = CAST(? AS BIGINT)`, append(args, m.touchID)...); err != nil {
		return nil, fmt.Errorf("mark touchpoint %d reminded: %w", m.touchID, err)
	}
	return nil, appendEvent(ctx, tx, fillEvent(cadence.Event{Step: h.step, Actor: "bot", Kind: cadence.EventReminded}, h.e, m.now))
}

// touchHead is what a fenced write checks of a touchpoint: its state and token, its follow-up's
// identity and status, and enough of its contact to name them and their opt-out. Only the fields
// touchHeadSQL selects are set.
type touchHead struct {
	state    cadence.TouchState
	step     int
	attempts int
	e        cadence.Enrollment // ID, ContactID, CadenceID, Owner, Status
	c        cadence.Contact    // what Label reads, DoNotContact, DNCAt, DNCReason
}

// touchHeadSQL selects a touchHead: 15 columns where a whole view has 45, each scanned at the cost
// of about a microsecond.
const touchHeadSQL = `SELECT t.state, t.step, t.attempts, e.id, e.contact_id, e.cadence_id, e.owner, e.status,
	c.name, c.email, c.phone, c.linkedin, c.dnc, c.dnc_at, c.dnc_reason
	FROM touchpoints t
	JOIN enrollments e ON e.id = t.enrollment_id
	JOIN contacts c ON c.id = e.contact_id
	WHERE t.id = CAST(? AS BIGINT)`

func loadTouchHead(ctx context.Context, q queryer, touchID int64) (touchHead, error) {
	var h touchHead
	var dnc int
	var dncAt sql.NullInt64
	err := q.QueryRowContext(ctx, touchHeadSQL, touchID).Scan(&h.state, &h.step, &h.attempts, &h.e.ID, &h.e.ContactID,
		&h.e.CadenceID, &h.e.Owner, &h.e.Status, &h.c.Name, &h.c.Email, &h.c.Phone, &h.c.LinkedIn, &dnc, &dncAt,
		&h.c.DNCReason)
	if errors.Is(err, sql.ErrNoRows) {
		return h, cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
	}
	if err != nil {
		return h, fmt.Errorf("load touchpoint %d: %w", touchID, err)
	}
	h.c.ID, h.c.DoNotContact, h.c.DNCAt = h.e.ContactID, dnc != 0, fromMS(dncAt)
	return h, nil
}

// Release gives back a claimed touchpoint that could not be handled now (Slack or the LLM
// failed): it stays due and is claimed again at retryAt. token is the claim's fencing token (0:
// unfenced). Releasing a touchpoint that is no longer pending, or that was claimed again since,
// does nothing. It returns ENOTFOUND when there is no such touchpoint.
func (db *DB) Release(ctx context.Context, touchID int64, token int, retryAt time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET lease_until = ?, claim_owner = ''
			WHERE id = CAST(? AS BIGINT) AND state = 'pending'`+fenced, ms(retryAt), touchID, token, token)
		if err != nil {
			return fmt.Errorf("release touchpoint %d: %w", touchID, err)
		}
		err = explainMiss(ctx, tx, r, touchID)
		if cadence.ErrorCode(err) == cadence.ECONFLICT {
			return nil
		}
		return err
	})
}

// Reschedule moves a pending touchpoint to a new due time and ends its lease, for example to move
// an overdue touch into the rep's working hours. token is the claim's fencing token (0:
// unfenced). It returns ENOTFOUND when there is no such touchpoint and ECONFLICT when it is no
// longer pending or (wrapping ErrLeaseLost) was claimed again since.
func (db *DB) Reschedule(ctx context.Context, touchID int64, token int, due time.Time) error {
	if due.IsZero() {
		return fmt.Errorf("reschedule touchpoint %d: no due time", touchID)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := checkFence(ctx, tx, touchID, token); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE touchpoints SET due = ?, lease_until = NULL, claim_owner = ''
			WHERE id = CAST(? AS BIGINT) AND state = 'pending'`, due.UnixMilli(), touchID)
		if err != nil {
			return fmt.Errorf("reschedule touchpoint %d: %w", touchID, err)
		}
		return explainMiss(ctx, tx, r, touchID)
	})
}

// explainMiss turns a conditional touchpoint update that changed nothing into ENOTFOUND (no such
// touchpoint) or ECONFLICT (it is not in the state the update needs).
func explainMiss(ctx context.Context, tx *sql.Tx, r sql.Result, touchID int64) error {
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("update touchpoint %d: %w", touchID, err)
	}
	if n > 0 {
		return nil
	}
	var state string
	err = tx.QueryRowContext(ctx, `SELECT state FROM touchpoints WHERE id = CAST(? AS BIGINT)`, touchID).Scan(&state)
	if err == sql.ErrNoRows {
		return cadence.Errorf(cadence.ENOTFOUND, "There is no touchpoint with id %d.", touchID)
	}
	if err != nil {
		return fmt.Errorf("update touchpoint %d: %w", touchID, err)
	}
	switch cadence.TouchState(state) {
	case cadence.TouchCancelled:
		return cadence.Errorf(cadence.ECONFLICT, "This touch was cancelled: its follow-up stopped or moved on.")
	case cadence.TouchDone:
		return cadence.Errorf(cadence.ECONFLICT, "This touch was already logged.")
	default:
		return cadence.Errorf(cadence.ECONFLICT, "This touch was already reminded.")
	}
}
