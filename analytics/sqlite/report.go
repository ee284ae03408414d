package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.Reporter = (*Store)(nil)

// Report computes the report of q. Finished days come from the rollups
// (refreshed first if rows arrived since), the rest (today) from the raw
// rows. A filtered report reads the raw rows of its period: filters combine
// any dimensions, which no rollup could hold.
func (s *Store) Report(ctx context.Context, q analytics.Query) (*analytics.Report, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now()
	cur, err := s.period(ctx, q, true)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	prev, err := s.period(ctx, q.Previous(), false)
	if err != nil {
		return nil, fmt.Errorf("report %s: previous period: %w", q.Site, err)
	}
	r := &analytics.Report{
		Site:        q.Site,
		From:        q.From,
		To:          q.To,
		Zone:        q.Zone,
		Interval:    q.Interval,
		Totals:      cur.total.totals(),
		Previous:    prev.total.totals(),
		Series:      cur.series,
		Breakdowns:  map[analytics.Dimension][]analytics.Row{},
		GeneratedAt: now.UTC(),
	}
	for i, dim := range analytics.Dimensions {
		rows := make([]analytics.Row, 0, len(cur.dims[i]))
		for value, c := range cur.dims[i] {
			row := analytics.Row{Value: value, Visitors: c.Visitors, Visits: c.Visits, PageViews: c.PageViews, TimedViews: c.TimedViews}
			if c.TimedViews > 0 {
				row.AvgTime = float64(c.TimeMs) / float64(c.TimedViews) / 1000
			}
			if dim == analytics.DimCountry {
				row.Name = analytics.CountryName(value)
			}
			rows = append(rows, row)
		}
		r.Breakdowns[dim] = analytics.FoldRows(rows, q.Limit, q.MinVisitors)
	}
	// Realtime is about now, whatever the period: the owner's "who is on
	// the site" glance. Not filtered.
	err = s.db.QueryRowContext(ctx, `
		SELECT COUNT(DISTINCT visitor) FROM pageviews WHERE site = ? AND ts > ? AND ts <= ?`,
		q.Site, now.Add(-analytics.Realtime).Unix(), now.Unix()).Scan(&r.Realtime)
	if err != nil {
		return nil, fmt.Errorf("report %s: realtime: %w", q.Site, err)
	}
	return r, nil
}

func (c counts) totals() analytics.Totals {
	t := analytics.Totals{Visitors: c.Visitors, Visits: c.Visits, PageViews: c.PageViews, Bots: c.Bots}
	if c.Visits > 0 {
		t.ViewsPerVisit = float64(c.PageViews) / float64(c.Visits)
		t.BounceRate = float64(c.Bounces) / float64(c.Visits)
		t.AvgVisitDuration = float64(c.VisitMs) / float64(c.Visits) / 1000
	}
	if c.TimedViews > 0 {
		t.AvgTimeOnPage = float64(c.TimeMs) / float64(c.TimedViews) / 1000
	}
	return t
}

// periodStats are the summed numbers of a query's days.
type periodStats struct {
	total   counts
	series  []analytics.Point
	buckets []time.Time
	dims    *dimMaps
}

func (p *periodStats) bucket(t time.Time) *analytics.Point {
	i := analytics.BucketOf(p.buckets, t)
	if i < 0 {
		return nil
	}
	return &p.series[i]
}

