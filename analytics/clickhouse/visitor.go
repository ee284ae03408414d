package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.VisitorStore = (*Store)(nil)

// utcDay is the [start, end) of the UTC day that contains t, in unix seconds.
func utcDay(t time.Time) (int64, int64) {
	start := t.UTC().Truncate(24 * time.Hour)
	return start.Unix(), start.Add(24 * time.Hour).Unix()
}

// visibleMs is a page view's visible time as reports count it: the larger
// of its stored duration_ms and its largest leave within 24 hours, -1 for
// none. It reads leave_ms1 (the largest leave + 1, 0 for none) from a join
// with leavesOfSQL USING (h1, h2).
const visibleMs = `greatest(duration_ms, toInt64(leave_ms1) - 1)`

// pageviewKey is a page view id as two 64-bit hashes: joining on them
// needs a fraction of the memory of joining on the strings, and two
// different ids share both hashes with a chance of about 2^-128.
const pageviewKey = `cityHash64(pageview_id) AS h1, sipHash64(pageview_id) AS h2`

// leavesOfSQL is the largest leave + 1 of each page view of the site in
// [@from_key, @end_key) that arrived within 24 hours of it (leaves looked
// for in [@leaves_from, @leaves_to]), by pageviewKey. %[1]s is the leaves
// table, %[2]s the page views table. The page views, not the leaves, are
// the join's hash table: fewer rows. ALL, not ANY: current releases keep
// one row per key of both sides of an ANY INNER JOIN (18.16 every left
// row, any_join_distinct_right_table_keys = 0), which would drop all but
// one leave of a page view; a page view's id is unique, so ALL is one row
// per leave on both.
const leavesOfSQL = `(
	SELECT h1, h2, max(duration_ms) + 1 AS leave_ms1, max(scroll_pct) AS leave_scroll
	FROM (SELECT ` + pageviewKey + `, toUInt32(ts) AS lts, duration_ms, scroll_pct FROM %[1]s
	      WHERE site = @site AND ts >= toDateTime(@leaves_from) AND ts <= toDateTime(@leaves_to)) AS lv
	ALL INNER JOIN (SELECT ` + pageviewKey + `, intDiv(ts, 4294967296) AS psec FROM %[2]s
	      WHERE site = @site AND ts >= @from_key AND ts < @end_key) AS pv USING (h1, h2)
	WHERE lts >= psec AND lts <= psec + 86400
	GROUP BY h1, h2)`

// visitorPageViewsSQL is VisitorPageViews' query of a visitor's page
// views of a UTC day with their visible times and scroll depths.
func visitorPageViewsSQL(pageviews, leaves string) string {
	return `
		SELECT ts, site, visitor, visit, pageview_id, path, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
		       referrer_host, country, region, city, browser, browser_version, os, device, ` + visibleMs + ` AS dur,
		       greatest(scroll_pct, leave_scroll) AS scroll
		FROM (SELECT ` + pageviewColumns + `, scroll_pct, ` + pageviewKey + ` FROM ` + pageviews + `
		      WHERE site = @site AND visitor = @visitor AND ts >= @from_key AND ts < @end_key) AS vp
		ANY LEFT JOIN ` + fmt.Sprintf(leavesOfSQL, leaves, pageviews) + ` AS lo USING (h1, h2)
		ORDER BY ts`
}

