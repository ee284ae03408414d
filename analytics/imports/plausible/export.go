package plausible

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
)

// ExportResult is what an export wrote.
type ExportResult struct {
	Files     []string // the table files, in the directory or zip
	Days      int      // days with page views
	PageViews int64
}

// Export writes the collected data of site for the days [from, to] (in
// zone) as Plausible's ten table files to out: a directory (created; it
// must not exist) or, for a name ending in .zip, a zip file. Nothing is
// left at out unless the whole export is written: it is written beside out
// under a temporary name and renamed. Imported aggregates are not
// exported, as Plausible's own export leaves them out.
func Export(ctx context.Context, rep analytics.Reporter, site string, from, to time.Time, zone *time.Location, out string, progress *imports.Progress) (ExportResult, error) {
	var res ExportResult
	if _, err := os.Lstat(out); err == nil {
		return res, fmt.Errorf("plausible export: %s exists: not overwritten (give a new name)", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	from, to = analytics.Midnight(from, zone), analytics.Midnight(to, zone)
	if to.Before(from) {
		return res, fmt.Errorf("plausible export: the last day %s is before the first %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	asZip := strings.EqualFold(filepath.Ext(out), ".zip")
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	defer os.RemoveAll(tmp)

	suffix := "_" + from.Format("20060102") + "_" + to.Format("20060102") + ".csv"
	writers := map[string]*csv.Writer{}
	var files []*os.File
	for _, t := range tables {
		name := t.name + suffix
		f, err := os.Create(filepath.Join(tmp, name))
		if err != nil {
			return res, fmt.Errorf("plausible export: %w", err)
		}
		files = append(files, f)
		defer f.Close()
		w := csv.NewWriter(f)
		w.Write(t.columns)
		writers[t.name] = w
		res.Files = append(res.Files, name)
	}
	days := analytics.Query{From: from, To: to}.Days()
	progress.SetTotal(int64(days))
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		r, err := rep.Report(ctx, analytics.Query{Site: site, From: d, To: d, Zone: zone, Interval: analytics.Day, ExcludeImported: true})
		if err != nil {
			return res, fmt.Errorf("plausible export: %s: %w", d.Format(time.DateOnly), err)
		}
		progress.Add(1)
		if r.Totals.PageViews == 0 {
			// A day of events only (a visit past midnight): their rows.
			writeEvents(writers["imported_custom_events"], d.Format(time.DateOnly), r)
			continue
		}
		res.Days++
		res.PageViews += r.Totals.PageViews
		writeDay(writers, site, d.Format(time.DateOnly), r)
	}
	progress.Done()
	for i, t := range tables {
		w := writers[t.name]
		w.Flush()
		if err := w.Error(); err != nil {
			return res, fmt.Errorf("plausible export: %w", err)
		}
		if err := files[i].Sync(); err != nil {
			return res, fmt.Errorf("plausible export: %w", err)
		}
		if err := files[i].Close(); err != nil {
			return res, fmt.Errorf("plausible export: %w", err)
		}
	}
	if !asZip {
		if err := os.Rename(tmp, out); err != nil {
			return res, fmt.Errorf("plausible export: %w", err)
		}
		return res, nil
	}
	zipPath := filepath.Join(tmp, "export.zip")
	if err := writeZip(zipPath, tmp, res.Files); err != nil {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	if err := os.Rename(zipPath, out); err != nil {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	return res, nil
}

func writeZip(path, dir string, names []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	for _, name := range names {
		w, err := z.Create(name)
		if err != nil {
			return err
		}
		src, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		_, err = io.Copy(w, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// writeDay writes one day's report as the tables' rows. Plausible's
// counts are totals: bounces and visit_duration are the report's averages
// times its visits, which gives back the sums (to the second).
func writeDay(w map[string]*csv.Writer, site, day string, r *analytics.Report) {
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	t := r.Totals
	bounces := int64(math.Round(t.BounceRate * float64(t.Visits)))
	duration := int64(math.Round(t.AvgVisitDuration * float64(t.Visits)))
	w["imported_visitors"].Write([]string{day, n(t.Visitors), n(t.PageViews), n(bounces), n(t.Visits), n(duration)})

	rows := r.Breakdowns
	for _, row := range rows[analytics.DimReferrer] {
		// Sources: one row per referrer host, without UTM tags (see the
		// package documentation).
		w["imported_sources"].Write([]string{day, row.Value, row.Value, "", "", "", "", "", "0", n(row.Visitors), n(row.Visits), "0", "0"})
	}
	for _, row := range rows[analytics.DimPage] {
		w["imported_pages"].Write([]string{day, site, row.Value, "0", n(row.Visitors), n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimEntryPage] {
		w["imported_entry_pages"].Write([]string{day, row.Value, n(row.Visitors), n(row.Visits), "0", "0", "0"})
	}
	for _, row := range rows[analytics.DimExitPage] {
		w["imported_exit_pages"].Write([]string{day, row.Value, n(row.Visitors), "0", n(row.Visits), "0", "0"})
	}
	// Locations: a row per region, under its country, and per country the
	// visitors no region holds; countries then sum back to their rows.
	type sums struct{ visitors, views int64 }
	inRegions := map[string]sums{}
	for _, row := range rows[analytics.DimRegion] {
		if row.Value == "" {
			continue
		}
		country, _, _ := strings.Cut(row.Value, "-")
		s := inRegions[country]
		s.visitors += row.Visitors
		s.views += row.PageViews
		inRegions[country] = s
		w["imported_locations"].Write([]string{day, country, row.Value, "0", n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimCountry] {
		s := inRegions[row.Value]
		if v, p := row.Visitors-s.visitors, row.PageViews-s.views; v > 0 || p > 0 {
			w["imported_locations"].Write([]string{day, row.Value, "", "0", n(max(v, 0)), "0", "0", "0", n(max(p, 0))})
		}
	}
	for _, row := range rows[analytics.DimDevice] {
		name := row.Value
		for theirs, ours := range devices {
			if ours == row.Value && theirs != "Laptop" {
				name = theirs
			}
		}
		w["imported_devices"].Write([]string{day, name, n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimBrowser] {
		w["imported_browsers"].Write([]string{day, row.Value, "", n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimOS] {
		w["imported_operating_systems"].Write([]string{day, row.Value, "", n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	writeEvents(w["imported_custom_events"], day, r)
}

// writeEvents writes a day's events as imported_custom_events rows: per
// name, or, for events with a url or path prop (outbound links,
// downloads, 404s), per value of it, as link_url or path. Other props are
// not in the format. A name's visitors come back on import as the sum of
// its rows', which counts twice a visitor with two values in a day.
func writeEvents(w *csv.Writer, day string, r *analytics.Report) {
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	for _, e := range r.Events {
		if e.Name == analytics.Other {
			continue // the query has no limit: nothing is folded
		}
		key := ""
		for _, k := range []string{"url", "path"} {
			if key == "" && slices.ContainsFunc(r.Props, func(p analytics.PropRow) bool { return p.Event == e.Name && p.Prop == k }) {
				key = k
			}
		}
		if key == "" {
			w.Write([]string{day, e.Name, "", "", n(e.Visitors), n(e.Events)})
			continue
		}
		var visitors, events int64
		for _, p := range r.Props {
			if p.Event != e.Name || p.Prop != key {
				continue
			}
			row := []string{day, e.Name, p.Value, "", n(p.Visitors), n(p.Events)}
			if key == "path" {
				row[2], row[3] = "", p.Value
			}
			w.Write(row)
			visitors += p.Visitors
			events += p.Events
		}
		// Events without the prop: a row of their own, its visitors at
		// most the name's that no value row counted (at least one).
		if rest := e.Events - events; rest > 0 {
			w.Write([]string{day, e.Name, "", "", n(max(1, min(rest, e.Visitors-visitors))), n(rest)})
		}
	}
}
