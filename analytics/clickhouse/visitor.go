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
// none. The query must select sec itself: ClickHouse 18.16 does not see
// that a lambda needs it from a joined subquery. It reads the columns sec (the page view's second) and lts, lds
// (its leaves' times and durations, from leavesOf).
const visibleMs = `greatest(duration_ms, arrayReduce('max', arrayPushBack(
	arrayMap((t, d) -> if(t >= sec AND t <= sec + 86400, d, toInt64(-1)), lts, lds), toInt64(-1))))`

// leavesOf is the leaves of the site in [@leaves_from, @leaves_to], by
// page view, for a join USING (pageview_id).
const leavesOfSQL = `(SELECT pageview_id, groupArray(toUInt32(ts)) AS lts, groupArray(duration_ms) AS lds
	FROM %s WHERE site = @site AND ts >= toDateTime(@leaves_from) AND ts <= toDateTime(@leaves_to)
	GROUP BY pageview_id)`

// VisitorPageViews returns the site's page views of visitor on the UTC day
// of day, oldest first, with their visible durations.
func (s *Store) VisitorPageViews(ctx context.Context, site string, visitor uint64, day time.Time) ([]analytics.VisitorPageView, error) {
	from, to := utcDay(day)
	rows, err := s.conn.Query(ctx, fmt.Sprintf(`
		SELECT sec, ts, site, visitor, visit, pageview_id, path, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
		       referrer_host, country, region, city, browser, browser_version, os, device, `+visibleMs+` AS dur
		FROM (SELECT `+pageviewColumns+`, intDiv(ts, 4294967296) AS sec FROM %s
		      WHERE site = @site AND visitor = @visitor AND ts >= @from AND ts < @to)
		ANY LEFT JOIN `+leavesOfSQL+` USING (pageview_id)
		ORDER BY ts`, s.pageviews, s.leaves),
		clickhouse.Named("site", site), clickhouse.Named("visitor", visitor),
		clickhouse.Named("from", secKey(from)), clickhouse.Named("to", secKey(to)),
		clickhouse.Named("leaves_from", from), clickhouse.Named("leaves_to", to+86400))
	if err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	defer rows.Close()
	var out []analytics.VisitorPageView
	for rows.Next() {
		var (
			v       analytics.VisitorPageView
			p       = &v.PageView
			sec, ts uint64
			dur     int64
		)
		if err := rows.Scan(&sec, &ts, &p.Site, &p.Visitor, &p.Visit, &p.ID, &p.Path,
			&p.UTMSource, &p.UTMMedium, &p.UTMCampaign, &p.UTMTerm, &p.UTMContent, &p.ReferrerHost,
			&p.Country, &p.Region, &p.City, &p.Browser, &p.BrowserVersion, &p.OS, &p.Device, &dur); err != nil {
			return nil, fmt.Errorf("visitor page views: %w", err)
		}
		p.Time = time.Unix(int64(ts>>32), 0).UTC()
		if dur >= 0 {
			v.Duration, v.Timed = time.Duration(dur)*time.Millisecond, true
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	return out, nil
}

// DeleteVisitor deletes the site's page views of visitor on the UTC day of
// day and every leave record of them, and returns once the server has
// rewritten the data without them (mutations, waited for): the next read
// and report no longer see them.
//
// ClickHouse has no transactions: the leaves go first, so that an error
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
	if leaves > 0 {
		if err := s.mutate(ctx, "ALTER TABLE leaves DELETE WHERE site = "+quote(site)+" AND has("+quoteAll(ids)+", pageview_id)"); err != nil {
			return n, fmt.Errorf("delete visitor: %w", err)
		}
	}
	if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE pageviews DELETE WHERE site = %s AND visitor = %d AND ts >= %d AND ts < %d",
		quote(site), visitor, secKey(from), secKey(to))); err != nil {
		return n, fmt.Errorf("delete visitor: %w", err)
	}
	n.PageViews, n.Leaves = int64(len(ids)), int64(leaves)
	return n, nil
}
