package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

// The event parts of reports (goals, events, props, funnels) are computed
// by analytics/aggregate (aggregate.Events) from the two scans below, in
// Go, not by ClickHouse: correct, but every event and every matching page
// view of the period comes over the wire.
var _ analytics.EventScanner = (*Store)(nil)

// scanEvents calls fn with the events of query, whose columns are
// eventColumns.
func (s *Store) scanEvents(ctx context.Context, query string, fn func(analytics.Event) error, args ...any) error {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e     analytics.Event
			ts    uint64
			props string
		)
		if err := rows.Scan(&ts, &e.Site, &e.Visitor, &e.Visit, &e.PageView, &e.Name, &props); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if e.Props, err = analytics.DecodeProps(props); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		e.Time = time.Unix(int64(ts>>32), 0).UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

const eventColumns = `ts, site, visitor, visit, pageview_id, name, props`

// ScanEvents calls fn with the site's events in [from, end), in the order
// they were stored.
func (s *Store) ScanEvents(ctx context.Context, site string, from, end time.Time, fn func(analytics.Event) error) error {
	return s.scanEvents(ctx, "SELECT "+eventColumns+" FROM "+s.events+" WHERE site = @site AND ts >= @from AND ts < @end ORDER BY ts", fn,
		clickhouse.Named("site", site), clickhouse.Named("from", secKey(from.Unix())), clickhouse.Named("end", secKey(end.Unix())))
}

// ScanPages calls fn with the site's page views in [from, end) whose path
// match accepts, asking match once per distinct path of the period.
func (s *Store) ScanPages(ctx context.Context, site string, from, end time.Time, match func(string) bool, fn func(analytics.PageView) error) error {
	args := []any{clickhouse.Named("site", site), clickhouse.Named("from", secKey(from.Unix())), clickhouse.Named("end", secKey(end.Unix()))}
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT path FROM "+s.pageviews+" WHERE site = @site AND ts >= @from AND ts < @end", args...)
	if err != nil {
		return fmt.Errorf("read paths: %w", err)
	}
	paths := []string{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return fmt.Errorf("read paths: %w", err)
		}
		if match(p) {
			paths = append(paths, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read paths: %w", err)
	}
	if len(paths) == 0 {
		return nil
	}
	rows, err = s.conn.Query(ctx, "SELECT "+pageviewColumns+" FROM "+s.pageviews+
		" WHERE site = @site AND ts >= @from AND ts < @end AND has(@paths, path) ORDER BY ts",
		append(args, clickhouse.Named("paths", paths))...)
	if err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p   analytics.PageView
			ts  uint64
			dur int64
		)
		if err := rows.Scan(&ts, &p.Site, &p.Visitor, &p.Visit, &p.ID, &p.Path,
			&p.UTMSource, &p.UTMMedium, &p.UTMCampaign, &p.UTMTerm, &p.UTMContent, &p.ReferrerHost,
			&p.Country, &p.Region, &p.City, &p.Browser, &p.BrowserVersion, &p.OS, &p.Device, &dur); err != nil {
			return fmt.Errorf("read page views: %w", err)
		}
		p.Time = time.Unix(int64(ts>>32), 0).UTC()
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}
