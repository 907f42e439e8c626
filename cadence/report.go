package cadence

import "time"

// The numbers of the team report. How each is counted is written down with the store's Report
// query, which computes them.

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

// Section is the report over one range.
type Section struct {
	From, To time.Time
	Team     Counts         // every cadence together
	Cadences []CadenceStats // most touches first, then by id
	Reps     []RepStats     // most touches first, then by id
}

// Cadence returns the stats of the cadence with id, and false when it had no activity.
func (s Section) Cadence(id string) (CadenceStats, bool) {
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
	Now      time.Time // when overdue touchpoints were counted
	Period   Section   // [From, To)
	Previous Section   // as long as Period, just before it (as many calendar days, across a DST change)
	AllTime  Section   // [zero, To)
}

// ReportState is where the weekly report for one period stands, as the store found it when asked
// to record the intent to post it.
type ReportState int

const (
	// ReportDone: the report for the period (or a later one) was recorded as posted; post nothing.
	ReportDone ReportState = iota
	// ReportBusy: another run (another process) recorded its intent less than a lease ago and may
	// be posting now; post nothing now, try again later.
	ReportBusy
	// ReportNew: no earlier attempt; the intent to post is now recorded.
	ReportNew
	// ReportRetry: an earlier attempt recorded its intent and did not record the post; it may
	// have posted (a crash between the post and the record of it, or Slack's answer lost), so the
	// caller must look for that post before posting again. The intent is now the caller's.
	ReportRetry
)
