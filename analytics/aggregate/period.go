package aggregate

import (
	"time"

	"github.com/seloste/seloste/analytics"
)

// Period sums the days of a normalized query: totals, and with detail the
// series and every breakdown. An engine adds each day once, from whatever
// it keeps of it: a Day (AddDay), or a rollup read in parts (AddTotals,
// AddHour, Rows).
type Period struct {
	Query  analytics.Query
	Detail bool
	Totals Counts
	Series []analytics.Point
	Rows   Rows
	// Imported is what AddImported did; nil before it or without
	// imported days.
	Imported *analytics.ImportedUse
	// Conversions, with a goal filter (Query.Goal), are the visit-days
	// that converted (Converted): AddDay keeps only their page views, so
	// an engine adds Days built from page views, which know their visits.
	Conversions *Conversions
	buckets     []time.Time
	scratch     *Scratch // counts AddDay's days; its rows reach Rows on flush
}

// NewPeriod returns an empty Period for q, which must be normalized.
// Without detail only the totals are summed (the previous period's).
func NewPeriod(q analytics.Query, detail bool) *Period {
	p := &Period{Query: q, Detail: detail, Rows: NewRows()}
	if detail {
		p.buckets = q.Buckets()
		p.Series = make([]analytics.Point, len(p.buckets))
		for i, t := range p.buckets {
			p.Series[i].T = t
		}
	}
	return p
}

// Filtered reports whether the query has filters or a goal filter.
func (p *Period) Filtered() bool { return len(p.Query.Filters) > 0 || p.Query.Goal != "" }

func (p *Period) point(t time.Time) *analytics.Point {
	i := analytics.BucketOf(p.buckets, t)
	if i < 0 || i >= len(p.Series) {
		return nil
	}
	return &p.Series[i]
}

// AddTotals adds the totals of the day that starts at start (midnight in
// the query's zone), and with detail its series bucket unless the series is
// hourly (then AddHour adds the hours).
func (p *Period) AddTotals(start int64, c Counts) {
	if p.Filtered() {
		c.Bots = 0
	}
	p.Totals.Add(c)
	if p.Detail && p.Query.Interval != analytics.Hour {
		if pt := p.point(time.Unix(start, 0)); pt != nil {
			pt.Visitors += c.Visitors
			pt.PageViews += c.PageViews
		}
	}
}

// AddHour adds one hour to an hourly series.
func (p *Period) AddHour(h Hour) {
	if p.Detail && p.Query.Interval == analytics.Hour {
		if pt := p.point(time.Unix(h.Start, 0)); pt != nil {
			pt.Visitors += h.Visitors
			pt.PageViews += h.PageViews
		}
	}
}

// AddDay counts day d with the query's filters and adds it. bots are the
// day's bot hits (not counted when filtered). d may be reused once AddDay
// returns.
func (p *Period) AddDay(d *Day, bots int64) {
	if p.scratch == nil {
		var sink func(dim int, value string, c *RowCounts)
		if p.Detail {
			sink = func(dim int, value string, c *RowCounts) { p.Rows.Row(dim, value).Add(*c) }
		}
		p.scratch = NewScratch(sink)
	}
	p.scratch.converted = nil
	if p.Query.Goal != "" {
		p.scratch.converted = noVisits
		if day := p.Conversions.Day(d.Start); day != nil && d.Visit != nil {
			p.scratch.converted = day
		}
	}
	total, hours := p.scratch.Count(d, p.Query.Filters, p.Query.Zone, p.Detail && p.Query.Interval == analytics.Hour)
	total.Bots = bots
	p.AddTotals(d.Start, total)
	for _, h := range hours {
		p.AddHour(h)
	}
}

// noVisits is the conversions of a day without any.
var noVisits = map[uint64]bool{}

// flush moves the rows counted by AddDay into Rows.
func (p *Period) flush() {
	if p.scratch != nil {
		p.scratch.Flush()
	}
}

// AddBots adds bot hits that belong to no day added otherwise.
func (p *Period) AddBots(n int64) {
	if !p.Filtered() {
		p.Totals.Bots += n
	}
}

// Merge adds o, a Period of the same query over other days.
func (p *Period) Merge(o *Period) {
	p.flush()
	o.flush()
	p.Totals.Add(o.Totals)
	for i := range p.Series {
		if i < len(o.Series) {
			p.Series[i].Visitors += o.Series[i].Visitors
			p.Series[i].PageViews += o.Series[i].PageViews
		}
	}
	p.Rows.Merge(o.Rows)
}

// Report assembles the report of cur's query with prev as the previous
// period: rows sorted and folded by the query's Limit and MinVisitors,
// countries named. realtime is the number of visitors in the last
// analytics.Realtime; now is when it was made.
func Report(cur, prev *Period, realtime int64, now time.Time) *analytics.Report {
	cur.flush()
	q := cur.Query
	r := &analytics.Report{
		Site:        q.Site,
		From:        q.From,
		To:          q.To,
		Zone:        q.Zone,
		Interval:    q.Interval,
		Totals:      cur.Totals.Totals(q.MinVisitors),
		Series:      cur.Series,
		Breakdowns:  map[analytics.Dimension][]analytics.Row{},
		Filters:     q.Filters,
		Realtime:    realtime,
		GeneratedAt: now.UTC(),
		Imported:    cur.Imported,
	}
	if prev != nil {
		r.Previous = prev.Totals.Totals(q.MinVisitors)
	}
	for i, dim := range analytics.Dimensions {
		rows := make([]analytics.Row, 0, len(cur.Rows[i]))
		for value, c := range cur.Rows[i] {
			row := analytics.Row{Value: value, Visitors: c.Visitors, Visits: c.Visits, PageViews: c.PageViews,
				TimedViews: c.TimedViews, TimedVisitors: c.TimedVisitors,
				ScrolledViews: c.ScrolledViews, ScrolledVisitors: c.ScrolledVisitors}
			if c.TimedViews > 0 {
				row.AvgTime = float64(c.TimeMs) / float64(c.TimedViews) / 1000
			}
			if c.ScrolledViews > 0 {
				row.AvgScroll = float64(c.ScrollSum) / float64(c.ScrolledViews)
			}
			if dim == analytics.DimCountry {
				row.Name = analytics.CountryName(value)
			}
			rows = append(rows, row)
		}
		r.Breakdowns[dim] = analytics.FoldRows(rows, q.Limit, q.MinVisitors, cur.Totals.Visitors, cur.Totals.Visits)
	}
	analytics.WithholdDifferences(&r.Totals, r.Breakdowns, cur.Totals.TimedViews, cur.Totals.TimedVisitors, q.MinVisitors)
	return r
}
