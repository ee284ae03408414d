package clickhouse

import (
	"context"

	"github.com/seloste/seloste/analytics"
)

// PageTrends answers analytics.PageTrender with one filtered report per
// path: the server scans each path's page views on its own.
func (s *Store) PageTrends(ctx context.Context, q analytics.Query, paths []string) (map[string][]analytics.Point, error) {
	return analytics.PageTrendsByReports(ctx, s, q, paths)
}
