package aggregate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// AddImported adds to p the imported aggregates (analytics.ImportStore) of
// the days of p's query before the site's first collected page view, by
// the rules in the package documentation, and returns what it did: nil
// when the period has no imported day to use. Every engine calls it after
// adding its own days.
func AddImported(ctx context.Context, src analytics.ImportStore, p *Period) (*analytics.ImportedUse, error) {
	use, err := addImported(ctx, src, p)
	p.Imported = use
	return use, err
}

func addImported(ctx context.Context, src analytics.ImportStore, p *Period) (*analytics.ImportedUse, error) {
	q := p.Query
	imports, err := src.Imports(ctx, q.Site)
	if err != nil || len(imports) == 0 {
		return nil, err
	}
	end := q.End()
	first, ok, err := src.FirstPageView(ctx, q.Site)
	if err != nil {
		return nil, err
	}
	if ok {
		if m := analytics.Midnight(first, q.Zone); m.Before(end) {
			end = m
		}
	}
	if !end.After(q.From) {
		return nil, nil
	}
	from, to := q.From.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
	// Each day counts the rows of one import: the latest that covers it,
	// so that two imports of the same history never add up.
	winner := map[string]string{}
	for _, imp := range imports {
		lo, hi := max(imp.From, from), min(imp.To, to)
		if imp.From == "" || lo > hi {
			continue
		}
		day, _ := time.ParseInLocation(time.DateOnly, lo, q.Zone)
		for d := lo; d <= hi; day = day.AddDate(0, 0, 1) {
			winner[d] = imp.ID
			d = day.AddDate(0, 0, 1).Format(time.DateOnly)
		}
	}
	if len(winner) == 0 {
		return nil, nil
	}
	if q.ExcludeImported {
		return &analytics.ImportedUse{Reason: "the query leaves imported data out"}, nil
	}
	var family analytics.ImportFamily
	for _, f := range q.Filters {
		ff := analytics.FamilyOf(f.Dim)
		if family != "" && ff != family {
			return &analytics.ImportedUse{Reason: fmt.Sprintf(
				"imported data cannot answer filters on %s and %s together: it counts them apart", q.Filters[0].Dim, f.Dim)}, nil
		}
		family = ff
	}
	families := []analytics.ImportFamily{analytics.FamilyVisitors}
	switch {
	case family != "":
		families = []analytics.ImportFamily{family}
	case p.Detail:
		families = analytics.ImportFamilies
	}

	starts := map[string]time.Time{}
	use := &analytics.ImportedUse{Included: true}
	err = src.ImportedRows(ctx, q.Site, from, to, families, func(r analytics.ImportedRow) error {
		if winner[r.Day] != r.Import {
			return nil
		}
		start, ok := starts[r.Day]
		if !ok {
			var err error
			if start, err = time.ParseInLocation(time.DateOnly, r.Day, q.Zone); err != nil {
				return fmt.Errorf("imported row: bad day %q", r.Day)
			}
			starts[r.Day] = start
			p.markImported(start)
		}
		for _, f := range q.Filters {
			if analytics.ImportedValue(&r, f.Dim) != f.Value {
				return nil
			}
		}
		if r.Family == analytics.FamilyVisitors || r.Family == family {
			p.AddTotals(start.Unix(), Counts{Visitors: r.Visitors, Visits: r.Visits, PageViews: r.PageViews,
				Bounces: r.Bounces, VisitMs: r.VisitSeconds * 1000})
		}
		if !p.Detail || r.Family == analytics.FamilyVisitors {
			return nil
		}
		dims := r.Family.Dims()
		if r.Family == analytics.FamilySources {
			dims = append(slices.Clip(dims), analytics.DimChannel)
		}
		for _, d := range dims {
			v := analytics.ImportedValue(&r, d)
			if v == "" && (d == analytics.DimUTMSource || d == analytics.DimUTMMedium || d == analytics.DimUTMCampaign) {
				continue // untagged visits have no UTM rows
			}
			c := RowCounts{Visitors: r.Visitors}
			if d.VisitLevel() {
				c.Visits = r.Visits
			} else {
				c.PageViews = r.PageViews
			}
			p.Rows.Row(dimIndex[d], v).Add(c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("imported data: %w", err)
	}
	for day := range starts {
		use.Days++
		if use.From == "" || day < use.From {
			use.From = day
		}
		use.To = max(use.To, day)
	}
	if use.Days == 0 {
		return nil, nil
	}
	return use, nil
}

// markImported marks the series buckets of the day that starts at start.
func (p *Period) markImported(start time.Time) {
	if !p.Detail {
		return
	}
	end := start.AddDate(0, 0, 1)
	for i, t := range p.buckets {
		next := p.Query.End()
		if i+1 < len(p.buckets) {
			next = p.buckets[i+1]
		}
		if t.Before(end) && next.After(start) {
			p.Series[i].Imported = true
		}
	}
}
