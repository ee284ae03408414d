package analytics

import (
	"fmt"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // reports default to Europe/Helsinki even where the OS has no zone files
)

// DefaultZone is the zone report days are counted in unless a query says
// otherwise.
const DefaultZone = "Europe/Helsinki"

// Realtime is the window of Report.Realtime.
const Realtime = 5 * time.Minute

// MaxDays bounds a report's period, so a typo can't ask for a millennium.
const MaxDays = 3700

// Normalize returns the query with its defaults filled in and checked: Zone
// defaults to DefaultZone, From and To become midnight in Zone, Interval is
// picked for the period's length, and every filter's dimension must exist.
// Every engine calls it first, so all of them read a query the same way.
func (q Query) Normalize() (Query, error) {
	if q.Site == "" {
		return q, fmt.Errorf("report: no site given")
	}
	if q.Zone == nil {
		z, err := time.LoadLocation(DefaultZone)
		if err != nil {
			return q, fmt.Errorf("report: time zone %s: %w", DefaultZone, err)
		}
		q.Zone = z
	}
	if q.From.IsZero() || q.To.IsZero() {
		return q, fmt.Errorf("report: the period needs both a first and a last day")
	}
	q.From, q.To = Midnight(q.From, q.Zone), Midnight(q.To, q.Zone)
	if q.To.Before(q.From) {
		return q, fmt.Errorf("report: the last day %s is before the first day %s",
			q.To.Format(time.DateOnly), q.From.Format(time.DateOnly))
	}
	if n := q.Days(); n > MaxDays {
		return q, fmt.Errorf("report: the period has %d days, more than the %d allowed", n, MaxDays)
	}
	switch q.Interval {
	case "":
		q.Interval = DefaultInterval(q.Days())
	case Hour, Day, Week, Month:
		if q.Interval == Hour && q.Days() > 31 {
			return q, fmt.Errorf("report: hourly series are limited to 31 days, the period has %d", q.Days())
		}
	default:
		return q, fmt.Errorf("report: unknown interval %q (use hour, day, week or month)", q.Interval)
	}
	for _, f := range q.Filters {
		if !f.Dim.Valid() {
			return q, fmt.Errorf("report: unknown filter dimension %q (use one of %s)", f.Dim, DimensionNames())
		}
	}
	if q.Goal != "" && !slices.ContainsFunc(q.Goals, func(g Goal) bool { return g.Name == q.Goal }) {
		return q, fmt.Errorf("report: goal %q is not configured", q.Goal)
	}
	if q.Limit < 0 || q.MinVisitors < 0 {
		return q, fmt.Errorf("report: limit and minimum visitors can't be negative")
	}
	return q, nil
}

// Interval is the bucket size of a report's time series.
type Interval string

const (
	Hour  Interval = "hour"
	Day   Interval = "day"
	Week  Interval = "week"
	Month Interval = "month"
)

// Query asks for the report of one site over whole days [From, To] in Zone.
type Query struct {
	Site        string
	From, To    time.Time      // first and last day, inclusive; midnight in Zone
	Zone        *time.Location // days and series buckets are in this zone; Europe/Helsinki by default
	Filters     []Filter       // all must match
	Interval    Interval       // "" picks hour for <= 2 days, else day, week or month
	Limit       int            // rows per breakdown before the rest is folded; 0 = no limit
	MinVisitors int            // k-anonymity floor: rows with fewer visitors fold into Other; <= 1 = off
	// ExcludeImported leaves imported aggregates out (they are included
	// by default, for the days before the site's first page view).
	ExcludeImported bool

	// Goals and Funnels are the configured ones (EventConfig) the report
	// counts. Goal, if set, keeps the visit-days that converted to that
	// goal, in every part of the report (analytics/aggregate.Converted).
	Goals   []Goal
	Funnels []Funnel
	Goal    string
}

// Midnight returns the start of t's calendar day in zone.
func Midnight(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone)
}

// Days is the number of calendar days in [q.From, q.To]. It counts dates,
// not 24-hour spans, so a DST change does not shift it.
func (q Query) Days() int {
	return civilDays(q.To) - civilDays(q.From) + 1
}

// End is the instant the period ends: midnight after the last day.
func (q Query) End() time.Time { return q.To.AddDate(0, 0, 1) }

// Previous is the query for the period of equal length just before q.
func (q Query) Previous() Query {
	n := q.Days()
	p := q
	p.From, p.To = q.From.AddDate(0, 0, -n), q.From.AddDate(0, 0, -1)
	return p
}

func civilDays(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DefaultInterval is the series bucket for a period of days days: hours for
// up to two days, days up to a quarter, weeks up to half a year, else months.
func DefaultInterval(days int) Interval {
	switch {
	case days <= 2:
		return Hour
	case days <= 92:
		return Day
	case days <= 183:
		return Week
	default:
		return Month
	}
}

// Buckets returns the start of every series bucket of the normalized query,
// in order. Buckets are calendar units in q.Zone (a DST day has 23 or 25
// hours); weeks start on Monday; the first bucket starts at q.From even when
// the week or month began earlier, and the last ends at q.End().
func (q Query) Buckets() []time.Time {
	end := q.End()
	var out []time.Time
	for t := q.From; t.Before(end); {
		out = append(out, t)
		switch q.Interval {
		case Hour:
			t = t.Add(time.Hour)
		case Day:
			t = t.AddDate(0, 0, 1)
		case Week:
			// Days to the next Monday: 7 from a Monday.
			t = t.AddDate(0, 0, 7-(int(t.Weekday())+6)%7)
		default: // Month
			y, m, _ := t.Date()
			t = time.Date(y, m+1, 1, 0, 0, 0, 0, q.Zone)
		}
	}
	return out
}

// BucketOf returns the index in buckets (from Buckets) of the bucket that
// holds t, or -1 if t is before the first.
func BucketOf(buckets []time.Time, t time.Time) int {
	return sort.Search(len(buckets), func(i int) bool { return buckets[i].After(t) }) - 1
}
