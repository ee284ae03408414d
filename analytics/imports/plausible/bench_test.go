package plausible

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/imports/internal/peakrss"
)

// BenchmarkImport3Years imports three years of daily aggregates for 1,000
// pages (1.1 M page rows, with the days' totals and entry pages) into an
// empty store. Target: ≤ 10 s.
func BenchmarkImport3Years(b *testing.B) {
	dir := b.TempDir()
	writeExport(b, false, func(name string) (io.Writer, func() error, error) {
		f, err := os.Create(filepath.Join(dir, name))
		return f, f.Close, err
	})
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		s := openStore(b, time.Now())
		b.StartTimer()
		res, err := Import(ctx, s, "example.fi", dir, imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Rows), "rows/op")
	}
}

// BenchmarkImportRSS imports a zip of three years for 1,000 pages, every
// table (1.5 M rows), in a child process and reports its peak resident
// memory. Target: ≤ 200 MB, whatever the file's size.
//
//	go test -run '^$' -bench ImportRSS -benchtime 1x -timeout 30m ./analytics/imports/plausible/
func BenchmarkImportRSS(b *testing.B) {
	if peakrss.Child() {
		s := openStore(b, time.Now())
		res, err := Import(ctx, s, "example.fi", os.Getenv("SELOSTE_BENCH_FILE"), imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d rows", res.Rows)
		return
	}
	path := filepath.Join(b.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	z := zip.NewWriter(f)
	writeExport(b, true, func(name string) (io.Writer, func() error, error) {
		w, err := z.Create(name)
		return w, func() error { return nil }, err
	})
	if err := z.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.ReportMetric(peakrss.Measure(b, "BenchmarkImportRSS", "SELOSTE_BENCH_FILE="+path), "peak-MB")
	}
}

// writeExport writes three years of the day's totals, 1,000 pages a day
// and 100 entry pages, through create; all adds the other tables.
func writeExport(b *testing.B, all bool, create func(name string) (io.Writer, func() error, error)) {
	const days, pages = 3 * 365, 1000
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	suffix := fmt.Sprintf("_%s_%s.csv", start.Format("20060102"), start.AddDate(0, 0, days-1).Format("20060102"))
	write := func(table, header string, row func(day string, w *bufio.Writer)) {
		f, closeFile, err := create(table + suffix)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		w.WriteString(header + "\n")
		for d := range days {
			row(start.AddDate(0, 0, d).Format(time.DateOnly), w)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := closeFile(); err != nil {
			b.Fatal(err)
		}
	}
	write("imported_visitors", `"date","visitors","pageviews","bounces","visits","visit_duration"`, func(day string, w *bufio.Writer) {
		fmt.Fprintf(w, "%q,%d,%d,%d,%d,%d\n", day, 900, 4000, 400, 1100, 90000)
	})
	write("imported_pages", `"date","hostname","page","visits","visitors","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range pages {
			fmt.Fprintf(w, "%q,\"example.fi\",\"/sivu/%04d\",%d,%d,%d\n", day, p, 3, 3, 4)
		}
	})
	write("imported_entry_pages", `"date","entry_page","visitors","entrances","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range 100 {
			fmt.Fprintf(w, "%q,\"/sivu/%04d\",%d,%d,%d,%d,%d\n", day, p, 3, 3, 100, 1, 4)
		}
	})
	if !all {
		return
	}
	write("imported_exit_pages", `"date","exit_page","visitors","visit_duration","exits","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range 100 {
			fmt.Fprintf(w, "%q,\"/sivu/%04d\",%d,%d,%d,%d,%d\n", day, p, 3, 100, 3, 1, 4)
		}
	})
	write("imported_sources", `"date","source","referrer","utm_source","utm_medium","utm_campaign","utm_content","utm_term","pageviews","visitors","visits","visit_duration","bounces"`, func(day string, w *bufio.Writer) {
		for p := range 100 {
			fmt.Fprintf(w, "%q,\"Lähde %d\",\"lahde%d.fi/polku\",\"\",\"\",\"\",\"\",\"\",%d,%d,%d,%d,%d\n", day, p, p, 4, 3, 3, 100, 1)
		}
	})
	write("imported_locations", `"date","country","region","city","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for p := range 20 {
			fmt.Fprintf(w, "%q,\"FI\",\"FI-%02d\",0,%d,%d,%d,%d,%d\n", day, p+1, 30, 35, 3000, 10, 140)
		}
	})
	write("imported_browsers", `"date","browser","browser_version","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for _, br := range []string{"Firefox", "Chrome", "Safari", "Edge"} {
			fmt.Fprintf(w, "%q,%q,\"(not set)\",%d,%d,%d,%d,%d\n", day, br, 225, 275, 22500, 100, 1000)
		}
	})
	write("imported_operating_systems", `"date","operating_system","operating_system_version","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for _, os := range []string{"Windows", "macOS", "Linux", "Android", "iOS"} {
			fmt.Fprintf(w, "%q,%q,\"(not set)\",%d,%d,%d,%d,%d\n", day, os, 180, 220, 18000, 80, 800)
		}
	})
	write("imported_devices", `"date","device","visitors","visits","visit_duration","bounces","pageviews"`, func(day string, w *bufio.Writer) {
		for _, d := range []string{"Desktop", "Mobile", "Tablet"} {
			fmt.Fprintf(w, "%q,%q,%d,%d,%d,%d,%d\n", day, d, 300, 366, 30000, 133, 1333)
		}
	})
	write("imported_custom_events", `"date","name","link_url","path","visitors","events"`, func(day string, w *bufio.Writer) {
		for p := range 10 {
			fmt.Fprintf(w, "%q,\"Outbound Link: Click\",\"https://example.org/%d\",\"\",%d,%d\n", day, p, 2, 3)
		}
	})
}
