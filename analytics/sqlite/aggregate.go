package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// How the numbers are defined (the same for rollups, live days and filtered
// reports, and checked against an independent model in analytics/storetest):
//
//   - A day is a calendar day in the report's zone. Every number is a sum of
//     per-day numbers, which is what makes daily rollups exact.
//   - Visitors: distinct visitor ids among the day's page views, summed over
//     the days. Ids rotate at midnight UTC (02:00 or 03:00 in Helsinki), so
//     one person seen both before and after that in one Helsinki day counts
//     as two visitors that day. Rollups and raw queries count the same ids,
//     so they agree; the count is exact for "ids per day", just not for
//     "people".
//   - A visit that goes on past midnight in the report's zone counts on both
//     days, with that day's page views (as Google Analytics did). Each part
//     has its own entry and exit page, bounce and duration.
//   - Visible time of a page view: the largest duration_ms of its leaves
//     that arrived within 24 hours of the page view. Rollups of a day can so
//     be settled once its page views are a day old (see rollup.go).
//   - Visit duration: from the visit's first page view to the end of the
//     visible time of its last one: last.ts - first.ts + visible(last).
//     A visit of one page view without a leave lasts 0 s.
//   - Bounce: a visit (on that day) with exactly one page view.
//   - Filters select page views: one on a page-view dimension keeps the page
//     views with that value; entry_page or exit_page keeps every page view of
//     the visits that entered or left there. Visits, bounces and durations
//     are of the visits that have a selected page view, over all of their
//     page views that day; visitors, page views, time on page and the
//     breakdowns are of the selected page views. Bots are not filtered.
//   - Breakdowns: region is "FI-18" (country and subdivision), "" when
//     unknown; empty values are rows too ("" referrer is direct traffic),
//     except for the utm_* breakdowns, which list only tagged page views.

// viewDims are the dimensions that are a column of a page view, in the
// order of view.dims.
var viewDims = [...]analytics.Dimension{
	analytics.DimPage, analytics.DimReferrer,
	analytics.DimUTMSource, analytics.DimUTMMedium, analytics.DimUTMCampaign,
	analytics.DimCountry, analytics.DimRegion, analytics.DimCity,
	analytics.DimBrowser, analytics.DimOS, analytics.DimDevice,
}

const (
	dPage = iota
	dReferrer
	dUTMSource
	dUTMMedium
	dUTMCampaign
	dCountry
	dRegion
	dCity
	dBrowser
	dOS
	dDevice
	nViewDims
)

// view is one page view as the aggregation reads it.
type view struct {
	ts      int64
	visitor uint64
	visit   uint64
	dur     int64 // visible time in ms; -1 without a leave
	dims    [nViewDims]string
}

// counts are the totals of a day, or of a sum of days.
type counts struct {
	Visitors, Visits, PageViews, Bounces, VisitMs, TimedViews, TimeMs, Bots int64
}

func (c *counts) add(o counts) {
	c.Visitors += o.Visitors
	c.Visits += o.Visits
	c.PageViews += o.PageViews
	c.Bounces += o.Bounces
	c.VisitMs += o.VisitMs
	c.TimedViews += o.TimedViews
	c.TimeMs += o.TimeMs
	c.Bots += o.Bots
}

// dimCounts are one breakdown row's numbers.
type dimCounts struct {
	Visitors, Visits, PageViews, TimedViews, TimeMs int64
}

func (c *dimCounts) add(o dimCounts) {
	c.Visitors += o.Visitors
	c.Visits += o.Visits
	c.PageViews += o.PageViews
	c.TimedViews += o.TimedViews
	c.TimeMs += o.TimeMs
}

// Indexes in analytics.Dimensions (and dimMaps).
var (
	dimEntry  = slices.Index(analytics.Dimensions, analytics.DimEntryPage)
	dimExit   = slices.Index(analytics.Dimensions, analytics.DimExitPage)
	viewToAll = func() (m [nViewDims]int) {
		for i, d := range viewDims {
			m[i] = slices.Index(analytics.Dimensions, d)
		}
		return m
	}()
)

type hourCounts struct {
	start               int64 // unix seconds
	visitors, pageviews int64
}

// dayStats is everything a report needs from one day: what a rollup stores.
type dayStats struct {
	start time.Time // midnight in the zone
	total counts
	hours []hourCounts
	dims  *dimMaps
}

// viewsQuery reads one site's page views in [from, to) in time order, each
// with its visible time. The leave lookup uses the covering index
// leaves_site_pageview, so it never reads the leaves table itself.
const viewsQuery = `
	SELECT p.ts, p.visitor, p.visit, p.path, p.referrer_host,
		p.utm_source, p.utm_medium, p.utm_campaign,
		p.country, p.region, p.city, p.browser, p.os, p.device,
		(SELECT MAX(l.duration_ms) FROM leaves l
			WHERE l.site = p.site AND l.pageview_id = p.pageview_id
			AND l.ts >= p.ts AND l.ts <= p.ts + 86400) AS dur
	FROM pageviews p
	WHERE p.site = ? AND p.ts >= ? AND p.ts < ?
	ORDER BY p.ts, p.rowid`

