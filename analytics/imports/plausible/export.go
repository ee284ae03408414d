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
	From, To  string   // the first and last day exported, YYYY-MM-DD
	Days      int      // days with page views
	PageViews int64
	// Time is when the export read the data: the zip entries' time, and
	// the end of what it holds of today when To is today (Partial).
	Time    time.Time
	Partial bool // To is today: its page views up to Time
}

// Export writes site's history for the days [from, to] (in zone) as
// Plausible's ten table files to out: a directory (created; it must not
// exist) or, for a name ending in .zip, a zip file whose entries carry the
// export's time. The last day may be today, exported as far as it has
// gone (ExportResult.Partial); a later one is refused. A day is what a
// report of it says: collected data, or imported aggregates for the days
// before the first collected page view, so that an import exports again.
// Nothing is left at out unless the whole export is written: it is
// written beside out under a temporary name and renamed.
func Export(ctx context.Context, rep analytics.Reporter, site string, from, to time.Time, zone *time.Location, out string, progress *imports.Progress) (ExportResult, error) {
	res := ExportResult{Time: time.Now()}
	if _, err := os.Lstat(out); err == nil {
		return res, fmt.Errorf("plausible export: %s exists: not overwritten (give a new name)", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	from, to = analytics.Midnight(from, zone), analytics.Midnight(to, zone)
	if to.Before(from) {
		return res, fmt.Errorf("plausible export: the last day %s is before the first %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	today := analytics.Midnight(res.Time, zone)
	if to.After(today) {
		return res, fmt.Errorf("plausible export: the last day %s is after today %s: its data does not exist yet", to.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	res.From, res.To, res.Partial = from.Format(time.DateOnly), to.Format(time.DateOnly), to.Equal(today)
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
		day := analytics.Query{Site: site, From: d, To: d, Zone: zone, Interval: analytics.Day}
		r, err := rep.Report(ctx, day)
		if err == nil && r.Totals.PageViews > 0 {
			err = writeDay(ctx, rep, day, writers, r)
		}
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
	if err := writeZip(zipPath, tmp, res.Files, res.Time); err != nil {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	if err := os.Rename(zipPath, out); err != nil {
		return res, fmt.Errorf("plausible export: %w", err)
	}
	return res, nil
}

// writeZip zips the files names of dir to path, each entry dated modified.
func writeZip(path, dir string, names []string, modified time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	for _, name := range names {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
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

// writeDay writes the day's report r (of the unfiltered query day) as the
// tables' rows. Plausible's counts are totals: bounces and visit_duration
// are a report's averages times its visits, which gives back the sums (to
// the second).
func writeDay(ctx context.Context, rep analytics.Reporter, day analytics.Query, w map[string]*csv.Writer, r *analytics.Report) error {
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	date, site := day.From.Format(time.DateOnly), day.Site
	t := r.Totals
	w["imported_visitors"].Write([]string{date, n(t.Visitors), n(t.PageViews), n(sum(t.BounceRate, t.Visits)), n(t.Visits), n(sum(t.AvgVisitDuration, t.Visits))})

	if err := writeSources(ctx, rep, day, w["imported_sources"], r); err != nil {
		return err
	}
	rows := r.Breakdowns
	for _, row := range rows[analytics.DimPage] {
		w["imported_pages"].Write([]string{date, site, row.Value, "0", n(row.Visitors), n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimEntryPage] {
		w["imported_entry_pages"].Write([]string{date, row.Value, n(row.Visitors), n(row.Visits), "0", "0", "0"})
	}
	for _, row := range rows[analytics.DimExitPage] {
		w["imported_exit_pages"].Write([]string{date, row.Value, n(row.Visitors), "0", n(row.Visits), "0", "0"})
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
		w["imported_locations"].Write([]string{date, country, row.Value, "0", n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimCountry] {
		s := inRegions[row.Value]
		if v, p := row.Visitors-s.visitors, row.PageViews-s.views; v > 0 || p > 0 {
			w["imported_locations"].Write([]string{date, row.Value, "", "0", n(max(v, 0)), "0", "0", "0", n(max(p, 0))})
		}
	}
	for _, row := range rows[analytics.DimDevice] {
		name := row.Value
		for theirs, ours := range devices {
			if ours == row.Value && theirs != "Laptop" {
				name = theirs
			}
		}
		w["imported_devices"].Write([]string{date, name, n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimBrowser] {
		w["imported_browsers"].Write([]string{date, row.Value, "", n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	for _, row := range rows[analytics.DimOS] {
		w["imported_operating_systems"].Write([]string{date, row.Value, "", n(row.Visitors), "0", "0", "0", n(row.PageViews)})
	}
	writeEvents(w["imported_custom_events"], date, r)
	return nil
}

// sum is the total of an average over visits, to the unit.
func sum(avg float64, visits int64) int64 { return int64(math.Round(avg * float64(visits))) }

// utmDims are the tags a sources row carries with its referrer, in the
// order writeSources narrows by them.
var utmDims = []analytics.Dimension{analytics.DimUTMSource, analytics.DimUTMMedium, analytics.DimUTMCampaign}

// writeSources writes the day's sources rows from its unfiltered report
// r: one per combination of a referrer and its tags, as Plausible keeps
// them, so that the referrer, each tag and the channel (which follows from
// all four) come back. The combinations are found by narrowing by the
// tags, the visits with each utm_source value ("" for the visits without
// one), then each utm_medium, while a deeper tag has values; at the end
// the referrer breakdown of the visits with those tags gives a row per
// referrer, with its visitors and visits. A day without tags costs no
// further report, and the reports grow with the day's tags, not with its
// referrers. Page views, bounces and durations per combination would
// take a report per referrer, day and tags: they are left 0.
//
// q filters by the first len(q.Filters) tags (none for the whole day); r
// is q's report.
func writeSources(ctx context.Context, rep analytics.Reporter, q analytics.Query, w *csv.Writer, r *analytics.Report) error {
	var visits int64
	for _, row := range r.Breakdowns[analytics.DimReferrer] {
		visits += row.Visits
	}
	if visits == 0 {
		return nil
	}
	next := len(q.Filters)
	tagged := false
	for _, d := range utmDims[next:] {
		tagged = tagged || len(r.Breakdowns[d]) > 0
	}
	if !tagged {
		return writeSourceRows(w, q, r)
	}
	d := utmDims[next]
	narrow := func(value string) error {
		sub := q
		sub.Filters = append(slices.Clip(q.Filters), analytics.Filter{Dim: d, Value: value})
		sr, err := rep.Report(ctx, sub)
		if err != nil {
			return err
		}
		return writeSources(ctx, rep, sub, w, sr)
	}
	for _, row := range r.Breakdowns[d] {
		if err := narrow(row.Value); err != nil {
			return err
		}
		visits -= row.Visits
	}
	if visits > 0 {
		return narrow("") // the visits without this tag
	}
	return nil
}

// writeSourceRows writes a sources row per referrer of r, the report of
// the visits with q's tags (the later tags empty). The referrer is
// written as a host in both source and referrer, "" for direct visits.
func writeSourceRows(w *csv.Writer, q analytics.Query, r *analytics.Report) error {
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	var tags [3]string
	for i, f := range q.Filters {
		tags[i] = f.Value
	}
	for _, row := range r.Breakdowns[analytics.DimReferrer] {
		err := w.Write([]string{q.From.Format(time.DateOnly), row.Value, row.Value, tags[0], tags[1], tags[2], "", "",
			"0", n(row.Visitors), n(row.Visits), "0", "0"})
		if err != nil {
			return err
		}
	}
	return nil
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
