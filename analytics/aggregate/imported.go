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

// importedDays are the days of q that imported rows may answer (before
// the site's first collected page view), each with the import whose rows
// count: the latest that covers it, so that two imports of the same
// history never add up. from and to bound them; winner is empty when no
// day is left.
func importedDays(ctx context.Context, src analytics.ImportStore, q analytics.Query) (winner map[string]string, from, to string, err error) {
	imports, err := src.Imports(ctx, q.Site)
	if err != nil || len(imports) == 0 {
		return nil, "", "", err
	}
	end := q.End()
	first, ok, err := src.FirstPageView(ctx, q.Site)
	if err != nil {
		return nil, "", "", err
	}
	if ok {
		if m := analytics.Midnight(first, q.Zone); m.Before(end) {
			end = m
		}
	}
	if !end.After(q.From) {
		return nil, "", "", nil
	}
	from, to = q.From.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
	winner = map[string]string{}
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
	return winner, from, to, nil
}

func addImported(ctx context.Context, src analytics.ImportStore, p *Period) (*analytics.ImportedUse, error) {
	q := p.Query
	winner, from, to, err := importedDays(ctx, src, q)
	if err != nil || len(winner) == 0 {
		return nil, err
	}
	if q.ExcludeImported {
		return &analytics.ImportedUse{Reason: "the query leaves imported data out"}, nil
	}
	if q.Goal != "" {
		return &analytics.ImportedUse{Reason: "imported data cannot tell which visits converted to a goal"}, nil
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

// importedEvent is what the imported custom_events rows of a report's days
// add to its event parts: per name, per (event, prop, value) and per goal.
type importedEvent struct {
	name, url, path string
	visitors        int64
	events          int64
}

// importedEvents reads the imported custom_events rows of q's imported
// days, when q can use them: not left out, and unfiltered (the rows say
// nothing of the pages, sources or visits their events had).
func importedEvents(ctx context.Context, src analytics.ImportStore, q analytics.Query) ([]importedEvent, error) {
	if q.ExcludeImported || len(q.Filters) > 0 || q.Goal != "" {
		return nil, nil
	}
	winner, from, to, err := importedDays(ctx, src, q)
	if err != nil || len(winner) == 0 {
		return nil, err
	}
	var out []importedEvent
	err = src.ImportedRows(ctx, q.Site, from, to, []analytics.ImportFamily{analytics.FamilyCustomEvents}, func(r analytics.ImportedRow) error {
		if winner[r.Day] == r.Import {
			out = append(out, importedEvent{name: r.Values[0], url: r.Values[1], path: r.Values[2], visitors: r.Visitors, events: r.Events})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("imported events: %w", err)
	}
	return out, nil
}

// props are the row's props as native events would carry them: Plausible's
// link_url is the url prop of outbound links and downloads, its path the
// path prop (of 404s).
func (e importedEvent) props() []analytics.Prop {
	var out []analytics.Prop
	if e.path != "" {
		out = append(out, analytics.Prop{Key: "path", Value: e.path})
	}
	if e.url != "" {
		out = append(out, analytics.Prop{Key: "url", Value: e.url})
	}
	return out
}
