// Package migrate moves a store's records to another engine (seloste
// migrate): from SQLite to ClickHouse when a site outgrows one machine, or
// back.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Source is a store whose records and imports can be read out.
type Source interface {
	analytics.RecordScanner
	analytics.SiteLister
	analytics.ImportStore
	analytics.AnnotationStore
	analytics.Reporter
}

// Destination is a store records and imports are copied into.
type Destination interface {
	analytics.Appender
	analytics.SiteLister
	analytics.ImportStore
	analytics.AnnotationStore
	analytics.Reporter
}

// batchSize is how many records go into one Append.
const batchSize = 50_000

// Copy copies every record, every import of imported aggregates and every
// owner's note (annotation) of from into to, which must hold none, then
// checks that both report the same:
// per site, the year up to now (in zone), every number and breakdown row,
// imported days included. progress (nil: silent) gets a line every 2 s
// with the rate and the time left.
//
// An import of records (GoatCounter's) arrives as the records it stored:
// counted the same, but not listed as an import in to, so that it can't be
// deleted there as one.
//
// A copy that fails half-way leaves to partly written: the error says so,
// and the caller must empty it (or, for a file, remove it) before trying
// again.
func Copy(ctx context.Context, from Source, to Destination, zone *time.Location, now time.Time, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	have, err := to.Sites(ctx)
	if err != nil {
		return fmt.Errorf("migrate: destination: %w", err)
	}
	if len(have) > 0 {
		return fmt.Errorf("migrate: the destination already has page views of %s: copy into an empty store", strings.Join(have, ", "))
	}
	if have, err = to.ImportSites(ctx); err != nil {
		return fmt.Errorf("migrate: destination: %w", err)
	} else if len(have) > 0 {
		return fmt.Errorf("migrate: the destination already has imports of %s: copy into an empty store", strings.Join(have, ", "))
	}
	if notes, err := to.Annotations(ctx, "", "", ""); err != nil {
		return fmt.Errorf("migrate: destination: %w", err)
	} else if len(notes) > 0 {
		return fmt.Errorf("migrate: the destination already has notes (annotations) of %s: copy into an empty store", notes[0].Site)
	}
	total, err := from.CountRecords(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var copied int64
	start, last := time.Now(), time.Now()
	err = from.ScanRecords(ctx, batchSize, func(b analytics.Batch) error {
		if err := to.Append(ctx, b); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		copied += int64(b.Len())
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			rate := float64(copied) / time.Since(start).Seconds()
			left := time.Duration(float64(max(total-copied, 0))/rate) * time.Second
			fmt.Fprintf(progress, "seloste: migrate: %d of about %d records, %.0f/s, about %s left\n", copied, total, rate, left.Round(time.Second))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: after %d records: %w (the destination holds them: empty it before trying again)", copied, err)
	}
	fmt.Fprintf(progress, "seloste: migrate: copied %d records in %s\n", copied, time.Since(start).Round(time.Second))
	importSites, err := copyImports(ctx, from, to, progress)
	if err != nil {
		return fmt.Errorf("migrate: %w (the destination holds the records and the imports before it: empty it before trying again)", err)
	}
	if err := copyAnnotations(ctx, from, to, progress); err != nil {
		return fmt.Errorf("migrate: %w (the destination holds the records, the imports and the notes before it: empty it before trying again)", err)
	}
	if n, err := copyAudit(ctx, from, to); err != nil {
		return fmt.Errorf("migrate: %w (the destination holds the records, the imports and the notes before it: empty it before trying again)", err)
	} else if n > 0 {
		fmt.Fprintf(progress, "seloste: migrate: copied %d entries of the audit log\n", n)
	}
	fmt.Fprintf(progress, "seloste: migrate: comparing reports\n")
	sites, err := from.Sites(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, site := range importSites {
		if !slices.Contains(sites, site) {
			sites = append(sites, site)
		}
	}
	today := analytics.Midnight(now, zone)
	for _, site := range sites {
		q := analytics.Query{Site: site, From: today.AddDate(-1, 0, 1), To: today, Zone: zone}
		want, err := from.Report(ctx, q)
		if err != nil {
			return fmt.Errorf("migrate: report of %s in the source: %w", site, err)
		}
		got, err := to.Report(ctx, q)
		if err != nil {
			return fmt.Errorf("migrate: report of %s in the destination: %w", site, err)
		}
		if diff := Diff(got, want); diff != "" {
			return fmt.Errorf("migrate: %s: the destination reports otherwise than the source:\n%s", site, diff)
		}
		fmt.Fprintf(progress, "seloste: migrate: %s: both report %d page views, %d visitors, %d visits in the last year\n",
			site, got.Totals.PageViews, got.Totals.Visitors, got.Totals.Visits)
	}
	return nil
}

// copyAudit copies the audit log, oldest first, when both stores keep one
// (analytics.AuditLog: both engines do) and returns how many entries.
func copyAudit(ctx context.Context, from Source, to Destination) (int, error) {
	src, ok1 := from.(analytics.AuditLog)
	dst, ok2 := to.(analytics.AuditLog)
	if !ok1 || !ok2 {
		return 0, nil
	}
	entries, err := src.AuditEntries(ctx, 0)
	if err != nil {
		return 0, err
	}
	slices.Reverse(entries)
	for i, e := range entries {
		if err := dst.AppendAudit(ctx, e); err != nil {
			return i, err
		}
	}
	return len(entries), nil
}

// copyImports copies every import of imported aggregates, oldest first
// per site, each in one PutImport that reads its rows from from as it
// writes them. It returns the sites that have imports.
func copyImports(ctx context.Context, from Source, to Destination, progress io.Writer) ([]string, error) {
	sites, err := from.ImportSites(ctx)
	if err != nil {
		return nil, err
	}
	families := append(slices.Clip(analytics.ImportFamilies), analytics.FamilyCustomEvents)
	for _, site := range sites {
		imports, err := from.Imports(ctx, site)
		if err != nil {
			return nil, err
		}
		for _, imp := range imports {
			aggregates, err := hasRows(ctx, from, imp, families)
			if err != nil {
				return nil, fmt.Errorf("import %s of %s: %w", imp.ID, site, err)
			}
			if !aggregates {
				fmt.Fprintf(progress, "seloste: migrate: %s: import %s (%s) holds records: copied as records, not as an import\n", site, imp.ID, imp.Source)
				continue
			}
			var rows int64
			last := time.Now()
			_, _, err = to.PutImport(ctx, analytics.Import{Site: site, Source: imp.Source, Key: imp.Key, Summary: imp.Summary},
				func(put func(analytics.ImportedRow) error) (string, error) {
					return imp.Summary, from.ImportedRows(ctx, site, imp.From, imp.To, families, func(r analytics.ImportedRow) error {
						if r.Import != imp.ID {
							return nil
						}
						r.Import = ""
						rows++
						if time.Since(last) >= 2*time.Second {
							last = time.Now()
							fmt.Fprintf(progress, "seloste: migrate: %s: import %s (%s): %d rows\n", site, imp.ID, imp.Source, rows)
						}
						return put(r)
					})
				})
			if err != nil {
				return nil, fmt.Errorf("import %s of %s (%s, %s): %w", imp.ID, site, imp.Source, imp.Key, err)
			}
			fmt.Fprintf(progress, "seloste: migrate: %s: import %s (%s, %s to %s): %d rows\n", site, imp.ID, imp.Source, imp.From, imp.To, rows)
		}
	}
	return sites, nil
}

// copyAnnotations copies every site's notes, keeping their days, texts and
// creation times; the destination gives them new ids.
func copyAnnotations(ctx context.Context, from Source, to Destination, progress io.Writer) error {
	notes, err := from.Annotations(ctx, "", "", "")
	if err != nil {
		return err
	}
	for _, a := range notes {
		id := a.ID
		a.ID = ""
		if _, err := to.AddAnnotation(ctx, a); err != nil {
			return fmt.Errorf("note %s of %s (%s): %w", id, a.Site, a.Day, err)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(progress, "seloste: migrate: copied %d notes\n", len(notes))
	}
	return nil
}

// hasRows reports whether imp has rows of imported aggregates; an import
// of records has none.
func hasRows(ctx context.Context, from Source, imp analytics.Import, families []analytics.ImportFamily) (bool, error) {
	found := errors.New("found")
	err := from.ImportedRows(ctx, imp.Site, imp.From, imp.To, families, func(r analytics.ImportedRow) error {
		if r.Import == imp.ID {
			return found
		}
		return nil
	})
	if errors.Is(err, found) {
		return true, nil
	}
	return false, err
}

// Diff lists how two reports differ, "" if they do not (averages may
// differ in their last bits).
func Diff(got, want *analytics.Report) string {
	var b strings.Builder
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) }
	totals := func(name string, g, w analytics.Totals) {
		if g.Visitors != w.Visitors || g.Visits != w.Visits || g.PageViews != w.PageViews || g.Bots != w.Bots ||
			!near(g.BounceRate, w.BounceRate) || !near(g.AvgVisitDuration, w.AvgVisitDuration) || !near(g.AvgTimeOnPage, w.AvgTimeOnPage) {
			fmt.Fprintf(&b, "  %s: %+v, want %+v\n", name, g, w)
		}
	}
	totals("totals", got.Totals, want.Totals)
	totals("previous", got.Previous, want.Previous)
	if consent := func(c *analytics.ConsentTotals) string { return fmt.Sprintf("%+v", c) }; consent(got.Consent) != consent(want.Consent) {
		fmt.Fprintf(&b, "  consent: %s, want %s\n", consent(got.Consent), consent(want.Consent))
	}
	if len(got.Series) != len(want.Series) {
		fmt.Fprintf(&b, "  series: %d points, want %d\n", len(got.Series), len(want.Series))
	} else {
		for i := range got.Series {
			if g, w := got.Series[i], want.Series[i]; !g.T.Equal(w.T) || g.Visitors != w.Visitors || g.PageViews != w.PageViews {
				fmt.Fprintf(&b, "  series[%d]: %+v, want %+v\n", i, g, w)
			}
		}
	}
	for _, dim := range analytics.Dimensions {
		g, w := got.Breakdowns[dim], want.Breakdowns[dim]
		if len(g) != len(w) {
			fmt.Fprintf(&b, "  %s: %d rows, want %d\n", dim, len(g), len(w))
			continue
		}
		for i := range g {
			if g[i].Value != w[i].Value || g[i].Visitors != w[i].Visitors || g[i].Visits != w[i].Visits ||
				g[i].PageViews != w[i].PageViews || g[i].TimedViews != w[i].TimedViews || !near(g[i].AvgTime, w[i].AvgTime) ||
				g[i].ScrolledViews != w[i].ScrolledViews || !near(g[i].AvgScroll, w[i].AvgScroll) {
				fmt.Fprintf(&b, "  %s[%d]: %+v, want %+v\n", dim, i, g[i], w[i])
			}
		}
	}
	return b.String()
}