// scanDays aggregates the site's page views of the days from (midnight in
// zone) up to end, one day at a time, calling fn for every day (also days
// without page views). Bots are left to the caller.
func (s *Store) scanDays(ctx context.Context, site string, from, end time.Time, zone *time.Location,
	filters []analytics.Filter, fn func(d *dayStats, views []view) error) error {
	rows, err := s.db.QueryContext(ctx, viewsQuery, site, from.Unix(), end.Unix())
	if err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	defer rows.Close()

	var (
		sc       = newScratch()
		day      = from
		next     = day.AddDate(0, 0, 1)
		buf      []view
		intern   [nViewDims]map[string]string
		raw      [nViewDims]sql.RawBytes
		dur      sql.NullInt64
		visitor  int64
		visit    int64
		ts       int64
		scanArgs = []any{&ts, &visitor, &visit}
	)
	for i := range raw {
		scanArgs = append(scanArgs, &raw[i])
		intern[i] = map[string]string{}
	}
	scanArgs = append(scanArgs, &dur)
	// The order of raw follows the SELECT: path, referrer, utm×3, country,
	// region, city, browser, os, device, which is the order of viewDims.
	flush := func() error {
		d := aggregateDay(day, buf, filters, zone, sc)
		err := fn(d, buf)
		buf = buf[:0]
		return err
	}
	for rows.Next() {
		if err := rows.Scan(scanArgs...); err != nil {
			return fmt.Errorf("read page views: %w", err)
		}
		for ts >= next.Unix() {
			if err := flush(); err != nil {
				return err
			}
			day, next = next, next.AddDate(0, 0, 1)
		}
		v := view{ts: ts, visitor: uint64(visitor), visit: uint64(visit), dur: -1}
		if dur.Valid {
			v.dur = dur.Int64
		}
		for i := range raw {
			// Interning: a day has few distinct values, and a map lookup
			// with string(bytes) does not allocate.
			str, ok := intern[i][string(raw[i])]
			if !ok {
				str = string(raw[i])
				intern[i][str] = str
			}
			v.dims[i] = str
		}
		if v.dims[dRegion] != "" {
			v.dims[dRegion] = v.dims[dCountry] + "-" + v.dims[dRegion]
		}
		buf = append(buf, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	for day.Before(end) {
		if err := flush(); err != nil {
			return err
		}
		day = day.AddDate(0, 0, 1)
	}
	return nil
}

// visitDay is one visit's page views on one day.
type visitDay struct {
	first, last int // indexes into the day's views
	n           int
	selected    bool
}

// scratch is aggregateDay's working memory, reused from day to day so that
// a month's report does not leave a month of garbage behind.
type scratch struct {
	visits      map[uint64]int32 // visit id → index in order
	order       []visitDay
	selected    []bool
	seen        map[seenKey]struct{}
	dayVisitors map[uint64]struct{}
	hourSeen    map[[2]int64]struct{}
}

// seenKey is a visitor counted in a breakdown row: the row's counts pointer
// stands for its (dimension, value), so the key hashes 16 bytes, not a
// string.
type seenKey struct {
	row     *dimCounts
	visitor uint64
}

func newScratch() *scratch {
	return &scratch{
		visits: map[uint64]int32{}, seen: map[seenKey]struct{}{},
		dayVisitors: map[uint64]struct{}{}, hourSeen: map[[2]int64]struct{}{},
	}
}

// aggregateDay computes the numbers of one day's page views, in time order.
// sc may be nil.
func aggregateDay(day time.Time, views []view, filters []analytics.Filter, zone *time.Location, sc *scratch) *dayStats {
	d := &dayStats{start: day, dims: newDimMaps()}
	if len(views) == 0 {
		return d
	}
	if sc == nil {
		sc = newScratch()
	}
	clear(sc.visits)
	clear(sc.seen)
	clear(sc.dayVisitors)
	clear(sc.hourSeen)
	sc.order = sc.order[:0]
	for i := range views {
		j, ok := sc.visits[views[i].visit]
		if !ok {
			j = int32(len(sc.order))
			sc.visits[views[i].visit] = j
			sc.order = append(sc.order, visitDay{first: i})
		}
		sc.order[j].last = i
		sc.order[j].n++
	}
	visitOf := func(i int) *visitDay { return &sc.order[sc.visits[views[i].visit]] }

	// Which page views the filters keep.
	var viewFilters, visitFilters []analytics.Filter
	for _, f := range filters {
		if f.Dim.VisitLevel() {
			visitFilters = append(visitFilters, f)
		} else {
			viewFilters = append(viewFilters, f)
		}
	}
	selected := slices.Grow(sc.selected[:0], len(views))[:len(views)]
	sc.selected = selected
	for i := range views {
		selected[i] = false
		if !matchView(&views[i], viewFilters) {
			continue
		}
		v := visitOf(i)
		if matchVisit(views, v, visitFilters) {
			selected[i] = true
			v.selected = true
		}
	}

	seen, dayVisitors, hourSeen := sc.seen, sc.dayVisitors, sc.hourSeen
	firstSeen := func(row *dimCounts, visitor uint64) bool {
		k := seenKey{row, visitor}
		if _, ok := seen[k]; ok {
			return false
		}
		seen[k] = struct{}{}
		return true
	}

	// Visits with a selected page view, over all their page views today.
	for j := range sc.order {
		v := &sc.order[j]
		if !v.selected {
			continue
		}
		d.countVisit(&views[v.first], &views[v.last], v.n, firstSeen)
	}

	var (
		hourStart, hourEnd int64 = 0, -1
		hour               *hourCounts
	)
	for i := range views {
		if !selected[i] {
			continue
		}
		v := &views[i]
		d.total.PageViews++
		if v.dur >= 0 {
			d.total.TimedViews++
			d.total.TimeMs += v.dur
		}
		if _, ok := dayVisitors[v.visitor]; !ok {
			dayVisitors[v.visitor] = struct{}{}
			d.total.Visitors++
		}
		if v.ts >= hourEnd || v.ts < hourStart {
			hourStart = hourOf(v.ts, zone)
			hourEnd = hourStart + 3600
			d.hours = append(d.hours, hourCounts{start: hourStart})
			hour = &d.hours[len(d.hours)-1]
		}
		hour.pageviews++
		hk := [2]int64{hourStart, int64(v.visitor)}
		if _, ok := hourSeen[hk]; !ok {
			hourSeen[hk] = struct{}{}
			hour.visitors++
		}
		d.dims.countView(v, func(_ int, _ string, c *dimCounts) bool { return firstSeen(c, v.visitor) })
	}
	return d
}

// countVisit adds one visit of n page views, from first to last, to the
// day's visit totals and its entry and exit pages. firstSeen says whether
// the visitor is new to a row. A visit lasts from its first page view to
// the end of its last one's visible time.
func (d *dayStats) countVisit(first, last *view, n int, firstSeen func(row *dimCounts, visitor uint64) bool) {
	d.total.Visits++
	if n == 1 {
		d.total.Bounces++
	}
	d.total.VisitMs += (last.ts - first.ts) * 1000
	if last.dur > 0 {
		d.total.VisitMs += last.dur
	}
	for _, e := range []struct {
		dim int
		v   *view
	}{{dimEntry, first}, {dimExit, last}} {
		c := d.dims.row(e.dim, e.v.dims[dPage])
		c.Visits++
		if firstSeen(c, e.v.visitor) {
			c.Visitors++
		}
	}
}

// hourOf is the start of the hour in zone that holds ts (unix seconds):
// right for zones with offsets of whole hours, half hours and the repeated
// hour after DST.
func hourOf(ts int64, zone *time.Location) int64 {
	_, off := time.Unix(ts, 0).In(zone).Zone()
	return ts - mod(ts+int64(off), 3600)
}

// countView adds page view v to its row in every page-view breakdown.
// firstSeen says whether v's visitor is new to that row. Untagged page
// views have no UTM rows.
func (m *dimMaps) countView(v *view, firstSeen func(di int, value string, c *dimCounts) bool) {
	for di := range viewDims {
		value := v.dims[di]
		if value == "" && (di == dUTMSource || di == dUTMMedium || di == dUTMCampaign) {
			continue
		}
		c := m.row(viewToAll[di], value)
		c.PageViews++
		if v.dur >= 0 {
			c.TimedViews++
			c.TimeMs += v.dur
		}
		if firstSeen(di, value, c) {
			c.Visitors++
		}
	}
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func matchView(v *view, filters []analytics.Filter) bool {
	for _, f := range filters {
		if v.dims[dimIndex(f.Dim)] != f.Value {
			return false
		}
	}
	return true
}

func matchVisit(views []view, v *visitDay, filters []analytics.Filter) bool {
	for _, f := range filters {
		i := v.first
		if f.Dim == analytics.DimExitPage {
			i = v.last
		}
		if views[i].dims[dPage] != f.Value {
			return false
		}
	}
	return true
}

func dimIndex(d analytics.Dimension) int {
	for i, vd := range viewDims {
		if vd == d {
			return i
		}
	}
	panic("sqlite: not a page-view dimension: " + string(d)) // Normalize rejects unknown dimensions
}
