package goatcounter

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/imports/internal/peakrss"
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

// BenchmarkImportRSS imports a gzipped export of 5,000,000 rows (a year and a
// half of a site: 1,000 pages, sessions of one to five page views, referrers, a
// few bots and events) in a child process and reports its peak resident
// memory. Target: ≤ 200 MB, whatever the file's size.
//
//	go test -run '^$' -bench ImportRSS -benchtime 1x -timeout 60m ./analytics/imports/goatcounter/
func BenchmarkImportRSS(b *testing.B) {
	if peakrss.Child() {
		s := openStore(b)
		res, err := Import(ctx, s, "example.fi", os.Getenv("SELOSTE_BENCH_FILE"), benchEvents(), imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d page views, %d events, %d bot hits", res.PageViews, res.Events, res.Bots)
		return
	}
	const rows = 5_000_000
	path := filepath.Join(b.TempDir(), "export.csv.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	z := gzip.NewWriter(f)
	w := bufio.NewWriter(z)
	writeExport(w, rows, 1000)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
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

// benchEvents declares every event name writeExport writes.
func benchEvents() analytics.EventConfig {
	var events analytics.EventConfig
	for i := range 50 {
		events.Events = append(events.Events, analytics.EventDef{Name: fmt.Sprintf("/sivu/%d", i)})
	}
	return events
}

// writeExport writes an export of rows rows over pages paths, nearly in
// time order as GoatCounter exports (by hit id): sessions of one to five
// page views a minute apart, a new session every 30 seconds.
func writeExport(w io.Writer, rows, pages int) {
	fmt.Fprintln(w, strings.Join(Header, ","))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	browsers := []string{"Firefox 133,Linux", "Chrome 131,Windows 10", "Safari 18.1,iOS 18.1", "Chrome 131,Android 14"}
	places := []string{"FI-18", "FI-11", "FI", "SE-AB", ""}
	refs := []string{",", "https://duckduckgo.com/?q=x,h", "https://www.google.fi/,h", "Hacker News,g", "newsletter,c"}
	// Session s starts at s*30 s and has 1 + s%5 views, one a minute.
	type open struct{ session, left, next int }
	var live []open
	session, t := 0, 0
	for i := 0; i < rows; {
		for len(live) == 0 || live[0].next > t {
			live = append(live, open{session: session, left: 1 + session%5, next: t})
			session++
			t += 30
		}
		o := &live[0]
		ts := start.Add(time.Duration(o.next) * time.Second).Format(time.RFC3339)
		event, bot := "false", 0
		switch {
		case i%97 == 0:
			event = "true"
		case i%89 == 0:
			bot = 1
		}
		path := fmt.Sprintf("/sivu/%d", (i*7)%pages)
		if event == "true" {
			path = fmt.Sprintf("/sivu/%d", i%50)
		}
		ref := ","
		if o.left == 1+o.session%5 {
			ref = refs[o.session%len(refs)]
		}
		fmt.Fprintf(w, "%s,\"Otsikko, %d\",%s,,%s,%016x,%d,%s,\"1920,1080,1\",%s,%t,%s\n",
			path, i%50, event, browsers[o.session%len(browsers)], o.session*2654435761, bot, ref, places[o.session%len(places)], o.left == 1+o.session%5, ts)
		i++
		o.left--
		o.next += 60
		first := *o
		live = live[1:]
		if first.left > 0 {
			// Keep live ordered by next: insert where it belongs.
			j := len(live)
			for j > 0 && live[j-1].next > first.next {
				j--
			}
			live = append(live, open{})
			copy(live[j+1:], live[j:])
			live[j] = first
		}
	}
}
