package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Today is not rolled up (it is not over), and reading all of today's page
// views for every report would cost a busy site a few hundred milliseconds.
// So the store keeps today's page views of each reported site in memory and,
// at each report, folds in only the rows appended since the last one (found
// by rowid, like the rollups). The numbers are the same as aggregateDay's:
// the known-answer tests run with a clock in the middle of their data.

// liveDay is one site's day, aggregated incrementally.
type liveDay struct {
	start, end     int64 // [midnight, next midnight) in unix seconds
	pvMax, leafMax int64 // rowids folded in
	zone           *time.Location

	views  []liveView
	sorted []view            // views in time order, made when needed; nil after a change
	ids    map[string]int    // pageview_id → index in views
	strs   map[string]string // interned values
	visits map[uint64]*liveVisit

	total    counts // page-view parts only; visit parts are computed per snapshot
	hours    map[int64]*hourCounts
	dims     *dimMaps // page-view dimensions only
	seen     map[liveSeen]struct{}
	hourSeen map[[2]int64]struct{}
}

type liveView struct {
	view
	rowid int64
}

type liveVisit struct {
	first, last int // indexes into views: the earliest and latest by (ts, rowid)
	n           int
}

type liveSeen struct {
	dim     int // index in viewDims, or -1 for the day's visitors
	value   string
	visitor uint64
}

type liveKey struct {
	site, zone string
	start      int64
}

// liveDayStats calls fn with the numbers of the site's day [start, end),
// brought up to date, while holding the live lock (fn must not keep them).
func (s *Store) liveDayStats(ctx context.Context, site string, start time.Time, zone *time.Location, fn func(*dayStats)) error {
	return s.withLiveDay(ctx, site, start, zone, func(d *liveDay) { fn(d.snapshot()) })
}

// liveDayViews calls fn with the day's page views in time order, for
// filtered reports, while holding the live lock (fn must not keep them).
func (s *Store) liveDayViews(ctx context.Context, site string, start time.Time, zone *time.Location, fn func([]view)) error {
	return s.withLiveDay(ctx, site, start, zone, func(d *liveDay) {
		if d.sorted == nil {
			order := make([]int, len(d.views))
			for i := range order {
				order[i] = i
			}
			slices.SortFunc(order, func(a, b int) int {
				if d.before(a, b) {
					return -1
				}
				if d.before(b, a) {
					return 1
				}
				return 0
			})
			d.sorted = make([]view, len(order))
			for i, j := range order {
				d.sorted[i] = d.views[j].view
			}
		}
		fn(d.sorted)
	})
}

func (s *Store) withLiveDay(ctx context.Context, site string, start time.Time, zone *time.Location, fn func(*liveDay)) error {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	key := liveKey{site, zone.String(), start.Unix()}
	// Only today is kept: drop older days.
	for k := range s.live {
		if k.start < key.start {
			delete(s.live, k)
		}
	}
	var maxPV, maxLeaves int64
	if err := s.db.QueryRowContext(ctx, `
		SELECT (SELECT IFNULL(MAX(rowid), 0) FROM pageviews), (SELECT IFNULL(MAX(rowid), 0) FROM leaves)`).
		Scan(&maxPV, &maxLeaves); err != nil {
		return fmt.Errorf("today: %w", err)
	}
	d := s.live[key]
	if d != nil && (maxPV < d.pvMax || maxLeaves < d.leafMax) {
		d = nil // rows were deleted from the end: start over
	}
	if d == nil {
		d = &liveDay{
			start: start.Unix(), end: start.AddDate(0, 0, 1).Unix(), zone: zone,
			ids: map[string]int{}, strs: map[string]string{}, visits: map[uint64]*liveVisit{},
			hours: map[int64]*hourCounts{}, dims: newDimMaps(),
			seen: map[liveSeen]struct{}{}, hourSeen: map[[2]int64]struct{}{},
		}
		// The first read uses the (site, ts) index; later ones only the
		// rows past the last rowid seen.
		if err := d.readViews(ctx, s.db, `p.site = ? AND p.ts >= ? AND p.ts < ? AND p.rowid <= ?`,
			site, d.start, d.end, maxPV); err != nil {
			return err
		}
		d.pvMax, d.leafMax = maxPV, maxLeaves
		s.live[key] = d
	}
	if maxPV > d.pvMax {
		if err := d.readViews(ctx, s.db, `p.rowid > ? AND p.rowid <= ? AND p.site = ? AND p.ts >= ? AND p.ts < ?`,
			d.pvMax, maxPV, site, d.start, d.end); err != nil {
			return err
		}
		d.pvMax = maxPV
	}
	if maxLeaves > d.leafMax {
		if err := d.readLeaves(ctx, s.db, site, maxLeaves); err != nil {
			return err
		}
		d.leafMax = maxLeaves
	}
	fn(d)
	return nil
}

