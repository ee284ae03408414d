package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// benchGenVersion names the cached benchmark database; bump it when the
// generator or the schema changes so that a stale file is not reused.
const benchGenVersion = 3

// benchStore opens the benchmark database: SELOSTE_BENCH_PAGEVIEWS page
// views (default 10 million) over the 365 days of 2025 on one site, made
// once by the seeded generator and cached in the user's cache directory
// (or SELOSTE_BENCH_DIR), with rollups built. The clock is noon of the last
// day, so that day is "today" and read live from the raw rows.
func benchStore(b *testing.B) (*Store, time.Time) {
	s, now, _, _ := benchStoreConfig(b)
	return s, now
}

// benchStoreConfig is benchStore that also returns the generator's
// configuration and the cache directory.
func benchStoreConfig(b *testing.B) (*Store, time.Time, storetest.Config, string) {
	b.Helper()
	n := 10_000_000
	if v := os.Getenv("SELOSTE_BENCH_PAGEVIEWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("SELOSTE_BENCH_PAGEVIEWS=%q: want a number >= 1000", v)
		}
	}
	dir := os.Getenv("SELOSTE_BENCH_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			b.Fatal(err)
		}
		dir = filepath.Join(cache, "seloste-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	cfg := storetest.Config{
		Seed:     1,
		Sites:    []string{"example.fi"},
		Start:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Days:     365,
		People:   max(n/200, 100),
		Visits:   max(n*3/365/8, 10), // about 2.67 page views per visit
		Paths:    2000,
		BotShare: 20,
		Variety:  500,
	}
	now := time.Date(2025, 12, 31, 12, 0, 0, 0, hel)
	path := filepath.Join(dir, fmt.Sprintf("bench-v%d-%d.db", benchGenVersion, n))
	if _, err := os.Stat(path); err != nil {
		b.Logf("generating %d page views into %s (once; cached)", n, path)
		start := time.Now()
		tmp := path + ".tmp"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		s, err := Open(context.Background(), tmp, WithClock(func() time.Time { return now }))
		if err != nil {
			b.Fatal(err)
		}
		var appendErr error
		total := 0
		storetest.GenerateFunc(cfg, func(day storetest.Events) {
			if appendErr == nil {
				total += len(day.PageViews)
				appendErr = s.Append(context.Background(), analytics.Batch{PageViews: day.PageViews, Leaves: day.Leaves, Bots: day.Bots})
			}
		})
		if appendErr != nil {
			b.Fatal(appendErr)
		}
		b.Logf("stored %d page views in %s", total, time.Since(start).Round(time.Second))
		if err := s.Maintain(context.Background(), hel); err != nil {
			b.Fatal(err)
		}
		b.Logf("rolled up in %s", time.Since(start).Round(time.Second))
		if _, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		s.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		os.Remove(tmp + "-wal")
		os.Remove(tmp + "-shm")
	}
	s, err := Open(context.Background(), path, MustExist(), WithClock(func() time.Time { return now }), WithProgress(os.Stderr))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	// A schema change may have dropped the rollups: rebuild them before
	// timing anything.
	start := time.Now()
	if err := s.Maintain(context.Background(), hel); err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("rebuilt rollups in %s", d.Round(time.Second))
	}
	return s, now, cfg, dir
}

