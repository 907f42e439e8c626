package cadence

import "time"

// Gap is the time between two touches: either wall-clock time (minutes, hours, days, weeks) or a
// number of business days, which skip non-working days and holidays. The zero Gap means "at once".
// ParseGap is the one parser of gap text ("0", "30m", "4h", "2d", "1w", "3bd").
type Gap struct {
	Wall         time.Duration // wall-clock part; zero for a business-day gap
	BusinessDays int           // business days; zero for a wall-clock gap
}

// Window is a rep's working time: the hours and days in their time zone when touches may fall due,
// minus holidays and an away period. Every due time the domain computes lies inside a Window.
type Window struct {
	Location *time.Location  // the rep's IANA time zone; nil means UTC
	Start    time.Duration   // start of the working day, from local midnight ("09:00" is 9h)
	End      time.Duration   // end of the working day, exclusive; 24h means until midnight
	Days     [7]bool         // working days, indexed by time.Weekday
	Holidays map[string]bool // non-working local dates, as "2006-01-02"
	// AwayFrom and AwayUntil are local dates ("2006-01-02") of an away period, both inclusive;
	// empty when the rep is not away.
	AwayFrom, AwayUntil string
}
