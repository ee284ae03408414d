package plausible

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
)

// Source is the analytics.Import.Source of these imports.
const Source = "plausible"

// Result is what an import did.
type Result struct {
	Import   analytics.Import
	Replaced string // the id of the earlier import of the same files, if any
	Rows     int64  // rows stored
	Events   int64  // of Rows, imported_custom_events rows
	// Skipped counts rows read but not stored, by what they were (none
	// are, so far: every table's rows are stored).
	Skipped map[string]int64
	Ignored []string // files of the export that are not of the format
	files   []string
}

// fileRE is a table file's name: {table}_{YYYYMMDD}_{YYYYMMDD}.csv.
var fileRE = regexp.MustCompile(`^(imported_[a-z_]+)_(\d{8})_(\d{8})\.csv$`)

type tableFile struct {
	imports.File
	table    table
	from, to string // 2006-01-02
}

// Import reads the Plausible export at path (a directory or a zip of the
// table files) into site's imported aggregates, all or nothing. Importing
// the same files again (the same tables and days) replaces the earlier
// import.
func Import(ctx context.Context, store analytics.ImportStore, site, path string, limits imports.Limits, progress *imports.Progress) (Result, error) {
	res := Result{Skipped: map[string]int64{}}
	exp, err := imports.OpenExport(path, limits)
	if err != nil {
		return res, fmt.Errorf("plausible import: %w", err)
	}
	defer exp.Close()
	var files []tableFile
	for _, f := range exp.Files {
		m := fileRE.FindStringSubmatch(f.Name)
		if m == nil {
			res.Ignored = append(res.Ignored, f.Name)
			continue
		}
		i := slices.IndexFunc(tables, func(t table) bool { return t.name == m[1] })
		if i < 0 {
			return res, fmt.Errorf("plausible import: %s: unknown table %q (the format has %s)", f.Path, m[1], tableNames())
		}
		from, err1 := time.Parse("20060102", m[2])
		to, err2 := time.Parse("20060102", m[3])
		if err1 != nil || err2 != nil || to.Before(from) {
			return res, fmt.Errorf("plausible import: %s: the name's days %s_%s are not two dates YYYYMMDD, first to last", f.Path, m[2], m[3])
		}
		files = append(files, tableFile{File: f, table: tables[i], from: from.Format(time.DateOnly), to: to.Format(time.DateOnly)})
	}
	if len(files) == 0 {
		return res, fmt.Errorf("plausible import: %s holds no file of Plausible's CSV format ({table}_{YYYYMMDD}_{YYYYMMDD}.csv, e.g. imported_visitors_20230101_20231231.csv)", path)
	}
	slices.SortFunc(files, func(a, b tableFile) int { return strings.Compare(a.Name, b.Name) })
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	res.files = names
	imp := analytics.Import{Site: site, Source: Source, Key: "plausible " + strings.Join(names, " ")}
	stored, replaced, err := store.PutImport(ctx, imp, func(put func(analytics.ImportedRow) error) (string, error) {
		for _, f := range files {
			if err := readTable(f, limits, &res, put, progress); err != nil {
				return "", err
			}
		}
		return res.summary(), nil
	})
	if err != nil {
		return res, fmt.Errorf("plausible import: %w", err)
	}
	progress.Done()
	res.Import, res.Replaced = stored, replaced
	return res, nil
}

func tableNames() string {
	var s []string
	for _, t := range tables {
		s = append(s, t.name)
	}
	return strings.Join(s, ", ")
}

// summary is one line on what was read and what was left out.
func (r Result) summary() string {
	s := fmt.Sprintf("%d rows of %d files", r.Rows, len(r.files))
	if r.Events > 0 {
		s += fmt.Sprintf(" (%d of custom events)", r.Events)
	}
	for what, n := range r.Skipped {
		s += fmt.Sprintf("; %d %s rows skipped", n, what)
	}
	if len(r.Ignored) > 0 {
		s += "; files not of the format ignored: " + strings.Join(r.Ignored, ", ")
	}
	return s
}

