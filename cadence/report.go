package cadence

import "time"

// The numbers of the team report, computed by the store (store.DB.Report) and shown by bot/report,
// which share them through this package, and how they are counted. Every count is over the event log or
// the enrollments table inside a half-open range [From, To) of event times:
//
//   - Enrolled: "enrolled" events (contacts put in a follow-up).
//   - Touches: "sent" events (touches the rep logged as done).
//   - Replies: positive answers, that is "replied" and "meeting_booked" events, counting once an
//     answer to the same touch: a reply logged and then a meeting booked after the same touch is
//     one reply (and one meeting). A reply is attributed to the step of the last touch sent to that
//     contact in that follow-up before it; an answer before any touch has no step.
//   - Reply rate: Replies / Touches, both inside the range, for a cadence or for one step (replies
//     attributed to the step / touches of the step). In a short range a reply to a touch sent before
//     the range can make it exceed 100%; "since the start" it cannot.
//   - Meetings, Deals closed: "meeting_booked" and "deal_closed" events.
//   - Opt-outs, Complaints, Bounces: follow-ups of the cadence that ended in the range for that
//     reason (the same numbers as Stopped[reason]). The team total of opt-outs counts distinct
//     contacts who opted out, whether or not they were in a follow-up.
//   - Out of office: "paused" events of an out-of-office reply (seen in the mailbox or logged), by
//     cadence; an auto-reply is never a reply. A reply whose automatic completion the rep undid
//     (a later "reopened" event, "undid replied", with no answer between) is not counted either.
//   - Stopped: follow-ups that ended in the range (completed or stopped), by stop reason.
//   - Overdue: open touchpoints of active follow-ups due before the report's Now, whatever the range.

// Counts are the numbers of one cadence, one rep or the whole team over a range.
type Counts struct {
	Enrolled    int
	Touches     int
	Replies     int
	Meetings    int
	DealsClosed int
	OptOuts     int
	Complaints  int
	Bounces     int
	OutOfOffice int // follow-ups paused by an out-of-office reply (issue 14); never replies
	Overdue     int // now, not over the range
}

// StepStats are the touches and replies of one step of a cadence.
type StepStats struct {
	Step    int // index into the cadence's steps (shown to people as Step+1)
	Touches int
	Replies int
}

// CadenceStats are the numbers of one cadence.
type CadenceStats struct {
	CadenceID string
	Counts
	Stopped map[StopReason]int // follow-ups ended in the range, by reason
	Steps   []StepStats        // by step, only steps with a touch or a reply
	// NoStepReplies counts replies that came before any touch of their follow-up.
	NoStepReplies int
}

// RepStats are the numbers of one rep.
type RepStats struct {
	Rep      string // Slack user id
	Touches  int
	Replies  int
	Meetings int
	Overdue  int // now
}

// ReportSection is the report over one range.
type ReportSection struct {
	From, To time.Time
	Team     Counts         // every cadence together
	Cadences []CadenceStats // most touches first, then by id
	Reps     []RepStats     // most touches first, then by id
}

// Cadence returns the stats of the cadence with id, and false when it had no activity.
func (s ReportSection) Cadence(id string) (CadenceStats, bool) {
	for _, c := range s.Cadences {
		if c.CadenceID == id {
			return c, true
		}
	}
	return CadenceStats{}, false
}

// Report is the team report for one range, with the range just before it (same length, for
// "opt-outs rose") and everything since the start up to To.
type Report struct {
	Now      time.Time     // when overdue touchpoints were counted
	Period   ReportSection // [From, To)
	Previous ReportSection // as long as Period, just before it (as many calendar days, across a DST change)
	AllTime  ReportSection // [zero, To)
}