// BenchmarkReportEvents measures a 365-day report that also counts 5 goals
// (two event goals, three page goals, one of them "/**") and a 3-step
// funnel, on a copy of the benchmark database with one event for about
// every third page view added (the generator's events, on their own random
// stream, so the page views are the same), and the same report with a
// goal filter over 30 and 365 days:
//
//	go test -run '^$' -bench ReportEvents -benchtime 5x -timeout 60m ./analytics/sqlite/
func BenchmarkReportEvents(b *testing.B) {
	base, now, cfg, dir := benchStoreConfig(b)
	path := filepath.Join(dir, fmt.Sprintf("bench-v%d-events-%d.db", benchGenVersion, cfg.People))
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		os.Remove(tmp)
		if _, err := base.db.Exec(`VACUUM INTO ?`, tmp); err != nil {
			b.Fatal(err)
		}
		s, err := Open(context.Background(), tmp, MustExist(), WithClock(func() time.Time { return now }))
		if err != nil {
			b.Fatal(err)
		}
		cfg.EventShare = 3
		var appendErr error
		total := 0
		storetest.GenerateFunc(cfg, func(day storetest.Events) {
			if appendErr == nil && len(day.Events) > 0 {
				total += len(day.Events)
				appendErr = s.Append(context.Background(), analytics.Batch{Events: day.Events})
			}
		})
		if appendErr != nil {
			b.Fatal(appendErr)
		}
		b.Logf("added %d events", total)
		if err := s.Maintain(context.Background(), hel); err != nil {
			b.Fatal(err)
		}
		s.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		os.Remove(tmp + "-wal")
		os.Remove(tmp + "-shm")
	}
	s, err := Open(context.Background(), path, MustExist(), WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	goals := storetest.EventConfig.Goals[:5]
	funnel := analytics.Funnel{Name: "Tarjouspolku", Steps: []string{"/", "/hinnasto", "Tarjouspyyntö"}}
	// As seloste serve does with the configured goals: the finished days'
	// parts are kept by the background maintenance (minutes, once).
	s.KeepEventDays(goals, []analytics.Funnel{funnel})
	start := time.Now()
	if err := s.Maintain(context.Background(), hel); err != nil {
		b.Fatal(err)
	}
	b.Logf("maintenance (rollups and kept event days): %v", time.Since(start).Round(time.Millisecond))
	today := analytics.Midnight(now, hel)
	// The goal filter (goal=) reads the packed days' visit ids and the
	// conversions and parts the maintenance kept per goal.
	for _, c := range []struct {
		name string
		days int
		goal string
	}{
		{"365d", 365, ""},
		{"30d goal filter", 30, "Tarjouspyyntö"},
		{"365d goal filter", 365, "Tarjouspyyntö"},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := analytics.Query{Site: "example.fi", From: today.AddDate(0, 0, 1-c.days), To: today, Zone: hel, Limit: 10,
				Goals: goals, Funnels: []analytics.Funnel{funnel}, Goal: c.goal}
			r := benchReports(b, s, q)
			var events int64
			for _, e := range r.Events {
				events += e.Events
			}
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(float64(r.Totals.PageViews), "pageviews")
			b.ReportMetric(float64(len(r.Funnels[0].Steps)), "funnel-steps")
		})
	}
}

// BenchmarkReport measures whole reports (totals, previous period, series,
// all 13 breakdowns, realtime) on the benchmark database:
//
//	go test -run '^$' -bench Report -benchtime 10x -timeout 60m ./analytics/sqlite/
//
// The first run generates and caches the database (about 7 minutes).
func BenchmarkReport(b *testing.B) {
	s, now := benchStore(b)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	today := analytics.Midnight(now, hel)
	cases := []struct {
		name    string
		days    int
		filters []analytics.Filter
	}{
		{"30d", 30, nil},
		{"7d", 7, nil},
		{"today", 1, nil},
		{"365d", 365, nil},
		{"30d filter page", 30, []analytics.Filter{{Dim: analytics.DimPage, Value: "/hinnasto"}}},
		{"30d filter country", 30, []analytics.Filter{{Dim: analytics.DimCountry, Value: "SE"}}},
		{"30d filter entry page", 30, []analytics.Filter{{Dim: analytics.DimEntryPage, Value: "/"}}},
		{"30d filter channel", 30, []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelOrganicSearch}}},
		{"365d filter page", 365, []analytics.Filter{{Dim: analytics.DimPage, Value: "/hinnasto"}}},
		{"365d filter country", 365, []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}},
		{"365d filter entry page", 365, []analytics.Filter{{Dim: analytics.DimEntryPage, Value: "/"}}},
		{"365d filter channel", 365, []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelOrganicSearch}}},
		{"365d filter browser", 365, []analytics.Filter{{Dim: analytics.DimBrowser, Value: "Safari"}}},
		{"365d filter referrer", 365, []analytics.Filter{{Dim: analytics.DimReferrer, Value: "duckduckgo.com"}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			q := analytics.Query{Site: "example.fi", From: today.AddDate(0, 0, 1-c.days), To: today, Zone: hel, Filters: c.filters, Limit: 10}
			r := benchReports(b, s, q)
			b.ReportMetric(float64(r.Totals.PageViews), "pageviews")
		})
	}
}