const liveViewsQuery = `
	SELECT p.rowid, p.pageview_id, p.ts, p.visitor, p.visit, p.path, p.referrer_host,
		p.utm_source, p.utm_medium, p.utm_campaign,
		p.country, p.region, p.city, p.browser, p.os, p.device,
		(SELECT MAX(l.duration_ms) FROM leaves l
			WHERE l.site = p.site AND l.pageview_id = p.pageview_id
			AND l.ts >= p.ts AND l.ts <= p.ts + 86400) AS dur
	FROM pageviews p
	WHERE `

func (d *liveDay) readViews(ctx context.Context, db *sql.DB, where string, args ...any) error {
	rows, err := db.QueryContext(ctx, liveViewsQuery+where, args...)
	if err != nil {
		return fmt.Errorf("today: %w", err)
	}
	defer rows.Close()
	var (
		v        liveView
		id       string
		visitor  int64
		visit    int64
		dur      sql.NullInt64
		raw      [nViewDims]sql.RawBytes
		scanArgs = []any{&v.rowid, &id, &v.ts, &visitor, &visit}
	)
	for i := range raw {
		scanArgs = append(scanArgs, &raw[i])
	}
	scanArgs = append(scanArgs, &dur)
	for rows.Next() {
		if err := rows.Scan(scanArgs...); err != nil {
			return fmt.Errorf("today: %w", err)
		}
		v.visitor, v.visit, v.dur = uint64(visitor), uint64(visit), -1
		if dur.Valid {
			v.dur = dur.Int64
		}
		for i := range raw {
			v.dims[i] = d.intern(raw[i])
		}
		if v.dims[dRegion] != "" {
			v.dims[dRegion] = v.dims[dCountry] + "-" + v.dims[dRegion]
		}
		d.add(v, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("today: %w", err)
	}
	return nil
}

// intern returns a string for b, shared with equal values already held: a
// day has few distinct values and many page views.
func (d *liveDay) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strs[s] = s
	return s
}

func (d *liveDay) add(v liveView, id string) {
	d.sorted = nil
	i := len(d.views)
	d.views = append(d.views, v)
	d.ids[id] = i
	if vis := d.visits[v.visit]; vis == nil {
		d.visits[v.visit] = &liveVisit{first: i, last: i, n: 1}
	} else {
		vis.n++
		if d.before(i, vis.first) {
			vis.first = i
		}
		if d.before(vis.last, i) {
			vis.last = i
		}
	}
	d.total.PageViews++
	if v.dur >= 0 {
		d.total.TimedViews++
		d.total.TimeMs += v.dur
	}
	if d.firstSeen(-1, "", v.visitor) {
		d.total.Visitors++
	}
	hourStart := hourOf(v.ts, d.zone)
	h := d.hours[hourStart]
	if h == nil {
		h = &hourCounts{start: hourStart}
		d.hours[hourStart] = h
	}
	h.pageviews++
	if _, ok := d.hourSeen[[2]int64{hourStart, int64(v.visitor)}]; !ok {
		d.hourSeen[[2]int64{hourStart, int64(v.visitor)}] = struct{}{}
		h.visitors++
	}
	d.dims.countView(&v.view, func(di int, value string, _ *dimCounts) bool { return d.firstSeen(di, value, v.visitor) })
}

