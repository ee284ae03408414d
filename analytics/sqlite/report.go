package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

var _ analytics.Reporter = (*Store)(nil)

// Report computes the report of q with the definitions of
// analytics/aggregate. It never writes: finished days that Maintain rolled
// up (and that no row appended since has changed) come from the rollups,
// today from the in-memory live day, every other day from the raw rows.
func (s *Store) Report(ctx context.Context, q analytics.Query) (*analytics.Report, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now()
	cov, err := s.coverage(ctx, q.Site, q.Zone)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	// With a goal filter, the kept conversions of rolled-up days.
	cur, prev, err := aggregate.NewPeriods(ctx, coveredEvents{s, cov}, q)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if err := s.period(ctx, cov, cur); err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if _, err := aggregate.AddImported(ctx, s, cur); err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if err := s.period(ctx, cov, prev); err != nil {
		return nil, fmt.Errorf("report %s: previous period: %w", q.Site, err)
	}
	if _, err := aggregate.AddImported(ctx, s, prev); err != nil {
		return nil, fmt.Errorf("report %s: previous period: %w", q.Site, err)
	}
	// Realtime is about now, whatever the period: the owner's "who is on
	// the site" glance. Not filtered.
	var realtime int64
	err = s.db.QueryRowContext(ctx, `
		SELECT COUNT(DISTINCT visitor) FROM pageviews WHERE `+siteIs("site_id", "?")+` AND ts > ? AND ts <= ?`,
		q.Site, now.Add(-analytics.Realtime).Unix(), now.Unix()).Scan(&realtime)
	if err != nil {
		return nil, fmt.Errorf("report %s: realtime: %w", q.Site, err)
	}
	r := aggregate.Report(cur, prev, realtime, now)
	visitors, err := aggregate.RateVisitors(q, r, func(p *aggregate.Period) error { return s.period(ctx, cov, p) })
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if err := aggregate.Events(ctx, coveredEvents{s, cov}, q, visitors, r); err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if len(q.Filters) == 0 {
		consent, err := s.consentTotals(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", q.Site, err)
		}
		analytics.SetConsent(r, consent)
	}
	return r, nil
}

// coverage is which days of a site the rollups of a zone answer for.
type coverage struct {
	zone    string // rollup zone name; "" none
	through time.Time
	found   bool
	dirty   map[string]bool // rolled-up days that rows appended since may change
}

func (c coverage) rolled(day time.Time) bool {
	return c.found && !day.After(c.through) && !c.dirty[day.Format(time.DateOnly)]
}

func (s *Store) coverage(ctx context.Context, site string, zone *time.Location) (coverage, error) {
	c := coverage{zone: rollupZone(zone)}
	if c.zone == "" {
		return c, nil
	}
	st, err := s.readState(ctx, c.zone)
	if err != nil || !st.found {
		return c, err
	}
	through, err := time.ParseInLocation(time.DateOnly, st.through, zone)
	if err != nil {
		return c, fmt.Errorf("rollups: bad state day %q: %w", st.through, err)
	}
	dirty, err := s.dirtyDays(ctx, st, zone, site, through.AddDate(0, 0, 1))
	if err != nil {
		return c, fmt.Errorf("rollups: %w", err)
	}
	c.found, c.through, c.dirty = true, through, dirty[site]
	return c, nil
}

// dayRange is the days [from, end) in a zone.
type dayRange struct{ from, end time.Time }

// period adds every day of p's query to p, each from where it is kept.
func (s *Store) period(ctx context.Context, cov coverage, p *aggregate.Period) error {
	return s.periods(ctx, cov, []*aggregate.Period{p})
}