// BenchmarkPageTrends measures the dashboard's trends of the Pages table's
// ten rows (PageTrends, one pass over the days), to set against Report's
// "filter page" cases, one of which each row would cost on its own:
//
//	go test -run '^$' -bench 'PageTrends|Report/(30d|365d)(_filter_page)?$' -benchtime 10x -timeout 60m ./analytics/sqlite/
func BenchmarkPageTrends(b *testing.B) {
	s, now := benchStore(b)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	today := analytics.Midnight(now, hel)
	for _, days := range []int{30, 365} {
		b.Run(fmt.Sprintf("%dd", days), func(b *testing.B) {
			q := analytics.Query{Site: "example.fi", From: today.AddDate(0, 0, 1-days), To: today, Zone: hel, Limit: 10}
			r, err := s.Report(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			var paths []string
			for _, row := range r.Breakdowns[analytics.DimPage] {
				if row.Value != analytics.Other {
					paths = append(paths, row.Value)
				}
			}
			cpu := cpuTime()
			for b.Loop() {
				if _, err := s.PageTrends(context.Background(), q, paths); err != nil {
					b.Fatal(err)
				}
			}
			if cpu > 0 {
				b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
			}
			b.ReportMetric(float64(len(paths)), "pages")
		})
	}
}

// benchReports measures s's reports of q, with the CPU they take, and
// returns the last. The first report after start reads today's page views
// once (live.go): it is made before the clock starts.
func benchReports(b *testing.B, s *Store, q analytics.Query) *analytics.Report {
	b.Helper()
	r, err := s.Report(context.Background(), q)
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		if r, err = s.Report(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	if cpu > 0 {
		b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
	return r
}

// BenchmarkStorage reports the bytes per page view of the benchmark
// database, raw records and derived data apart (SQLite's dbstat):
//
//	go test -run '^$' -bench 'Storage$' -benchtime 1x -timeout 60m ./analytics/sqlite/
func BenchmarkStorage(b *testing.B) {
	s, _ := benchStore(b)
	reportStorage(b, s.db)
}

// BenchmarkStorageTrackerIDs is BenchmarkStorage on a compacted copy of
// the benchmark database whose page view ids are rewritten as s.js makes
// them (storetest.TrackerID; the generator's 8-character ones compress to
// a fraction of a real one):
//
//	go test -run '^$' -bench StorageTrackerIDs -benchtime 1x -timeout 60m ./analytics/sqlite/
func BenchmarkStorageTrackerIDs(b *testing.B) {
	s, now := benchStore(b)
	registerTrackerID.Do(func() {
		registerErr = sqlite.RegisterDeterministicScalarFunction("tracker_id", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			id, ok := args[0].(string)
			if !ok {
				return nil, fmt.Errorf("tracker_id: want a text, got %T", args[0])
			}
			return storetest.TrackerID(id), nil
		})
	})
	if registerErr != nil {
		b.Fatal(registerErr)
	}
	path := filepath.Join(b.TempDir(), "tracker-ids.db")
	start := time.Now()
	if _, err := s.db.Exec(`VACUUM INTO ?`, path); err != nil {
		b.Fatal(err)
	}
	c, err := Open(context.Background(), path, MustExist(), WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	raw, derived, n := storageBytes(b, c.db)
	b.Logf("the compacted copy, ids as generated: %.1f B a page view (raw %.1f B, derived %.1f B)",
		float64(raw+derived)/float64(n), float64(raw)/float64(n), float64(derived)/float64(n))
	for _, q := range []string{
		`UPDATE pageviews SET pageview_id = tracker_id(pageview_id)`,
		`UPDATE leaves SET pageview_id = tracker_id(pageview_id)`,
		`VACUUM`,
	} {
		if _, err := c.db.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	b.Logf("copied and rewrote the ids in %s", time.Since(start).Round(time.Second))
	reportStorage(b, c.db)
}

var (
	registerTrackerID sync.Once
	registerErr       error
)

// reportStorage reports the bytes per page view of db, raw records and
// derived data apart.
func reportStorage(b *testing.B, db *sql.DB) {
	var raw, derived, n int64
	for b.Loop() {
		raw, derived, n = storageBytes(b, db)
	}
	b.ReportMetric(float64(raw)/float64(n), "raw-B/pageview")
	b.ReportMetric(float64(derived)/float64(n), "derived-B/pageview")
	b.ReportMetric(float64(raw+derived)/float64(n), "B/pageview")
}

// storageBytes returns the bytes of db's raw records and of its derived
// data (SQLite's dbstat), and its number of page views.
func storageBytes(b *testing.B, db *sql.DB) (raw, derived, pageviews int64) {
	rows, err := db.Query(`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			name string
			size int64
		)
		if err := rows.Scan(&name, &size); err != nil {
			b.Fatal(err)
		}
		if IsDerived(name) || strings.HasPrefix(name, "sqlite_autoindex_rollup") {
			derived += size
		} else {
			raw += size
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM pageviews`).Scan(&pageviews); err != nil {
		b.Fatal(err)
	}
	return raw, derived, pageviews
}