// before orders page views as the raw query does: by time, then rowid.
func (d *liveDay) before(i, j int) bool {
	a, b := &d.views[i], &d.views[j]
	return a.ts < b.ts || (a.ts == b.ts && a.rowid < b.rowid)
}

func (d *liveDay) firstSeen(dim int, value string, visitor uint64) bool {
	k := liveSeen{dim, value, visitor}
	if _, ok := d.seen[k]; ok {
		return false
	}
	d.seen[k] = struct{}{}
	return true
}

// readLeaves folds in new leaves: a longer visible time replaces the old
// one in every sum the page view is in.
func (d *liveDay) readLeaves(ctx context.Context, db *sql.DB, site string, maxLeaves int64) error {
	rows, err := db.QueryContext(ctx, `
		SELECT pageview_id, ts, duration_ms FROM leaves WHERE rowid > ? AND rowid <= ? AND site = ?`,
		d.leafMax, maxLeaves, site)
	if err != nil {
		return fmt.Errorf("today: %w", err)
	}
	defer rows.Close()
	var (
		id     sql.RawBytes
		ts, ms int64
	)
	for rows.Next() {
		if err := rows.Scan(&id, &ts, &ms); err != nil {
			return fmt.Errorf("today: %w", err)
		}
		i, ok := d.ids[string(id)]
		if !ok {
			continue
		}
		v := &d.views[i]
		if ts < v.ts || ts > v.ts+86400 || ms <= v.dur {
			continue
		}
		old := v.dur
		v.dur = ms
		d.sorted = nil
		d.retime(&d.total.TimedViews, &d.total.TimeMs, old, ms)
		for di := range viewDims {
			value := v.dims[di]
			if value == "" && (di == dUTMSource || di == dUTMMedium || di == dUTMCampaign) {
				continue
			}
			c := d.dims.row(viewToAll[di], value)
			d.retime(&c.TimedViews, &c.TimeMs, old, ms)
		}
	}
	return rows.Err()
}

func (d *liveDay) retime(timed, sum *int64, old, now int64) {
	if old < 0 {
		*timed++
		*sum += now
		return
	}
	*sum += now - old
}

// snapshot returns the day's numbers: the page-view parts as kept, the
// visit parts computed now, as a visit's first and last page may change
// with every new page view. The maps are shared: read them, don't keep them.
func (d *liveDay) snapshot() *dayStats {
	ds := &dayStats{start: time.Unix(d.start, 0).In(d.zone), total: d.total, dims: &dimMaps{}}
	copy(ds.dims[:], d.dims[:])
	ds.dims[dimEntry] = map[string]*dimCounts{}
	ds.dims[dimExit] = map[string]*dimCounts{}
	// The entry and exit rows are new here, so a row stands for its
	// (dimension, value).
	type seen struct {
		row     *dimCounts
		visitor uint64
	}
	visitors := map[seen]struct{}{}
	firstSeen := func(row *dimCounts, visitor uint64) bool {
		k := seen{row, visitor}
		if _, ok := visitors[k]; ok {
			return false
		}
		visitors[k] = struct{}{}
		return true
	}
	for _, vis := range d.visits {
		ds.countVisit(&d.views[vis.first].view, &d.views[vis.last].view, vis.n, firstSeen)
	}
	for _, h := range d.hours {
		ds.hours = append(ds.hours, *h)
	}
	return ds
}

// forgetLive drops the in-memory days of site, so the next report reads
// them again from the raw rows: after rows were deleted anywhere (not only
// from the end, which liveDay notices itself).
func (s *Store) forgetLive(site string) {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	for k := range s.live {
		if k.site == site {
			delete(s.live, k)
		}
	}
}
