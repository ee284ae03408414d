package mailreport

import (
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Period is which summary a recipient gets.
type Period string

const (
	Weekly  Period = "week"  // sent on Mondays: the previous ISO week, Monday to Sunday
	Monthly Period = "month" // sent on the 1st: the previous calendar month
)

// ParsePeriod reads "week" or "month".
func ParsePeriod(s string) (Period, error) {
	switch Period(s) {
	case Weekly, Monthly:
		return Period(s), nil
	}
	return "", fmt.Errorf("unknown period %q (use week or month)", s)
}

// Span returns the first and last day (midnight in zone) of the period
// before now's: the ISO week before now's week, or the month before now's
// month.
func (p Period) Span(now time.Time, zone *time.Location) (first, last time.Time) {
	day := analytics.Midnight(now, zone)
	if p == Weekly {
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1)
	}
	y, m, _ := day.Date()
	firstOfThis := time.Date(y, m, 1, 0, 0, 0, 0, zone)
	return firstOfThis.AddDate(0, -1, 0), firstOfThis.AddDate(0, 0, -1)
}

// Due reports whether now's day is the day p's summary is sent: a Monday
// for Weekly, the 1st for Monthly.
func (p Period) Due(now time.Time, zone *time.Location) bool {
	t := now.In(zone)
	if p == Weekly {
		return t.Weekday() == time.Monday
	}
	return t.Day() == 1
}

// Label names the span in messages and in the spool: 2026-W49 or 2026-11.
func (p Period) Label(first time.Time) string {
	if p == Weekly {
		y, w := first.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}
	return first.Format("2006-01")
}
