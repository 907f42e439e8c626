package cadence

import "time"

// intentOf returns the enrollment's intent, warm when none is set.
func intentOf(e Enrollment) Intent {
	if e.Intent == "" {
		return IntentWarm
	}
	return e.Intent
}

// decisionDay returns the calendar date of e.DecisionDate. A decision date is a date, not an
// instant: its year, month and day, as ParseDate gives them, are read in the rep's zone.
func decisionDay(e Enrollment) (int, time.Month, int) { return e.DecisionDate.Date() }

// TimelinePassed reports whether the enrollment's decision date has passed: now is at or after the
// end of the decision date's day (local midnight after it) in the rep's zone. It is false without a
// decision date. The state machine then stops the enrollment with StopTimelinePassed.
func TimelinePassed(e Enrollment, w Window, now time.Time) bool {
	if e.DecisionDate.IsZero() {
		return false
	}
	y, m, d := decisionDay(e)
	return !now.Before(localAt(y, m, d+1, 0, w.loc()))
}

// paced reports whether the cadence is paced toward the enrollment's decision date: a proposal
// cadence (by the cadence's trigger) with a decision date.
func paced(c Cadence, e Enrollment) bool {
	return c.Trigger == TriggerProposal && !e.DecisionDate.IsZero()
}

// Deadline returns when the last touch of a proposal must fall due: the start of the last working
// window before the decision date (the working day before it, skipping weekends, holidays and the
// away period). It returns the zero time without a decision date, or when no working window in the
// year before the decision date exists.
func Deadline(e Enrollment, w Window) time.Time {
	if e.DecisionDate.IsZero() {
		return time.Time{}
	}
	y, m, d := decisionDay(e)
	for i := 1; i <= 366; i++ {
		s := localAt(y, m, d-i, w.Start, w.loc())
		if w.IsOpen(s) {
			return s
		}
	}
	return time.Time{}
}

// Plan returns the due times of steps from to len(c.Steps)-1, given that step from is (or was)
// due at fromDue: result[0] is fromDue, and each later step is w.Due(previous due, its gap, the
// enrollment's intent). It returns nil when from is not a step of c.
//
// Proposal pacing: for a cadence whose trigger is proposal and an enrollment with a decision date,
// when the normal plan ends after the Deadline (the last working window before the decision date),
// the remaining steps are spread evenly between fromDue and the Deadline: step j of k is due at
// Next(fromDue + j/k of the time left), or at its normal due time if that is earlier (so a step is
// never pulled in further than pacing needs, and the last step is due by the Deadline). When the
// normal plan already ends by the Deadline it is kept, and when there is no time left before the
// Deadline the normal plan is kept too (a flurry of touches is worse than a late one; the
// enrollment stops with timeline_passed once the decision date is over).
//
// The state machine places only the next step (Plan(...)[1], anchored at the time the current
// step was logged); later entries are a forecast to show the rep.
func Plan(c Cadence, e Enrollment, w Window, from int, fromDue time.Time) []time.Time {
	if from < 0 || from >= len(c.Steps) {
		return nil
	}
	in := intentOf(e)
	out := []time.Time{fromDue}
	for i := from + 1; i < len(c.Steps); i++ {
		out = append(out, w.Due(out[len(out)-1], c.Steps[i].Gap, in))
	}
	if !paced(c, e) || len(out) == 1 {
		return out
	}
	deadline := Deadline(e, w)
	if deadline.IsZero() || !deadline.After(fromDue) || !out[len(out)-1].After(deadline) {
		return out
	}
	k := len(out) - 1
	span := deadline.Sub(fromDue)
	for j := 1; j <= k; j++ {
		normal := w.Due(out[j-1], c.Steps[from+j].Gap, in)
		even := w.Next(fromDue.Add(span * time.Duration(j) / time.Duration(k)))
		out[j] = even
		if normal.Before(even) {
			out[j] = normal
		}
	}
	return out
}

// FirstDue returns when step 0 of an enrollment falls due. The anchor is e.TriggerAt (when the
// interaction happened; the enrollment time when it is zero), so a contact enrolled a day after a
// cold email gets the first follow-up a gap after the email, not a gap after the enrollment; but
// a first touch is never due before now (a backdated trigger gives Next(now) at the earliest). A
// TriggerAt in the future ("start=2026-03-10", see Window.StartOn) delays the whole cadence.
// For a paced proposal the first touch is due no later than the Deadline while that is still
// ahead.
func FirstDue(c Cadence, e Enrollment, w Window, now time.Time) time.Time {
	anchor := e.TriggerAt
	if anchor.IsZero() {
		anchor = now
	}
	var g Gap
	if len(c.Steps) > 0 {
		g = c.Steps[0].Gap
	}
	due := w.Due(anchor, g, intentOf(e))
	if due.Before(now) {
		due = w.Next(now)
	}
	if paced(c, e) {
		if dl := Deadline(e, w); dl.After(now) && due.After(dl) {
			due = dl
		}
	}
	return due
}

// nextDue returns when the step after step falls due, that step having been logged at now.
func nextDue(c Cadence, e Enrollment, w Window, step int, now time.Time) time.Time {
	if p := Plan(c, e, w, step, now); len(p) > 1 {
		return p[1]
	}
	return w.Next(now)
}
