package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// Reading raw rows for aggregation. What the numbers mean is defined once,
// in analytics/aggregate; this file only turns rows into aggregate.Views.

// viewColumns are a page view's columns as aggregate.View reads them, with
// its visible time and scroll depth: the largest of its leaves within 24
// hours (or settled into the row, settle.go). The leave lookup uses
// the covering index leaves_site_pageview, so it never reads the leaves
// table itself. The values come in the order of aggregate's fields.
// They are read FROM joins (dictionary.go).
const viewColumns = `
	p.rowid, p.ts, p.visitor, p.visit, paths.path, referrers.referrer_host,
	campaigns.utm_source, campaigns.utm_medium, campaigns.utm_campaign,
	places.country, places.region, places.city, agents.browser, agents.os, agents.device,
	MAX(IFNULL(p.duration_ms, -1), IFNULL((SELECT MAX(l.duration_ms) FROM leaves l
		WHERE l.site = sites.site AND l.pageview_id = p.pageview_id
		AND l.ts >= p.ts AND l.ts <= p.ts + 86400), -1)) AS dur,
	MAX(p.scroll_pct, IFNULL((SELECT MAX(l.scroll_pct) FROM leaves l
		WHERE l.site = sites.site AND l.pageview_id = p.pageview_id
		AND l.ts >= p.ts AND l.ts <= p.ts + 86400), 0)) AS scroll`

// viewScanner reads rows of viewColumns (plus any leading extra columns)
// into aggregate.Views, their values coded in its table.
type viewScanner struct {
	values  *aggregate.Values
	region  []byte // "FI-18", built for the lookup
	raw     [aggregate.NumFields]sql.RawBytes
	dur     sql.NullInt64
	scroll  int64
	visitor int64
	visit   int64
	v       aggregate.View
	args    []any
}

func newViewScanner(extra ...any) *viewScanner {
	sc := &viewScanner{values: aggregate.NewValues()}
	sc.args = append(extra, &sc.v.Seq, &sc.v.TS, &sc.visitor, &sc.visit)
	for i := range sc.raw {
		sc.args = append(sc.args, &sc.raw[i])
	}
	sc.args = append(sc.args, &sc.dur, &sc.scroll)
	return sc
}

// scan reads the current row.
func (sc *viewScanner) scan(rows *sql.Rows) (aggregate.View, error) {
	if err := rows.Scan(sc.args...); err != nil {
		return aggregate.View{}, err
	}
	v := sc.v
	v.Visitor, v.Visit, v.Dur = uint64(sc.visitor), uint64(sc.visit), -1
	if sc.dur.Valid && sc.dur.Int64 >= 0 {
		v.Dur = sc.dur.Int64
	}
	v.Scroll = uint8(min(max(sc.scroll, 0), analytics.MaxScroll))
	for i := range sc.raw {
		v.Values[i] = sc.values.Code(i, sc.raw[i])
	}
	// A region is kept with its country. (Not in sc.raw: Scan may reuse a
	// RawBytes' memory.)
	if len(sc.raw[aggregate.Region]) > 0 {
		sc.region = append(append(append(sc.region[:0], sc.raw[aggregate.Country]...), '-'), sc.raw[aggregate.Region]...)
		v.Values[aggregate.Region] = sc.values.Code(aggregate.Region, sc.region)
	}
	return v, nil
}

// scanDays reads with db the site's page views of the days from (midnight in zone)
// up to end and calls fn with each day's Day (also for days without page
// views), built with the day before as the look-back for visit sources.
// With visits, only the page views of those visits are read (a goal
// filter's: SQLite checks the id before it joins a row or looks up its
// leaves).
func (s *Store) scanDays(ctx context.Context, db *sql.DB, site string, from, end time.Time, zone *time.Location, visits []uint64,
	fn func(d *aggregate.Day) error) error {
	lookFrom := from.AddDate(0, 0, -1)
	only, args := "", []any{site, lookFrom.Unix(), end.Unix()}
	if visits != nil {
		ids := make([]int64, len(visits))
		for i, v := range visits {
			ids[i] = int64(v) // as stored
		}
		b, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		only, args = ` AND p.visit IN (SELECT value FROM json_each(?))`, append(args, string(b))
	}
	rows, err := db.QueryContext(ctx, `SELECT `+viewColumns+`
		FROM pageviews p`+joins+` WHERE `+siteIs("p.site_id", "?")+` AND p.ts >= ? AND p.ts < ?`+only+` ORDER BY p.ts, p.rowid`,
		args...)
	if err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	defer rows.Close()
	// One day's page views are held at a time, in columns that become its
	// Day; of the day before, only its visits' sources (before). A flooded
	// day's are the most this holds.
	var (
		sc          = newViewScanner()
		b           = aggregate.NewBuilder()
		day, next   = lookFrom, from
		views       aggregate.Views
		before      aggregate.Entries
		after       aggregate.Entries
		lookingBack = true
	)
	prior := func(visit uint64) (aggregate.Source, bool) { return before.Source(visit, sc.values) }
	flush := func() error {
		if lookingBack {
			// The day before: only its visits' sources.
			lookingBack = false
			before.Take(&views)
		} else {
			d := b.Take(day.Unix(), &views, sc.values, prior, &after)
			before, after = after, before
			if err := fn(d); err != nil {
				return err
			}
		}
		day, next = next, next.AddDate(0, 0, 1)
		return nil
	}
	for rows.Next() {
		v, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("read page views: %w", err)
		}
		for v.TS >= next.Unix() {
			if err := flush(); err != nil {
				return err
			}
		}
		views.Append(&v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	for day.Before(end) {
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}
