package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// trendSQL counts the page views of some paths per day (and hour) of the
// report's zone: a page's series is its visitors, distinct per day (ids
// rotate daily) or per hour, and its page views. %[1]s is the page views
// table, %[2]s the hour expression (0 for series by day and longer).
const trendSQL = `
	SELECT path, toDate(toDateTime(sec), @zone) AS day, %[2]s AS hour,
	       toInt64(uniqExact(visitor)) AS visitors, toInt64(count()) AS pageviews
	FROM (SELECT intDiv(ts, 4294967296) AS sec, visitor, path FROM %[1]s
	      WHERE site = @site AND ts >= @from_key AND ts < @end_key AND has(@paths, path))
	GROUP BY path, day, hour`

// PageTrends computes the series of q filtered to each of paths
// (analytics.PageTrender) in one scan of the paths' page views. Another
// filter or a goal filter in q takes the reports' way
// (analytics.PageTrendsByReports): a visit filter needs the visits.
func (s *Store) PageTrends(ctx context.Context, q analytics.Query, paths []string) (map[string][]analytics.Point, error) {
	if len(q.Filters) > 0 || q.Goal != "" {
		return analytics.PageTrendsByReports(ctx, s, q, paths)
	}
	out := make(map[string][]analytics.Point, len(paths))
	if len(paths) == 0 {
		return out, nil
	}
	byPath := make(map[string]*aggregate.Period, len(paths))
	var first analytics.Query
	for _, path := range paths {
		pq, err := analytics.TrendQuery(q, path).Normalize()
		if err != nil {
			return nil, err
		}
		byPath[path], first = aggregate.NewPeriod(pq, true), pq
	}
	hourly := first.Interval == analytics.Hour
	hour := "toUInt32(0)"
	if hourly {
		hour = "toUnixTimestamp(toStartOfHour(toDateTime(sec), @zone))"
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf(trendSQL, s.pageviews, hour),
		clickhouse.Named("site", first.Site), clickhouse.Named("zone", first.Zone.String()),
		clickhouse.Named("from_key", secKey(first.From.Unix())), clickhouse.Named("end_key", secKey(first.End().Unix())),
		clickhouse.Named("paths", paths))
	if err != nil {
		return nil, fmt.Errorf("page trends of %s: %w", first.Site, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			path                string
			day                 time.Time
			hourStart           uint32
			visitors, pageviews int64
		)
		if err := rows.Scan(&path, &day, &hourStart, &visitors, &pageviews); err != nil {
			return nil, fmt.Errorf("page trends of %s: %w", first.Site, err)
		}
		p := byPath[path]
		if p == nil {
			continue
		}
		if hourly {
			p.AddHour(aggregate.Hour{Start: int64(hourStart), Visitors: visitors, PageViews: pageviews})
			continue
		}
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, first.Zone)
		p.AddTotals(start.Unix(), aggregate.Counts{Visitors: visitors, PageViews: pageviews})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("page trends of %s: %w", first.Site, err)
	}
	for _, path := range paths {
		p := byPath[path]
		if _, err := aggregate.AddImported(ctx, s, p); err != nil {
			return nil, fmt.Errorf("page trends of %s: %w", first.Site, err)
		}
		out[path] = p.Series
	}
	return out, nil
}