// period sums q's days: rolled-up days from the rollups, others from raw
// rows. Without detail only the totals are read.
func (s *Store) period(ctx context.Context, q analytics.Query, detail bool) (*periodStats, error) {
	p := &periodStats{dims: newDimMaps()}
	if detail {
		p.buckets = q.Buckets()
		p.series = make([]analytics.Point, len(p.buckets))
		for i, t := range p.buckets {
			p.series[i].T = t
		}
	}
	addDay := func(d *dayStats) {
		p.total.add(d.total)
		if !detail {
			return
		}
		if q.Interval == analytics.Hour {
			for _, h := range d.hours {
				if pt := p.bucket(time.Unix(h.start, 0)); pt != nil {
					pt.Visitors += h.visitors
					pt.PageViews += h.pageviews
				}
			}
		} else if pt := p.bucket(d.start); pt != nil {
			pt.Visitors += d.total.Visitors
			pt.PageViews += d.total.PageViews
		}
		p.dims.merge(d.dims)
	}

	// Finished days from the rollups: the numbers themselves, or for a
	// filtered report the packed page views.
	liveFrom := q.From
	through, err := s.RefreshRollups(ctx, q.Zone)
	if err != nil {
		return nil, err
	}
	if !through.IsZero() && !through.Before(q.From) {
		last := through
		if q.To.Before(last) {
			last = q.To
		}
		if len(q.Filters) == 0 {
			err = s.readRollups(ctx, q, last, p, detail)
		} else {
			err = s.readViewRollups(ctx, q, last, p, addDay)
		}
		if err != nil {
			return nil, err
		}
		liveFrom = last.AddDate(0, 0, 1)
	}
	end := q.End()
	if !liveFrom.Before(end) {
		return p, nil
	}
	scan := func(from, to time.Time) error {
		if !from.Before(to) {
			return nil
		}
		return s.scanDays(ctx, q.Site, from, to, q.Zone, q.Filters, func(d *dayStats, _ []view) error { addDay(d); return nil })
	}
	// Today comes from the in-memory live day (live.go).
	today := analytics.Midnight(s.now(), q.Zone)
	if !today.Before(liveFrom) && today.Before(end) {
		if err := scan(liveFrom, today); err != nil {
			return nil, err
		}
		if len(q.Filters) == 0 {
			err = s.liveDayStats(ctx, q.Site, today, q.Zone, addDay)
		} else {
			err = s.liveDayViews(ctx, q.Site, today, q.Zone, func(views []view) {
				addDay(aggregateDay(today, views, q.Filters, q.Zone, nil))
			})
		}
		if err != nil {
			return nil, err
		}
		if err := scan(today.AddDate(0, 0, 1), end); err != nil {
			return nil, err
		}
	} else if err := scan(liveFrom, end); err != nil {
		return nil, err
	}
	var bots int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE site = ? AND ts >= ? AND ts < ?`,
		q.Site, liveFrom.Unix(), end.Unix()).Scan(&bots); err != nil {
		return nil, fmt.Errorf("count bots: %w", err)
	}
	p.total.Bots += bots
	return p, nil
}

// readViewRollups adds the days q.From..last of a filtered report to p,
// aggregating their packed page views; bots come from the day rollups.
func (s *Store) readViewRollups(ctx context.Context, q analytics.Query, last time.Time, p *periodStats, addDay func(*dayStats)) error {
	zone := rollupZone(q.Zone)
	fromDay, lastDay := q.From.Format(time.DateOnly), last.Format(time.DateOnly)
	var bots int64
	if err := s.db.QueryRowContext(ctx, `
		SELECT IFNULL(SUM(bots), 0) FROM rollup_days WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`,
		zone, q.Site, fromDay, lastDay).Scan(&bots); err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	p.total.Bots += bots
	rows, err := s.db.QueryContext(ctx, `
		SELECT day, views FROM rollup_views WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`,
		zone, q.Site, fromDay, lastDay)
	if err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	defer rows.Close()
	var (
		day   string
		blob  sql.RawBytes
		views []view
		sc    = newScratch()
	)
	for rows.Next() {
		if err := rows.Scan(&day, &blob); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		start, err := time.ParseInLocation(time.DateOnly, day, q.Zone)
		if err != nil {
			return fmt.Errorf("read rollups: bad day %q: %w", day, err)
		}
		if views, err = unpackViews(blob, start.Unix(), views[:0], q.Filters); err != nil {
			return fmt.Errorf("read rollups: %s: %w", day, err)
		}
		if len(views) > 0 {
			addDay(aggregateDay(start, views, q.Filters, q.Zone, sc))
		}
	}
	return rows.Err()
}

// readRollups adds the rollups of the days q.From..last to p.
func (s *Store) readRollups(ctx context.Context, q analytics.Query, last time.Time, p *periodStats, detail bool) error {
	zone := rollupZone(q.Zone)
	fromDay, lastDay := q.From.Format(time.DateOnly), last.Format(time.DateOnly)
	rows, err := s.db.QueryContext(ctx, `
		SELECT day, visitors, visits, pageviews, bounces, visit_ms, timed_views, time_ms, bots
		FROM rollup_days
		WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`, zone, q.Site, fromDay, lastDay)
	if err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day string
			c   counts
		)
		if err := rows.Scan(&day, &c.Visitors, &c.Visits, &c.PageViews, &c.Bounces, &c.VisitMs, &c.TimedViews, &c.TimeMs, &c.Bots); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		p.total.add(c)
		if detail && q.Interval != analytics.Hour {
			start, err := time.ParseInLocation(time.DateOnly, day, q.Zone)
			if err != nil {
				return fmt.Errorf("read rollups: bad day %q: %w", day, err)
			}
			if pt := p.bucket(start); pt != nil {
				pt.Visitors += c.Visitors
				pt.PageViews += c.PageViews
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	if !detail {
		return nil
	}
	if q.Interval == analytics.Hour {
		rows, err := s.db.QueryContext(ctx, `
			SELECT hour, visitors, pageviews FROM rollup_hours
			WHERE zone = ? AND site = ? AND hour >= ? AND hour < ?`,
			zone, q.Site, q.From.Unix(), last.AddDate(0, 0, 1).Unix())
		if err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var hour, visitors, pageviews int64
			if err := rows.Scan(&hour, &visitors, &pageviews); err != nil {
				return fmt.Errorf("read rollups: %w", err)
			}
			if pt := p.bucket(time.Unix(hour, 0)); pt != nil {
				pt.Visitors += visitors
				pt.PageViews += pageviews
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
	}
	// Breakdowns: whole months inside the period from month rows, the
	// other days from day rows.
	var months []string
	first, end := q.From, last.AddDate(0, 0, 1)
	for m := time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, q.Zone); m.Before(end); m = m.AddDate(0, 1, 0) {
		if next := m.AddDate(0, 1, 0); !m.Before(q.From) && !next.After(end) {
			months = append(months, m.Format("2006-01"))
		}
	}
	blobs := func(query string, args ...any) error {
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		defer rows.Close()
		var blob []byte
		for rows.Next() {
			if err := rows.Scan(&blob); err != nil {
				return fmt.Errorf("read rollups: %w", err)
			}
			if err := p.dims.unpackInto(blob); err != nil {
				return fmt.Errorf("read rollups: %w", err)
			}
		}
		return rows.Err()
	}
	if len(months) == 0 {
		return blobs(`SELECT rows FROM rollup_breakdowns_days WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`,
			zone, q.Site, fromDay, lastDay)
	}
	// Days before the first whole month, and after the last one.
	firstMonth, _ := time.ParseInLocation("2006-01", months[0], q.Zone)
	lastMonth, _ := time.ParseInLocation("2006-01", months[len(months)-1], q.Zone)
	afterMonths := lastMonth.AddDate(0, 1, 0)
	if first.Before(firstMonth) {
		if err := blobs(`SELECT rows FROM rollup_breakdowns_days WHERE zone = ? AND site = ? AND day >= ? AND day < ?`,
			zone, q.Site, fromDay, firstMonth.Format(time.DateOnly)); err != nil {
			return err
		}
	}
	if err := blobs(`SELECT rows FROM rollup_breakdowns_months WHERE zone = ? AND site = ? AND month >= ? AND month <= ?`,
		zone, q.Site, months[0], months[len(months)-1]); err != nil {
		return err
	}
	if afterMonths.Before(end) {
		if err := blobs(`SELECT rows FROM rollup_breakdowns_days WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`,
			zone, q.Site, afterMonths.Format(time.DateOnly), lastDay); err != nil {
			return err
		}
	}
	return nil
}