// periods adds every day of the queries of ps to them: one query, or
// several filtered ones of the same site, days, zone and interval that
// differ only in their filters (PageTrends), which read each day once.
func (s *Store) periods(ctx context.Context, cov coverage, ps []*aggregate.Period) error {
	p := ps[0]
	q := p.Query
	today := analytics.Midnight(s.now(), q.Zone)
	var (
		rolled []time.Time
		raw    []dayRange
		live   bool
	)
	// A goal filter needs each page view's visit (Period.Conversions):
	// packed days keep their visits' ids, as does today's live Day; other
	// days are read from the raw rows, only the converted visits'.
	goal := q.Goal != ""
	var visits []uint64
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		switch {
		case cov.rolled(d):
			rolled = append(rolled, d)
		case d.Equal(today):
			live = true
		case len(raw) > 0 && raw[len(raw)-1].end.Equal(d):
			raw[len(raw)-1].end = d.AddDate(0, 0, 1)
		default:
			raw = append(raw, dayRange{d, d.AddDate(0, 0, 1)})
		}
	}
	if goal && !p.Detail && len(q.Filters) == 0 && len(rolled) > 0 {
		// A previous period's totals: the goal's kept totals where the
		// maintenance has counted them.
		var err error
		if rolled, err = s.addGoalTotals(ctx, cov, p, rolled); err != nil {
			return err
		}
	}
	if len(rolled) > 0 {
		var err error
		if p.Filtered() {
			err = s.readViewRollups(ctx, cov.zone, ps, rolled)
		} else {
			err = s.readRollups(ctx, cov.zone, p, rolled)
		}
		if err != nil {
			return err
		}
	}
	for _, r := range raw {
		if goal {
			// Only the visits that converted on these days: a visit-day
			// is of one day, and the day before is read only for the
			// sources of these same visits.
			visits = []uint64{} // none converted: no page view is read
			for _, p := range ps {
				p.Conversions.Each(r.from, r.end, func(_ time.Time, v uint64) { visits = append(visits, v) })
			}
		}
		if err := s.scanDays(ctx, s.db, q.Site, r.from, r.end, q.Zone, visits, func(d *aggregate.Day) error {
			for _, p := range ps {
				p.AddDay(d, 0)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, p := range ps {
			if err := s.addBots(ctx, p, r); err != nil {
				return err
			}
		}
	}
	if live {
		if err := s.liveDay(ctx, q.Site, today, func(d *aggregate.Day) {
			for _, p := range ps {
				p.AddDay(d, 0)
			}
		}); err != nil {
			return err
		}
		for _, p := range ps {
			if err := s.addBots(ctx, p, dayRange{today, today.AddDate(0, 0, 1)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) addBots(ctx context.Context, p *aggregate.Period, r dayRange) error {
	if p.Filtered() {
		return nil
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE site = ? AND ts >= ? AND ts < ?`,
		p.Query.Site, r.from.Unix(), r.end.Unix()).Scan(&n); err != nil {
		return fmt.Errorf("count bots: %w", err)
	}
	p.AddBots(n)
	return nil
}

// addGoalTotals adds the kept totals of p's goal (aggregate.GoalCounts) of
// the rolled-up days that have them, and returns the other days.
func (s *Store) addGoalTotals(ctx context.Context, cov coverage, p *aggregate.Period, days []time.Time) ([]time.Time, error) {
	q := p.Query
	key := aggregate.GoalKey(aggregate.EventKey(q.Goals, q.Funnels), q.Goal)
	kept := map[int64]bool{}
	err := s.keptDays(ctx, cov, "totals", q.Site, q.Zone, key, days[0], days[len(days)-1].AddDate(0, 0, 1), func(day time.Time, b []byte) error {
		c, err := aggregate.DecodeCounts(b)
		if err != nil {
			return fmt.Errorf("kept goal totals of %s: %w", day.Format(time.DateOnly), err)
		}
		p.AddTotals(day.Unix(), c)
		kept[day.Unix()] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(days, func(d time.Time) bool { return kept[d.Unix()] }), nil
}

// daySet is a set of days (2006-01-02) with their first and last.
type daySet struct {
	days        map[string]bool
	first, last string
}

func newDaySet(days []time.Time) daySet {
	s := daySet{days: map[string]bool{}}
	for _, d := range days {
		s.days[d.Format(time.DateOnly)] = true
	}
	s.first, s.last = days[0].Format(time.DateOnly), days[len(days)-1].Format(time.DateOnly)
	return s
}

// readViewRollups adds the rolled-up days of filtered reports, counting
// their packed page views: those of one report, or of several of the same
// site, zone, days and interval that differ in their filters (PageTrends),
// which share the reading and decoding. The days are split into one
// contiguous run per worker (one per core): each reads its own days on a
// connection of its own and decodes every blob straight from the driver's
// buffer, so reading is as parallel as counting and no blob is copied
// again. Consecutive days share most dictionary values, which the decoder
// exploits.
func (s *Store) readViewRollups(ctx context.Context, zone string, ps []*aggregate.Period, days []time.Time) error {
	p := ps[0]
	// Times are only needed for an hourly series, visit ids for a goal
	// filter.
	withTimes := p.Detail && p.Query.Interval == analytics.Hour
	withVisits := p.Query.Goal != ""
	workers := max(1, min(runtime.GOMAXPROCS(0), 4, len(days)))
	var (
		parts = make([][]*aggregate.Period, workers)
		errs  = make([]error, workers)
		wg    sync.WaitGroup
	)
	for w := range parts {
		for _, p := range ps {
			part := aggregate.NewPeriod(p.Query, p.Detail)
			part.Conversions = p.Conversions // only read
			parts[w] = append(parts[w], part)
		}
		chunk := days[w*len(days)/workers : (w+1)*len(days)/workers]
		wg.Go(func() { errs[w] = s.countViewRollups(ctx, zone, parts[w], chunk, withTimes, withVisits) })
	}
	wg.Wait()
	for w, part := range parts {
		if errs[w] != nil {
			return errs[w]
		}
		for i, p := range ps {
			p.Merge(part[i])
		}
	}
	return nil
}

// countViewRollups adds the packed page views of days (in order) to each
// of ps (of the same site and zone).
func (s *Store) countViewRollups(ctx context.Context, zone string, ps []*aggregate.Period, days []time.Time, withTimes, withVisits bool) error {
	p := ps[0]
	set := newDaySet(days)
	// The times and visits columns are left unread (and their pages
	// untouched) unless needed; NULL otherwise.
	rows, err := s.db.QueryContext(ctx, `
		SELECT day, views, CASE WHEN ? THEN times END, CASE WHEN ? THEN visits END
		FROM rollup_views WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`,
		withTimes, withVisits, zone, p.Query.Site, set.first, set.last)
	if err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	defer rows.Close()
	var (
		dec                aggregate.DayDecoder
		day                string
		raw, times, visits sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&day, &raw, &times, &visits); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		if !set.days[day] {
			continue
		}
		start, err := time.ParseInLocation(time.DateOnly, day, p.Query.Zone)
		if err != nil {
			return fmt.Errorf("read rollups: bad day %q: %w", day, err)
		}
		if withTimes && times == nil {
			return fmt.Errorf("read rollups: %s: no times", day)
		}
		if !withTimes {
			times = nil
		}
		if withVisits && !convertedOn(ps, start.Unix()) {
			continue // no visit converted: the day counts nothing
		}
		// The decoded Day holds no reference to raw or times, which the
		// next row overwrites.
		d, err := dec.Decode(raw, times, start.Unix())
		if err != nil {
			return fmt.Errorf("read rollups: %s: %w", day, err)
		}
		if withVisits {
			if err := dec.DecodeVisits(d, visits); err != nil {
				return fmt.Errorf("read rollups: %s: visits: %w", day, err)
			}
		}
		for _, p := range ps {
			p.AddDay(d, 0)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	return nil
}

// convertedOn reports whether a visit converted on the day (unix seconds)
// in any of ps.
func convertedOn(ps []*aggregate.Period, day int64) bool {
	for _, p := range ps {
		if p.Conversions.Day(day) != nil {
			return true
		}
	}
	return false
}

// readRollups adds the rolled-up days of an unfiltered report.
func (s *Store) readRollups(ctx context.Context, zone string, p *aggregate.Period, days []time.Time) error {
	q := p.Query
	set := newDaySet(days)
	rows, err := s.db.QueryContext(ctx, `
		SELECT day, visitors, visits, pageviews, bounces, visit_ms, timed_views, time_ms, bots, timed_visitors
		FROM rollup_days
		WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`, zone, q.Site, set.first, set.last)
	if err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day string
			c   aggregate.Counts
		)
		if err := rows.Scan(&day, &c.Visitors, &c.Visits, &c.PageViews, &c.Bounces, &c.VisitMs, &c.TimedViews, &c.TimeMs, &c.Bots, &c.TimedVisitors); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		if !set.days[day] {
			continue
		}
		start, err := time.ParseInLocation(time.DateOnly, day, q.Zone)
		if err != nil {
			return fmt.Errorf("read rollups: bad day %q: %w", day, err)
		}
		p.AddTotals(start.Unix(), c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	if !p.Detail {
		return nil
	}
	if q.Interval == analytics.Hour {
		rows, err := s.db.QueryContext(ctx, `
			SELECT day, hour, visitors, pageviews FROM rollup_hours
			WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`, zone, q.Site, set.first, set.last)
		if err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				day string
				h   aggregate.Hour
			)
			if err := rows.Scan(&day, &h.Start, &h.Visitors, &h.PageViews); err != nil {
				return fmt.Errorf("read rollups: %w", err)
			}
			if set.days[day] {
				p.AddHour(h)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
	}
	// Breakdowns: months whose every day is in the set from month rows,
	// the other days from day rows.
	months := map[string]bool{}
	for _, d := range days {
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, q.Zone)
		if d.Equal(first) {
			whole := true
			for m := first; m.Month() == first.Month(); m = m.AddDate(0, 0, 1) {
				if !set.days[m.Format(time.DateOnly)] {
					whole = false
					break
				}
			}
			if whole {
				months[first.Format("2006-01")] = true
			}
		}
	}
	blobs := func(query string, keep func(key string) bool, args ...any) error {
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		defer rows.Close()
		var (
			key  string
			blob sql.RawBytes
		)
		for rows.Next() {
			if err := rows.Scan(&key, &blob); err != nil {
				return fmt.Errorf("read rollups: %w", err)
			}
			if !keep(key) {
				continue
			}
			if err := p.Rows.AddEncoded(blob); err != nil {
				return fmt.Errorf("read rollups: %s: %w", key, err)
			}
		}
		return rows.Err()
	}
	if len(months) > 0 {
		if err := blobs(`SELECT month, rows FROM rollup_breakdowns_months WHERE zone = ? AND site = ? AND month >= ? AND month <= ?`,
			func(m string) bool { return months[m] }, zone, q.Site, set.first[:7], set.last[:7]); err != nil {
			return err
		}
	}
	// Day rows outside the whole months, read in runs so that a year's
	// report does not read every day row.
	var run []string
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		err := blobs(`SELECT day, rows FROM rollup_breakdowns_days WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`,
			func(day string) bool { return set.days[day] && !months[day[:7]] }, zone, q.Site, run[0], run[len(run)-1])
		run = run[:0]
		return err
	}
	for _, d := range days {
		key := d.Format(time.DateOnly)
		if months[key[:7]] {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		run = append(run, key)
	}
	return flush()
}
