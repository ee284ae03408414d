package analytics

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// PageTrender gives the Pages table's trends: for each of paths, the
// series of the report of q filtered to page=path (Report.Series of that
// query, the view a Pages row links to), computed together. Every engine
// implements it; the shared suite holds it to the filtered reports'
// known answers.
type PageTrender interface {
	PageTrends(ctx context.Context, q Query, paths []string) (map[string][]Point, error)
}

// TrendQuery is q narrowed to one page for its trend: the page filter
// added, one row per breakdown, no goals or funnels (only the series is
// used).
func TrendQuery(q Query, path string) Query {
	q.Filters = append(slices.Clip(q.Filters), Filter{Dim: DimPage, Value: path})
	q.Limit, q.Goals, q.Funnels = 1, nil, nil
	return q
}

// PageTrendsByReports answers PageTrends with one filtered report per path,
// two at a time: what an engine without a faster way does.
func PageTrendsByReports(ctx context.Context, r Reporter, q Query, paths []string) (map[string][]Point, error) {
	var (
		mu     sync.Mutex
		out    = make(map[string][]Point, len(paths))
		first  error
		wg     sync.WaitGroup
		tokens = make(chan struct{}, 2)
	)
	for _, path := range paths {
		tokens <- struct{}{}
		wg.Go(func() {
			defer func() { <-tokens }()
			rep, err := r.Report(ctx, TrendQuery(q, path))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = fmt.Errorf("trend of %s: %w", path, err)
				}
				return
			}
			out[path] = rep.Series
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}
