package goatcounter

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/sqlite"
	"github.com/seloste/seloste/analytics/storetest"
)

var ctx = context.Background()

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func report(t *testing.T, s *sqlite.Store, filters ...analytics.Filter) *analytics.Report {
	t.Helper()
	r, err := s.Report(ctx, analytics.Query{Site: "example.fi", Zone: time.UTC, Filters: filters,
		From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rows(r *analytics.Report, d analytics.Dimension) map[string]int64 {
	m := map[string]int64{}
	for _, row := range r.Breakdowns[d] {
		m[row.Value] = row.Visitors
	}
	return m
}

// TestImportFixture reads a version 2 export with quoting (a comma, doubled
// quotes and a line break in titles), CRLF lines, a bot, an event, empty
// locations and sessions, each referrer scheme and a visit across UTC
// midnight, and checks the stored page views through reports.
func TestImportFixture(t *testing.T) {
	for _, name := range []string{"csv", "csv.gz", "zip"} {
		t.Run(name, func(t *testing.T) {
			path := fixtureAs(t, name)
			s := openStore(t)
			res, err := Import(ctx, s, "example.fi", path, analytics.EventConfig{}, imports.DefaultLimits, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.PageViews != 9 || res.Bots != 1 || res.Events != 0 || res.EventsSkipped != 1 || !strings.Contains(res.Import.Summary, "1 event rows skipped (not declared") {
				t.Errorf("result %+v", res)
			}
			r := report(t, s)
			if tt := r.Totals; tt.PageViews != 9 || tt.Visitors != 6 || tt.Visits != 7 || tt.Bots != 1 {
				t.Errorf("totals %+v, want 9 page views, 6 visitors, 7 visits, 1 bot", tt)
			}
			for d, want := range map[analytics.Dimension]map[string]int64{
				analytics.DimReferrer:  {"duckduckgo.com": 1, "": 3, "news.ycombinator.com": 3},
				analytics.DimUTMSource: {"kevat": 1},
				analytics.DimCountry:   {"FI": 2, "SE": 2, "US": 1, "": 1},
				analytics.DimRegion:    {"FI-18": 1, "US-TX": 1, "": 4},
				analytics.DimBrowser:   {"Firefox": 1, "Safari": 1, "Chrome": 3, "Edge": 1},
				analytics.DimOS:        {"Linux": 1, "iOS": 1, "Windows": 3, "Android": 1},
				analytics.DimDevice:    {analytics.DeviceDesktop: 4, analytics.DeviceMobile: 2},
				analytics.DimPage:      {"/": 5, "/hinnasto": 2, "/blogi": 2},
			} {
				if got := rows(r, d); !equal(got, want) {
					t.Errorf("%s: %v, want %v", d, got, want)
				}
			}
			// Filters work as on collected data.
			if f := report(t, s, analytics.Filter{Dim: analytics.DimCountry, Value: "FI"}); f.Totals.PageViews != 4 {
				t.Errorf("country=FI: %d page views, want 4", f.Totals.PageViews)
			}
			// The same file again replaces the import; deleting it leaves nothing.
			again, err := Import(ctx, s, "example.fi", path, analytics.EventConfig{}, imports.DefaultLimits, nil)
			if err != nil || again.Replaced != res.Import.ID {
				t.Fatalf("again: %+v, %v", again, err)
			}
			if r := report(t, s); r.Totals.PageViews != 9 || r.Totals.Bots != 1 {
				t.Errorf("after importing twice: %+v", r.Totals)
			}
			if err := s.DeleteImport(ctx, "example.fi", again.Import.ID); err != nil {
				t.Fatal(err)
			}
			if ok, _ := s.HasSite(ctx, "example.fi"); ok {
				t.Error("page views or bot hits left after deleting the import")
			}
			storetest.CheckInventory(t, s)
		})
	}
}

func equal(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func fixtureAs(t *testing.T, kind string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/export-v2.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	switch kind {
	case "csv":
		return "testdata/export-v2.csv"
	case "csv.gz":
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write(data)
		z.Close()
		p := filepath.Join(dir, "goatcounter-export.csv.gz")
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	return writeZip(t, dir, map[string][]byte{"goatcounter-export.csv": data})
}

func writeZip(t *testing.T, dir string, files map[string][]byte) string {
	t.Helper()
	p := filepath.Join(dir, "export.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, data := range files {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// TestImportRefusesHostileFiles: a clear error naming the file (and the
// line, for lines), and nothing stored.
func TestImportRefusesHostileFiles(t *testing.T) {
	header := strings.Join(Header, ",") + "\n"
	good := "/,,false,,Firefox 88,Linux,s1,0,,,,FI,true,2025-06-01T08:00:00Z\n"
	small := imports.Limits{MaxFileBytes: 1 << 20, MaxRatio: 20, MaxLine: 64 << 10}
	zeros := bytes.Repeat([]byte(good), 8<<20/len(good))
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		z := gzip.NewWriter(&out)
		z.Write(b)
		z.Close()
		return out.Bytes()
	}
	for name, tc := range map[string]struct {
		file string // "" = export.csv with body
		body []byte
		zip  map[string][]byte
		want string
	}{
		"wrong header":       {body: []byte("Path,Title\n/,x\n"), want: "export.csv:1: not a GoatCounter export"},
		"version 1":          {body: []byte("1Path,Title,Event,Bot,Session,FirstVisit,Referrer,Referrer scheme,Browser,Screen size,Location,Date\n"), want: `export.csv:1: export format version "1"`},
		"wrong column count": {body: []byte(header + good + "/,,false,,Firefox 88\n"), want: "export.csv:3: wrong number of fields"},
		"bad date":           {body: []byte(header + good + strings.Replace(good, "2025-06-01T08:00:00Z", "1.6.2025 08:00", 1)), want: "export.csv:3: column Date"},
		"bad bot":            {body: []byte(header + strings.Replace(good, ",s1,0,", ",s1,maybe,", 1)), want: "export.csv:2: column Bot"},
		"huge field":         {body: []byte(header + good + "/," + strings.Repeat("x", 1<<20) + "\n"), want: "export.csv:3: line longer than"},
		"control characters": {body: []byte(header + strings.Replace(good, "/,", "/\x1b[31m,", 1)), want: "export.csv:2: column 2Path holds control characters"},
		"gzip bomb":          {file: "export.csv.gz", body: gz(append([]byte(header), zeros...)), want: "expands beyond the size allowed"},
		"zip bomb":           {zip: map[string][]byte{"export.csv": append([]byte(header), zeros...)}, want: "more than allowed: refused (a zip bomb?)"},
		"path traversal":     {zip: map[string][]byte{"../../etc/export.csv": []byte(header + good)}, want: `entry "../../etc/export.csv" names a path outside the archive`},
		"absolute path":      {zip: map[string][]byte{"/tmp/export.csv": []byte(header + good)}, want: "names a path outside the archive"},
		"two files in a zip": {zip: map[string][]byte{"a.csv": []byte(header + good), "b.csv": []byte(header + good)}, want: "found 2 CSV files"},
		"not gzip":           {file: "export.csv.gz", body: []byte(header + good), want: "not a gzip file"},
		"only the header":    {body: []byte(header), want: "holds no page views"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var path string
			if tc.zip != nil {
				path = writeZip(t, dir, tc.zip)
			} else {
				file := tc.file
				if file == "" {
					file = "export.csv"
				}
				path = filepath.Join(dir, file)
				os.WriteFile(path, tc.body, 0o644)
			}
			s := openStore(t)
			_, err := Import(ctx, s, "example.fi", path, analytics.EventConfig{}, small, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err = %v, want the file named and %q", err, tc.want)
			}
			if list, _ := s.Imports(ctx, "example.fi"); len(list) != 0 {
				t.Errorf("imports left: %v", list)
			}
			if ok, _ := s.HasSite(ctx, "example.fi"); ok {
				t.Error("records left")
			}
		})
	}
}

// TestImportEvents declares some of an export's event names: those become
// events of a page view of their session that UTC day (before or after
// them), the rest are skipped and counted, and deleting the import deletes
// the events with the page views.
func TestImportEvents(t *testing.T) {
	const csv = "2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date\n" +
		"signup,,true,,Firefox 88,Linux,s1,0,,,,FI,false,2025-06-01T07:59:00Z\n" + // before s1's first page view: joins it
		"/,,false,,Firefox 88,Linux,s1,0,,,,FI,true,2025-06-01T08:00:00Z\n" +
		"/hinnasto,,false,,Firefox 88,Linux,s1,0,,,,FI,false,2025-06-01T08:05:00Z\n" +
		"signup,,true,,Firefox 88,Linux,s1,0,,,,FI,false,2025-06-01T08:06:00Z\n" +
		"newsletter,,true,,Firefox 88,Linux,s1,0,,,,FI,false,2025-06-01T08:07:00Z\n" + // not declared
		"/,,false,,Chrome 125,Windows 10,s2,0,,,,SE,true,2025-06-01T10:00:00Z\n" +
		"signup,,true,,Chrome 125,Windows 10,s2,0,,,,SE,false,2025-06-01T10:01:00Z\n" +
		"signup,,true,,Chrome 125,Windows 10,s2,0,,,,SE,false,2025-06-02T10:01:00Z\n" + // no page view of s2 that day
		"signup,,true,,Chrome 125,Windows 10,s9,0,,,,SE,false,2025-06-01T11:00:00Z\n" + // a session without page views
		"signup,,true,,Chrome 125,Windows 10,,0,,,,SE,false,2025-06-01T11:00:00Z\n" // no session
	path := filepath.Join(t.TempDir(), "events.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	cfg := analytics.EventConfig{Events: []analytics.EventDef{{Name: "signup"}}}
	res, err := Import(ctx, s, "example.fi", path, cfg, imports.DefaultLimits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.PageViews != 3 || res.Events != 3 || res.EventsSkipped != 4 ||
		!strings.Contains(res.Import.Summary, "3 events") || !strings.Contains(res.Import.Summary, "1 event rows skipped (not declared") ||
		!strings.Contains(res.Import.Summary, "3 event rows skipped (no page view") {
		t.Errorf("result %+v", res)
	}
	r, err := s.Report(ctx, analytics.Query{Site: "example.fi", Zone: time.UTC,
		From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC),
		Goals: []analytics.Goal{{Name: "Liittyi", Event: "signup"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Events) != 1 || r.Events[0] != (analytics.EventRow{Name: "signup", Visitors: 2, Events: 3}) {
		t.Errorf("events %+v, want signup: 2 visitors, 3 events", r.Events)
	}
	if len(r.Goals) != 1 || r.Goals[0].Visitors != 2 || r.Goals[0].Events != 3 || r.Goals[0].ConversionRate != 1 {
		t.Errorf("goals %+v, want 2 visitors of 2 converting", r.Goals)
	}
	// Each event carries its page view's visitor and visit: s1's first
	// page view has the event before it, its second the one after.
	from, end := time.Unix(0, 0), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	views := map[string]analytics.PageView{}
	err = s.ScanPages(ctx, "example.fi", from, end, func(string) bool { return true }, func(p analytics.PageView) error {
		views[p.ID] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]int{}
	err = s.ScanEvents(ctx, "example.fi", from, end, func(e analytics.Event) error {
		p, ok := views[e.PageView]
		if !ok || p.Visitor != e.Visitor || p.Visit != e.Visit {
			t.Errorf("event %+v: not of its page view %+v", e, p)
		}
		paths[p.Path+" "+e.Time.Format("15:04")]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"/ 07:59": 1, "/hinnasto 08:06": 1, "/ 10:01": 1}; !maps.Equal(paths, want) {
		t.Errorf("events joined %v, want %v", paths, want)
	}

	if err := s.DeleteImport(ctx, "example.fi", res.Import.ID); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = s.ScanEvents(ctx, "example.fi", from, end, func(analytics.Event) error { n++; return nil })
	if err != nil || n != 0 {
		t.Errorf("%d events left after deleting the import (%v)", n, err)
	}
}
