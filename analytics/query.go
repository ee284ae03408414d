package analytics

import (
	"cmp"
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
	if q.Limit < 0 || q.MinVisitors < 0 {
		return q, fmt.Errorf("report: limit and minimum visitors can't be negative")
	}
	return q, nil
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

// Valid reports whether d is one of Dimensions.
func (d Dimension) Valid() bool { return slices.Contains(Dimensions, d) }

// VisitLevel reports whether d is a property of a whole visit (its entry or
// exit page) rather than of each page view.
func (d Dimension) VisitLevel() bool { return d == DimEntryPage || d == DimExitPage }

// DimensionNames lists the dimension names, for error messages and help.
func DimensionNames() string {
	s := ""
	for i, d := range Dimensions {
		if i > 0 {
			s += ", "
		}
		s += string(d)
	}
	return s
}

// SortRows orders a breakdown: most visitors first, then by value so that
// equal rows always come in the same order.
func SortRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(b.Visitors, a.Visitors); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
}

// FoldRows sorts rows and folds into one Other row, put last, every row with
// fewer than minVisitors visitors (the k-anonymity floor; <= 1 is off) and
// every row after the first limit rows (0 is no limit). Other's counts are
// the sums of the folded rows; its average time is weighted by their timed
// page views.
func FoldRows(rows []Row, limit, minVisitors int) []Row {
	SortRows(rows)
	var (
		kept   []Row
		other  = Row{Value: Other}
		folded int
	)
	for _, r := range rows {
		if r.Value == Other || (minVisitors > 1 && r.Visitors < int64(minVisitors)) || (limit > 0 && len(kept) >= limit) {
			other.Visitors += r.Visitors
			other.Visits += r.Visits
			other.PageViews += r.PageViews
			other.AvgTime += r.AvgTime * float64(r.TimedViews) // weighted sum, divided below
			other.TimedViews += r.TimedViews
			folded++
			continue
		}
		kept = append(kept, r)
	}
	if folded == 0 {
		return rows
	}
	if other.TimedViews > 0 {
		other.AvgTime /= float64(other.TimedViews)
	} else {
		other.AvgTime = 0
	}
	return append(kept, other)
}
