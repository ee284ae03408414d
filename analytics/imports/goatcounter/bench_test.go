package goatcounter

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/imports/importbench"
)

// BenchmarkImport1M imports an export of 1,000,000 rows (a year of a
// site: 50 pages, sessions of one to five page views, a few bots and
// events, every event's name declared) into an empty store. Target: ≤ 60 s on 2 cores.
func BenchmarkImport1M(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "export.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	browsers := []string{"Firefox 133,Linux", "Chrome 131,Windows 10", "Safari 18.1,iOS 18.1", "Chrome 131,Android 14"}
	places := []string{"FI-18", "FI-11", "FI", "SE-AB", ""}
	for i := range rows {
		session := i / 3
		ts := start.Add(time.Duration(session)*30*time.Second + time.Duration(i%3)*2*time.Minute)
		event, bot := "false", 0
		switch {
		case i%97 == 0:
			event = "true"
		case i%89 == 0:
			bot = 1
		}
		ref, scheme := "", ""
		if i%3 == 0 && i%5 == 0 {
			ref, scheme = "https://duckduckgo.com/", "h"
		}
		fmt.Fprintf(w, "/sivu/%d,\"Otsikko, %d\",%s,,%s,s%d,%d,%s,%s,\"1920,1080,1\",%s,%t,%s\n",
			(i*7)%50, i%50, event, browsers[session%len(browsers)], session, bot, ref, scheme, places[session%len(places)], i%3 == 0, ts.Format(time.RFC3339))
	}
	w.Flush()
	f.Close()
	// An event row's path is its name: declare them all.
	var events analytics.EventConfig
	for i := range 50 {
		events.Events = append(events.Events, analytics.EventDef{Name: fmt.Sprintf("/sivu/%d", i)})
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		s := openStore(b)
		b.StartTimer()
		res, err := Import(ctx, s, "example.fi", path, events, imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.Events == 0 {
			b.Fatal("no event stored")
		}
		b.ReportMetric(float64(res.PageViews), "pageviews/op")
		b.ReportMetric(float64(res.Events), "events/op")
	}
}

// BenchmarkImportRSS imports a gzipped export of 5,000,000 rows
// (importbench.GoatCounter: a year and a half of a site, 1,000 pages) in a
// child process and reports its peak resident memory. Target: ≤ 200 MB,
// whatever the file's size. cmd/seloste's BenchmarkImportRSS measures the
// same through the command.
//
//	go test -run '^$' -bench ImportRSS -benchtime 1x -timeout 60m ./analytics/imports/goatcounter/
func BenchmarkImportRSS(b *testing.B) {
	if importbench.Child() {
		var events analytics.EventConfig
		for _, name := range importbench.GoatCounterEvents() {
			events.Events = append(events.Events, analytics.EventDef{Name: name})
		}
		s := openStore(b)
		res, err := Import(ctx, s, "example.fi", os.Getenv("SELOSTE_BENCH_FILE"), events, imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d page views, %d events, %d bot hits", res.PageViews, res.Events, res.Bots)
		return
	}
	path := filepath.Join(b.TempDir(), "export.csv.gz")
	if err := writeGzip(path, func(w io.Writer) error { return importbench.GoatCounter(w, 5_000_000, 1000) }); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.ReportMetric(importbench.Measure(b, "BenchmarkImportRSS", "SELOSTE_BENCH_FILE="+path), "peak-MB")
	}
}

// writeGzip writes path gzipped with what write writes.
func writeGzip(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	z := gzip.NewWriter(f)
	err = write(z)
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