// readTable reads one table file and puts its rows.
func readTable(f tableFile, limits imports.Limits, res *Result, put func(analytics.ImportedRow) error, progress *imports.Progress) error {
	r, err := f.Open(limits)
	if err != nil {
		return err
	}
	defer r.Close()
	c := csv.NewReader(r)
	c.ReuseRecord = true
	header, err := c.Read()
	if err != nil {
		return fmt.Errorf("%s:1: no header row: %w", f.Path, csvError(f.Path, err))
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	if _, ok := col["date"]; !ok {
		return fmt.Errorf("%s:1: the header %q has no date column: not a file of Plausible's CSV format (it lists %s)", f.Path, strings.Join(header, ","), strings.Join(f.table.columns, ","))
	}
	var missing []string
	for _, name := range f.table.required {
		if _, ok := col[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s:1: missing columns %s (every version of Plausible's export has them; was the file edited?)", f.Path, strings.Join(missing, ", "))
	}
	for {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(f.Path, err)
		}
		line, _ := c.FieldPos(0)
		row, skip, err := f.row(rec, col)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", f.Path, line, err)
		}
		progress.Add(1)
		if skip != "" {
			res.Skipped[skip]++
			continue
		}
		if err := put(row); err != nil {
			return fmt.Errorf("%s:%d: %w", f.Path, line, err)
		}
		res.Rows++
		if row.Family == analytics.FamilyCustomEvents {
			res.Events++
		}
	}
}

// csvError names the file and line of a CSV error; the reader's own
// errors (a line too long, a bomb) name them already.
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Errorf("%s:%d: wrong number of fields (the header has a different number of columns)", path, pe.Line)
	}
	return fmt.Errorf("%s:%d: %v", path, pe.Line, pe.Err)
}

// row maps one record of the table to an imported row; skip names what
// the row was when it is not stored.
func (f tableFile) row(rec []string, col map[string]int) (r analytics.ImportedRow, skip string, err error) {
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	num := func(name string) int64 {
		s := strings.TrimSpace(get(name))
		if s == "" || err != nil {
			return 0
		}
		n, e := strconv.ParseUint(s, 10, 63)
		if e != nil {
			err = fmt.Errorf("column %s: %q is not a count", name, s)
		}
		return int64(n)
	}
	day, e := time.Parse(time.DateOnly, get("date"))
	if e != nil {
		return r, "", fmt.Errorf("column date: %q is not a date YYYY-MM-DD", get("date"))
	}
	r.Day = day.Format(time.DateOnly)
	if r.Day < f.from || r.Day > f.to {
		return r, "", fmt.Errorf("the day %s is outside the file's days %s to %s", r.Day, f.from, f.to)
	}
	r.Family = f.table.family
	r.Visitors, r.Visits, r.PageViews = num("visitors"), num("visits"), num("pageviews")
	r.Bounces, r.VisitSeconds = num("bounces"), num("visit_duration")
	switch f.table.family {
	case analytics.FamilyCustomEvents:
		// Plausible's link_url is the url prop of its outbound link and
		// download events, path the path prop of 404s.
		r.Visits, r.PageViews, r.Bounces, r.VisitSeconds = 0, 0, 0, 0
		r.Values[0], r.Values[1], r.Values[2], r.Events = get("name"), get("link_url"), get("path"), num("events")
	case analytics.FamilySources:
		// Plausible's referrer is host and path without "www." (seloste's
		// own export and hand-made files have URLs); its source is its name
		// for the referrer's site ("Google"), or the visit's utm_source tag
		// made canonical, which is no referrer.
		source := get("source")
		if get("utm_source") != "" {
			source = ""
		}
		r.Values = [4]string{analytics.ImportedReferrer(get("referrer"), source), get("utm_source"), get("utm_medium"), get("utm_campaign")}
	case analytics.FamilyPages:
		r.Values[0] = get("page")
	case analytics.FamilyEntryPages:
		r.Values[0], r.Visits = get("entry_page"), num("entrances")
	case analytics.FamilyExitPages:
		r.Values[0], r.Visits = get("exit_page"), num("exits")
	case analytics.FamilyLocations:
		// The city is a GeoNames id, which seloste cannot name.
		num("city")
		r.Values[0], r.Values[1] = get("country"), get("region")
	case analytics.FamilyDevices:
		d, ok := devices[get("device")]
		if !ok {
			d = strings.ToLower(get("device"))
		}
		r.Values[0] = d
	case analytics.FamilyBrowsers:
		r.Values[0] = get("browser")
	case analytics.FamilyOS:
		r.Values[0] = get("operating_system")
	}
	return r, "", err
}
