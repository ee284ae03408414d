package aggregate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Conversions is the set of visit-days that converted to a query's goal
// (Query.Goal): the goal filter of the page-view numbers. A visit-day
// converts when it has the goal's event, with every property value the
// goal names, or, for a page goal, a page view whose path matches and that
// the query's page-view filters select: the same visit-days the event
// parts keep (Events), so that a goal report's totals and its goal row
// speak of the same visits.
type Conversions struct {
	days map[int64]map[uint64]bool // midnight in the zone, unix → visit ids
}

// Converted reads the visit-days of q's site in [from, end) that convert
// to q.Goal, from the engine's event scans; when the engine keeps them
// (analytics.ConversionDayKeeper, filled by EventDayGoals), the kept days from
// there. q must be normalized and have a goal.
func Converted(ctx context.Context, sc analytics.EventScanner, q analytics.Query, from, end time.Time) (*Conversions, error) {
	i := slices.IndexFunc(q.Goals, func(g analytics.Goal) bool { return g.Name == q.Goal })
	if i < 0 {
		return nil, fmt.Errorf("report: goal %q is not configured", q.Goal)
	}
	g := goalMatcher{Goal: q.Goals[i]}
	c := &Conversions{days: map[int64]map[uint64]bool{}}
	k, ok := sc.(analytics.ConversionDayKeeper)
	// A page goal's conversions depend on the page-view filters; the kept
	// ones are of none.
	if !ok || (g.Page != "" && slices.ContainsFunc(q.Filters, func(f analytics.Filter) bool { return !f.Dim.VisitLevel() })) {
		return c, c.scan(ctx, sc, q, g, from, end)
	}
	kept := map[int64]bool{}
	err := k.ConversionDays(ctx, q.Site, q.Zone, GoalKey(EventKey(q.Goals, q.Funnels), q.Goal), from, end, func(day time.Time, visits []byte) error {
		start := day.Unix()
		if err := c.decodeDay(start, visits); err != nil {
			return fmt.Errorf("goal %q: kept conversions of %s: %w", g.Name, day.Format(time.DateOnly), err)
		}
		kept[start] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The days not kept (today, days with late records) from the scans.
	var gap time.Time
	for day := from; day.Before(end); day = nextDay(day, q.Zone) {
		if !kept[day.Unix()] {
			if gap.IsZero() {
				gap = day
			}
			continue
		}
		if !gap.IsZero() {
			if err := c.scan(ctx, sc, q, g, gap, day); err != nil {
				return nil, err
			}
			gap = time.Time{}
		}
	}
	if !gap.IsZero() {
		if err := c.scan(ctx, sc, q, g, gap, end); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// scan adds the visit-days in [from, end) that convert to g, from sc's
// scans.
func (c *Conversions) scan(ctx context.Context, sc analytics.EventScanner, q analytics.Query, g goalMatcher, from, end time.Time) error {
	add := func(t time.Time, visit uint64) {
		day := analytics.Midnight(t, q.Zone).Unix()
		if c.days[day] == nil {
			c.days[day] = map[uint64]bool{}
		}
		c.days[day][visit] = true
	}
	if g.Page == "" {
		err := sc.ScanEvents(ctx, q.Site, from, end, func(e analytics.Event) error {
			if g.match(eventItem{name: e.Name, props: e.Props}) {
				add(e.Time, e.Visit)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("goal %q: %w", g.Name, err)
		}
		return nil
	}
	p, err := analytics.ParsePathPattern(g.Page)
	if err != nil {
		return fmt.Errorf("goal %q: %w", g.Name, err)
	}
	var viewF []analytics.Filter
	for _, f := range q.Filters {
		if !f.Dim.VisitLevel() {
			viewF = append(viewF, f)
		}
	}
	err = sc.ScanPages(ctx, q.Site, from, end, p.Match, func(v analytics.PageView) error {
		for _, f := range viewF {
			if pageViewValue(&v, f.Dim) != f.Value {
				return nil
			}
		}
		add(v.Time, v.Visit)
		return nil
	})
	if err != nil {
		return fmt.Errorf("goal %q: %w", g.Name, err)
	}
	return nil
}

// GoalKey names what an engine keeps for a goal filter (EventDayGoals) on goal,
// one of the set of goals and funnels named key (EventKey): a changed
// goal, or any change to the set, is another key.
func GoalKey(key, goal string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + goal))
	return hex.EncodeToString(sum[:12])
}

// EventDayGoals counts, in one scan, what an engine keeps of site's
// finished day that begins at day (midnight in zone) for goals and
// funnels: EventDay's parts, and per goal (in order) what a report
// filtered by that goal alone (Query.Goal) needs, kept under GoalKey: the
// event parts of the visit-days converting to it (for Events) and those
// visits' ids (for Converted, analytics.ConversionDayKeeper).
func EventDayGoals(ctx context.Context, sc analytics.EventScanner, site string, zone *time.Location, goals []analytics.Goal, funnels []analytics.Funnel, day time.Time) (parts []byte, goalParts, goalVisits [][]byte, err error) {
	m, err := newEventMatchers(goals, funnels)
	if err != nil {
		return nil, nil, nil, err
	}
	total := m.newParts()
	perGoal := make([]*eventParts, len(goals))
	converted := make([]map[uint64]bool, len(goals))
	for i := range goals {
		perGoal[i], converted[i] = m.newParts(), map[uint64]bool{}
	}
	m.perGoal = func(_ time.Time, i int, p *eventParts, visits []uint64) {
		perGoal[i].add(p)
		for _, v := range visits {
			converted[i][v] = true
		}
	}
	q := analytics.Query{Site: site, Zone: zone, Goals: goals, Funnels: funnels}
	if err := m.scan(ctx, sc, q, day, nextDay(day, zone), func(_ time.Time, p *eventParts) { total.add(p) }); err != nil {
		return nil, nil, nil, err
	}
	for i := range goals {
		goalParts = append(goalParts, perGoal[i].encode())
		goalVisits = append(goalVisits, appendVisitSet(nil, converted[i]))
	}
	return total.encode(), goalParts, goalVisits, nil
}

// GoalCounts counts the page views of d, a packed day with its visit ids
// (DayDecoder.DecodeVisits), as a report filtered by one goal alone counts
// them, given the visits that converted to it (visits, EventDayGoals'
// encoding): the totals a previous period reads, kept beside the goal's
// parts (AppendCounts).
func GoalCounts(d *Day, zone *time.Location, visits []byte) (Counts, error) {
	c := &Conversions{days: map[int64]map[uint64]bool{}}
	if err := c.decodeDay(d.Start, visits); err != nil {
		return Counts{}, err
	}
	p := NewPeriod(analytics.Query{Zone: zone, Goal: "kept"}, false)
	p.Conversions = c
	p.AddDay(d, 0)
	return p.Totals, nil
}

// AppendCounts appends c to b as uvarints (no count is negative).
func AppendCounts(b []byte, c Counts) []byte {
	for _, v := range []int64{c.Visitors, c.Visits, c.PageViews, c.Bounces, c.VisitMs, c.TimedViews, c.TimeMs, c.Bots, c.TimedVisitors} {
		b = binary.AppendUvarint(b, uint64(max(v, 0)))
	}
	return b
}

// DecodeCounts decodes AppendCounts' encoding.
func DecodeCounts(b []byte) (Counts, error) {
	var c Counts
	r := reader{b: b}
	for _, v := range []*int64{&c.Visitors, &c.Visits, &c.PageViews, &c.Bounces, &c.VisitMs, &c.TimedViews, &c.TimeMs, &c.Bots, &c.TimedVisitors} {
		*v = int64(r.uint(1 << 62))
	}
	if r.err || len(r.b) != 0 {
		return Counts{}, errBadDay
	}
	return c, nil
}

// appendVisitSet appends a set of visit ids to b: a uvarint count, then
// the ids in ascending order as uvarint differences.
func appendVisitSet(b []byte, set map[uint64]bool) []byte {
	ids := slices.Sorted(maps.Keys(set))
	b = binary.AppendUvarint(b, uint64(len(ids)))
	prev := uint64(0)
	for _, v := range ids {
		b = binary.AppendUvarint(b, v-prev)
		prev = v
	}
	return b
}

// decodeDay sets the converted visits of the day that starts at start
// from b (appendVisitSet).
func (c *Conversions) decodeDay(start int64, b []byte) error {
	r := reader{b: b}
	n := r.count()
	set := make(map[uint64]bool, n)
	prev := uint64(0)
	for range n {
		prev += r.uint(^uint64(0))
		set[prev] = true
	}
	if r.err || len(r.b) != 0 {
		return errBadDay
	}
	if n > 0 {
		c.days[start] = set
	}
	return nil
}

// NewPeriods returns the Periods of q (normalized) and of the period
// before it, the first with detail; with a goal filter, both know the
// visit-days that converted (Converted, from sc's scans).
func NewPeriods(ctx context.Context, sc analytics.EventScanner, q analytics.Query) (cur, prev *Period, err error) {
	cur, prev = NewPeriod(q, true), NewPeriod(q.Previous(), false)
	if q.Goal != "" {
		conv, err := Converted(ctx, sc, q, prev.Query.From, q.End())
		if err != nil {
			return nil, nil, err
		}
		cur.Conversions, prev.Conversions = conv, conv
	}
	return cur, prev, nil
}

// Each calls fn with every converted visit of the days that begin in
// [from, end), with its day's midnight; in no order.
func (c *Conversions) Each(from, end time.Time, fn func(day time.Time, visit uint64)) {
	if c == nil {
		return
	}
	for day, visits := range c.days {
		if day < from.Unix() || day >= end.Unix() {
			continue
		}
		t := time.Unix(day, 0)
		for v := range visits {
			fn(t, v)
		}
	}
}

// Day returns the visits that converted on the day that begins at day; nil
// for none (also of a nil Conversions).
func (c *Conversions) Day(day int64) map[uint64]bool {
	if c == nil {
		return nil
	}
	return c.days[day]
}

// RateVisitors returns the visitors conversion rates are of: those the
// other filters select, so that a goal filter does not make its own
// goal's rate 100 %. Without a goal filter they are r's; with one, count
// fills a Period of q without it (the current period only), which imported
// days, having no visits to convert, are not added to.
func RateVisitors(q analytics.Query, r *analytics.Report, count func(*Period) error) (int64, error) {
	if q.Goal == "" {
		return r.Totals.Visitors, nil
	}
	all := q
	all.Goal = ""
	p := NewPeriod(all, false)
	if err := count(p); err != nil {
		return 0, fmt.Errorf("visitors without the goal filter: %w", err)
	}
	return p.Totals.Visitors, nil
}
