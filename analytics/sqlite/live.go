package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// Today is not rolled up (it is not over), and reading all of today's page
// views for every report would cost a busy site a few hundred milliseconds.
// So the store keeps today's page views of each reported site in memory and,
// at each report, reads only the rows appended since the last one (found by
// rowid). The Day is rebuilt only when something changed.

// liveDay is one site's today.
type liveDay struct {
	start, end     int64 // [midnight, next midnight) in unix seconds
	zone           *time.Location
	pvMax, leafMax int64 // rowids read
	views          []aggregate.View
	// ids finds a page view by its pageview_id for its leaves: a 64-bit
	// keyed hash of the id (a map of the id strings took 60 bytes a page
	// view); two of a day's ids sharing a hash has a chance of about n²/2⁶⁵.
	ids     map[uint64]int32
	seed    maphash.Seed
	prior   map[uint64]priorVisit // visits that began yesterday
	scan    *viewScanner
	id      sql.RawBytes
	day     *aggregate.Day // nil after a change
	builder *aggregate.Builder
}

// priorVisit is what today keeps of a visit that began yesterday: the
// time, storage order and source of its first page view seen (32 bytes,
// where the page view and its source's strings took about 150: the day
// after a flood has as many of them as the flood had visits).
type priorVisit struct {
	ts, seq int64
	src     aggregate.SourceCodes
}

type liveKey struct {
	site, zone string
	start      int64
}

// liveDay calls fn with the site's day that starts at start, brought up to
// date, while holding the live lock (fn must not keep it).
func (s *Store) liveDay(ctx context.Context, site string, start time.Time, fn func(*aggregate.Day)) error {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	key := liveKey{site, start.Location().String(), start.Unix()}
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
		d = &liveDay{zone: start.Location(), start: start.Unix(), end: start.AddDate(0, 0, 1).Unix(), ids: map[uint64]int32{}, seed: maphash.MakeSeed(), builder: aggregate.NewBuilder(),
			prior: map[uint64]priorVisit{}}
		d.scan = newViewScanner(&d.id)
		// Yesterday's page views too, for the sources of visits that go on
		// past midnight. The first read uses the (site, ts) index; later
		// ones only the rows past the last rowid seen.
		if err := d.read(ctx, s.db, `pageviews p`+joins+` WHERE `+siteIs("p.site_id", "?")+` AND p.ts >= ? AND p.ts < ? AND p.rowid <= ?`,
			site, d.start-86400*2, d.end, maxPV); err != nil {
			return err
		}
		d.pvMax, d.leafMax = maxPV, maxLeaves
		s.live[key] = d
	}
	if maxPV > d.pvMax {
		if err := d.read(ctx, s.db, `pageviews p NOT INDEXED`+joins+` WHERE p.rowid > ? AND p.rowid <= ? AND sites.site = ? AND p.ts >= ? AND p.ts < ?`,
			d.pvMax, maxPV, site, d.start-86400*2, d.end); err != nil {
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
	if d.day == nil {
		d.day = d.builder.Build(d.start, d.views, d.scan.values, func(visit uint64) (aggregate.Source, bool) {
			p, ok := d.prior[visit]
			return p.src.Source(d.scan.values), ok
		})
	}
	fn(d.day)
	return nil
}

// read adds the page views that from selects (a FROM clause on "pageviews
// p" and joins, with its WHERE): today's to the day, earlier ones
// (yesterday's, reading a little more than a day back for days of 25 hours)
// to the visit sources.
func (d *liveDay) read(ctx context.Context, db *sql.DB, from string, args ...any) error {
	rows, err := db.QueryContext(ctx, `SELECT p.pageview_id, `+viewColumns+` FROM `+from, args...)
	if err != nil {
		return fmt.Errorf("today: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := d.scan.scan(rows)
		if err != nil {
			return fmt.Errorf("today: %w", err)
		}
		switch {
		case v.TS >= d.start:
			d.add(v)
		case v.TS >= d.yesterday():
			if f, ok := d.prior[v.Visit]; !ok || v.TS < f.ts || (v.TS == f.ts && v.Seq < f.seq) {
				d.prior[v.Visit] = priorVisit{ts: v.TS, seq: v.Seq, src: aggregate.SourceCodesOf(&v)}
				d.day = nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("today: %w", err)
	}
	return nil
}

// yesterday is the start of the day before, in the zone of the day.
func (d *liveDay) yesterday() int64 {
	return time.Unix(d.start, 0).In(d.zone).AddDate(0, 0, -1).Unix()
}

func (d *liveDay) add(v aggregate.View) {
	d.day = nil
	d.ids[maphash.Bytes(d.seed, d.id)] = int32(len(d.views))
	d.views = append(d.views, v)
}

// readLeaves folds in new leaves: a longer visible time or a deeper scroll
// within 24 hours replaces the old one.
func (d *liveDay) readLeaves(ctx context.Context, db *sql.DB, site string, maxLeaves int64) error {
	rows, err := db.QueryContext(ctx, `
		SELECT pageview_id, ts, duration_ms, scroll_pct FROM leaves NOT INDEXED WHERE rowid > ? AND rowid <= ? AND site = ?`,
		d.leafMax, maxLeaves, site)
	if err != nil {
		return fmt.Errorf("today: %w", err)
	}
	defer rows.Close()
	var (
		id             sql.RawBytes
		ts, ms, scroll int64
	)
	for rows.Next() {
		if err := rows.Scan(&id, &ts, &ms, &scroll); err != nil {
			return fmt.Errorf("today: %w", err)
		}
		i, ok := d.ids[maphash.Bytes(d.seed, id)]
		if !ok {
			continue
		}
		v := &d.views[i]
		if ts < v.TS || ts > v.TS+86400 {
			continue
		}
		if ms > v.Dur {
			v.Dur = ms
			d.day = nil
		}
		if sc := uint8(min(max(scroll, 0), analytics.MaxScroll)); sc > v.Scroll {
			v.Scroll = sc
			d.day = nil
		}
	}
	return rows.Err()
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