// VisitorPageViews returns the site's page views of visitor on the UTC day
// of day, oldest first, with their visible durations.
func (s *Store) VisitorPageViews(ctx context.Context, site string, visitor uint64, day time.Time) ([]analytics.VisitorPageView, error) {
	from, to := utcDay(day)
	rows, err := s.conn.Query(ctx, visitorPageViewsSQL(s.pageviews, s.leaves),
		clickhouse.Named("site", site), clickhouse.Named("visitor", visitor),
		clickhouse.Named("from_key", secKey(from)), clickhouse.Named("end_key", secKey(to)),
		clickhouse.Named("leaves_from", from), clickhouse.Named("leaves_to", to+86400))
	if err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	defer rows.Close()
	var out []analytics.VisitorPageView
	for rows.Next() {
		var (
			v      analytics.VisitorPageView
			p      = &v.PageView
			ts     uint64
			dur    int64
			scroll uint8
		)
		if err := rows.Scan(&ts, &p.Site, &p.Visitor, &p.Visit, &p.ID, &p.Path,
			&p.UTMSource, &p.UTMMedium, &p.UTMCampaign, &p.UTMTerm, &p.UTMContent, &p.ReferrerHost,
			&p.Country, &p.Region, &p.City, &p.Browser, &p.BrowserVersion, &p.OS, &p.Device, &dur, &scroll); err != nil {
			return nil, fmt.Errorf("visitor page views: %w", err)
		}
		v.Scroll = int(scroll)
		p.Time = time.Unix(int64(ts>>32), 0).UTC()
		if dur >= 0 {
			v.Duration, v.Timed = time.Duration(dur)*time.Millisecond, true
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	byID := map[string]int{}
	ids := make([]string, len(out))
	for i := range out {
		byID[out[i].ID] = i
		ids[i] = out[i].ID
	}
	err = s.scanEvents(ctx, "SELECT "+eventColumns+" FROM "+s.events+" WHERE site = @site AND has(@ids, pageview_id) ORDER BY ts",
		func(e analytics.Event) error {
			if i, ok := byID[e.PageView]; ok {
				out[i].Events = append(out[i].Events, e)
			}
			return nil
		}, clickhouse.Named("site", site), clickhouse.Named("ids", ids))
	if err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	return out, nil
}

// DeleteVisitor deletes the site's page views of visitor on the UTC day of
// day and every leave record and event of them, and returns once the server has
// rewritten the data without them (mutations, waited for): the next read
// and report no longer see them.
//
// ClickHouse has no transactions: the events and leaves go first, so that an error
// half-way leaves page views whose erasure a retry finds again.
func (s *Store) DeleteVisitor(ctx context.Context, site string, visitor uint64, day time.Time) (analytics.Erased, error) {
	var n analytics.Erased
	from, to := utcDay(day)
	rows, err := s.conn.Query(ctx, "SELECT pageview_id FROM "+s.pageviews+" WHERE site = @site AND visitor = @visitor AND ts >= @from AND ts < @to",
		clickhouse.Named("site", site), clickhouse.Named("visitor", visitor),
		clickhouse.Named("from", secKey(from)), clickhouse.Named("to", secKey(to)))
	if err != nil {
		return n, fmt.Errorf("delete visitor: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return n, fmt.Errorf("delete visitor: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("delete visitor: %w", err)
	}
	if len(ids) == 0 {
		return n, nil
	}
	var leaves uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.leaves+" WHERE site = @site AND has(@ids, pageview_id)",
		clickhouse.Named("site", site), clickhouse.Named("ids", ids)).Scan(&leaves); err != nil {
		return n, fmt.Errorf("delete visitor: leaves: %w", err)
	}
	var events uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.events+" WHERE site = @site AND has(@ids, pageview_id)",
		clickhouse.Named("site", site), clickhouse.Named("ids", ids)).Scan(&events); err != nil {
		return n, fmt.Errorf("delete visitor: events: %w", err)
	}
	// The day's rollups go stale (rollup.go): the leaves may be a day later.
	err = s.changing(ctx, site, from, to+86400, func(ctx context.Context) error {
		return s.deleteVisitorRecords(ctx, site, visitor, from, to, ids, leaves, events)
	})
	if err != nil {
		return n, err
	}
	n.PageViews, n.Leaves, n.Events = int64(len(ids)), int64(leaves), int64(events)
	return n, nil
}

// deleteVisitorRecords deletes the events and leaves of the page views ids
// and the visitor's page views of [from, to), unix seconds.
func (s *Store) deleteVisitorRecords(ctx context.Context, site string, visitor uint64, from, to int64, ids []string, leaves, events uint64) error {
	if events > 0 {
		if err := s.mutate(ctx, "ALTER TABLE events DELETE WHERE site = "+quote(site)+" AND has("+quoteAll(ids)+", pageview_id)"); err != nil {
			return fmt.Errorf("delete visitor: %w", err)
		}
	}
	if leaves > 0 {
		if err := s.mutate(ctx, "ALTER TABLE leaves DELETE WHERE site = "+quote(site)+" AND has("+quoteAll(ids)+", pageview_id)"); err != nil {
			return fmt.Errorf("delete visitor: %w", err)
		}
	}
	if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE pageviews DELETE WHERE site = %s AND visitor = %d AND ts >= %d AND ts < %d",
		quote(site), visitor, secKey(from), secKey(to))); err != nil {
		return fmt.Errorf("delete visitor: %w", err)
	}
	return nil
}
