package plausible

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/imports"
)

// BenchmarkImport3Years imports three years of daily aggregates for 1,000
// pages (1.1 M page rows, with the days' totals and entry pages) into an
// empty store. Target: ≤ 10 s.
func BenchmarkImport3Years(b *testing.B) {
	dir := b.TempDir()
	const days, pages = 3 * 365, 1000
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	suffix := fmt.Sprintf("_%s_%s.csv", start.Format("20060102"), start.AddDate(0, 0, days-1).Format("20060102"))
	write := func(table, header string, row func(day string, w *bufio.Writer)) {
		f, err := os.Create(filepath.Join(dir, table+suffix))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		w.WriteString(header + "\n")
		for d := range days {
			row(start.AddDate(0, 0, d).Format(time.DateOnly), w)
		}
		w.Flush()
		f.Close()
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
