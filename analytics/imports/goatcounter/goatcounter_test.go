package goatcounter

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
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
			res, err := Import(ctx, s, "example.fi", path, imports.DefaultLimits, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.PageViews != 9 || res.Bots != 1 || res.Events != 1 || !strings.Contains(res.Import.Summary, "1 event rows skipped") {
				t.Errorf("result %+v", res)
			}
			r := report(t, s)
			if tt := r.Totals; tt.PageViews != 9 || tt.Visitors != 6 || tt.Visits != 7 || tt.Bots != 1 {
				t.Errorf("totals %+v, want 9 page views, 6 visitors, 7 visits, 1 bot", tt)
			}
			for d, want := range map[analytics.Dimension]map[string]int64{
				analytics.DimReferrer:  {"duckduckgo.com": 1, "": 3, "news.ycombinator.com": 1, "Hacker News": 2},
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
			again, err := Import(ctx, s, "example.fi", path, imports.DefaultLimits, nil)
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
			_, err := Import(ctx, s, "example.fi", path, small, nil)
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
