package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// PageTrends computes the series of q filtered to each of paths
// (analytics.PageTrender) in one pass over the period's days: each day is
// read and decoded once and counted once per path, instead of once per
// path's report. A goal filter or a page filter already in q takes the
// reports' way (analytics.PageTrendsByReports).
func (s *Store) PageTrends(ctx context.Context, q analytics.Query, paths []string) (map[string][]analytics.Point, error) {
	if q.Goal != "" || slices.ContainsFunc(q.Filters, func(f analytics.Filter) bool { return f.Dim == analytics.DimPage }) {
		return analytics.PageTrendsByReports(ctx, s, q, paths)
	}
	out := make(map[string][]analytics.Point, len(paths))
	if len(paths) == 0 {
		return out, nil
	}
	ps := make([]*aggregate.Period, len(paths))
	for i, path := range paths {
		pq, err := analytics.TrendQuery(q, path).Normalize()
		if err != nil {
			return nil, err
		}
		ps[i] = aggregate.NewPeriod(pq, true)
	}
	cov, err := s.coverage(ctx, q.Site, ps[0].Query.Zone)
	if err != nil {
		return nil, fmt.Errorf("page trends of %s: %w", q.Site, err)
	}
	if err := s.periods(ctx, cov, ps); err != nil {
		return nil, fmt.Errorf("page trends of %s: %w", q.Site, err)
	}
	for i, p := range ps {
		if _, err := aggregate.AddImported(ctx, s, p); err != nil {
			return nil, fmt.Errorf("page trends of %s: %w", q.Site, err)
		}
		out[paths[i]] = p.Series
	}
	return out, nil
}
