package clickhouse_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/collect/loadgen"
	"github.com/seloste/seloste/analytics/storetest"
)

// benchVersion names the cached benchmark database; bump it when the
// generator or the schema changes. (2: page view ids as s.js makes them;
// 3: ts numbered within the second.)
const benchVersion = 3

// benchStore opens the benchmark data set of analytics/sqlite's benchmark
// (SELOSTE_BENCH_PAGEVIEWS page views, default 10 M, over 2025 on one
// site, the same seeded generator) on a server of its own whose data is
// kept in the user's cache directory (or SELOSTE_BENCH_DIR) between runs.
func benchStore(b *testing.B) (*clickhouse.Store, *chtest.Server, string, time.Time) {
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
	srv := chtest.StartIn(b, filepath.Join(dir, "clickhouse"))
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
	db := fmt.Sprintf("bench_v%d_%d", benchVersion, n)
	open := func() *clickhouse.Store {
		s, err := clickhouse.Open(context.Background(), clickhouse.Config{Addr: srv.TCP, Database: db, Now: func() time.Time { return now },
			MaxExecutionTime: 10 * time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	// A data set is complete once its marker table exists.
	if _, err := srv.Count(db + ".bench_complete"); err != nil {
		b.Logf("generating %d page views into database %s (once; kept in %s)", n, db, dir)
		if err := srv.Query("DROP DATABASE IF EXISTS " + db); err != nil {
			b.Fatal(err)
		}
		s := open()
		start := time.Now()
		total := 0
		var appendErr error
		storetest.GenerateFunc(cfg, func(day storetest.Events) {
			if appendErr == nil {
				total += len(day.PageViews)
				for i := range day.PageViews {
					day.PageViews[i].ID = storetest.TrackerID(day.PageViews[i].ID)
				}
				for i := range day.Leaves {
					day.Leaves[i].PageView = storetest.TrackerID(day.Leaves[i].PageView)
				}
				appendErr = s.Append(context.Background(), analytics.Batch{PageViews: day.PageViews, Leaves: day.Leaves, Bots: day.Bots})
			}
		})
		if appendErr != nil {
			b.Fatal(appendErr)
		}
		b.Logf("stored %d page views in %s", total, time.Since(start).Round(time.Second))
		for _, table := range clickhouse.RawTables {
			if err := srv.Query("OPTIMIZE TABLE " + db + "." + table + " FINAL"); err != nil {
				b.Fatal(err)
			}
		}
		if err := srv.Query("CREATE TABLE " + db + ".bench_complete (done UInt8) ENGINE = TinyLog"); err != nil {
			b.Fatal(err)
		}
		b.Logf("merged in %s", time.Since(start).Round(time.Second))
	}
	s := open()
	// The settled months and the rollups of the finished days, as serve's
	// maintenance keeps them (the first run settles and builds them all).
	start := time.Now()
	if err := s.Maintain(context.Background(), hel); err != nil {
		b.Fatal(err)
	}
	b.Logf("maintained in %s", time.Since(start).Round(100*time.Millisecond))
	return s, srv, db, now
}

// BenchmarkReport measures whole reports (totals, previous period, series,
// every breakdown, realtime), computed by the server, on the benchmark
// data set:
//
//	go test -run '^$' -bench Report -benchtime 5x -timeout 60m ./analytics/clickhouse/
//
// The first run generates and keeps the data set (a few minutes).
func BenchmarkReport(b *testing.B) {
	s, srv, _, now := benchStore(b)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	today := analytics.Midnight(now, hel)
	for _, c := range []struct {
		name    string
		days    int
		filters []analytics.Filter
	}{
		{"30d", 30, nil},
		{"365d", 365, nil},
		{"30d filter country", 30, []analytics.Filter{{Dim: analytics.DimCountry, Value: "SE"}}},
		{"365d filter page", 365, []analytics.Filter{{Dim: analytics.DimPage, Value: "/hinnasto"}}},
		{"365d filter country", 365, []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}},
		{"365d filter entry page", 365, []analytics.Filter{{Dim: analytics.DimEntryPage, Value: "/"}}},
		{"365d filter channel", 365, []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelOrganicSearch}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := analytics.Query{Site: "example.fi", From: today.AddDate(0, 0, 1-c.days), To: today, Zone: hel, Filters: c.filters, Limit: 10}
			var r *analytics.Report
			// The server's CPU time: steadier than the wall clock on a
			// shared machine.
			cpu := loadgen.ProcessCPU(srv.PID())
			for b.Loop() {
				var err error
				if r, err = s.Report(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Totals.PageViews), "pageviews")
			b.ReportMetric(float64((loadgen.ProcessCPU(srv.PID())-cpu).Milliseconds())/float64(b.N), "server-cpu-ms/op")
		})
	}
}

// BenchmarkStorage reports the bytes on disk per page view of the
// benchmark data set, merged: of the raw records, and of the rollups
// (derived). Its clock is on 31 December: every month but December has
// settled, so a month of leaves is kept, nearly the most a store keeps (a
// month and a day).
//
//	go test -run '^$' -bench Storage -benchtime 1x -timeout 60m ./analytics/clickhouse/
func BenchmarkStorage(b *testing.B) {
	_, srv, db, _ := benchStore(b)
	for _, table := range slices.Concat(clickhouse.RawTables, clickhouse.DerivedTables) {
		if err := srv.Query("OPTIMIZE TABLE " + db + "." + table + " FINAL"); err != nil {
			b.Fatal(err)
		}
	}
	bytes := func(tables []string) int {
		n, err := srv.Int("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '" + db + "' AND active AND has(['" + strings.Join(tables, "', '") + "'], table)")
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	var raw, derived, n int
	for b.Loop() {
		raw, derived = bytes(clickhouse.RawTables), bytes(clickhouse.DerivedTables)
		var err error
		if n, err = srv.Count(db + ".pageviews"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(raw)/float64(n), "raw-B/pageview")
	b.ReportMetric(float64(derived)/float64(n), "derived-B/pageview")
	// Of the raw bytes, the settled flags' (flags.go).
	flags, err := srv.Int("SELECT toInt64(sum(data_compressed_bytes)) FROM system.columns WHERE database = '" + db + "' AND table = 'pageviews' AND name = 'flags'")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(flags)/float64(n), "flags-B/pageview")
	b.ReportMetric(float64(n), "pageviews")
}

// BenchmarkMaintain measures the first build of every day's rollups of the
// benchmark data set (what serve's maintenance does once on a store that
// has none; afterwards it builds a day a day):
//
//	go test -run '^$' -bench Maintain -benchtime 1x -timeout 60m ./analytics/clickhouse/
func BenchmarkMaintain(b *testing.B) {
	s, srv, db, _ := benchStore(b)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	for b.Loop() {
		b.StopTimer()
		for _, table := range clickhouse.DerivedTables[:2] {
			for m := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC); m.Year() < 2026; m = m.AddDate(0, 1, 0) {
				if err := srv.Query("ALTER TABLE " + db + "." + table + " DROP PARTITION " + m.Format("200601")); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		if err := s.Maintain(context.Background(), hel); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend appends the generator's page views in batches of
// several sizes, as a collector does (records of the last hour, so no
// rollup marks), into a fresh database of a server of its own, and reports
// the rate and the CPU the server spends per page view, which on one
// machine it takes from the collector:
//
//	go test -run '^$' -bench Append -benchtime 200000x ./analytics/clickhouse/
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{2000, 10000, 50000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			srv := chtest.Start(b)
			db := chtest.Database(b, srv)
			// The generator's day, as if it were the last hour.
			day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
			s, err := clickhouse.Open(context.Background(), clickhouse.Config{Addr: srv.TCP, Database: db,
				Now: func() time.Time { return day }})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var pvs []analytics.PageView
			storetest.GenerateFunc(storetest.Config{Seed: 1, Sites: []string{"example.fi"}, Start: day,
				Days: 1, People: 1000, Visits: b.N / 2, Paths: 2000, Variety: 500}, func(day storetest.Events) {
				pvs = append(pvs, day.PageViews...)
			})
			for i := range pvs {
				pvs[i].ID = storetest.TrackerID(pvs[i].ID) // as the benchmark data set's
			}
			b.ResetTimer()
			cpu0 := loadgen.ProcessCPU(srv.PID())
			start := time.Now()
			rows := 0
			for at := 0; at < len(pvs) && at < b.N; at += size {
				batch := analytics.Batch{PageViews: pvs[at:min(at+size, len(pvs), b.N)]}
				if err := s.Append(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				rows += len(batch.PageViews)
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(rows)/elapsed.Seconds(), "pageviews/s")
			b.ReportMetric(float64((loadgen.ProcessCPU(srv.PID())-cpu0).Microseconds())/float64(rows), "server-cpu-µs/pageview")
		})
	}
}

// BenchmarkPageViewIDStorage is the bytes a page view id takes on disk
// (zstd, merged), per row of 1 M ids in random order as they lie in
// pageviews and leaves: s.js's 64 random bits in decimal, its earlier 128
// bits, and the benchmark generator's short sequential ids, which made
// BenchmarkStorage's data set 1 understate real traffic (storetest.TrackerID):
//
//	go test -run '^$' -bench PageViewIDStorage -benchtime 1x ./analytics/clickhouse/
func BenchmarkPageViewIDStorage(b *testing.B) {
	srv := chtest.Start(b)
	db := chtest.Database(b, srv)
	const rows = 1_000_000
	for b.Loop() {
		for _, q := range []string{
			"CREATE DATABASE IF NOT EXISTS " + db,
			"DROP TABLE IF EXISTS " + db + ".ids",
			"CREATE TABLE " + db + ".ids (k UInt64, bits64 String, bits128 String, generator String) ENGINE = MergeTree ORDER BY k",
			fmt.Sprintf(`INSERT INTO %s.ids SELECT rand64(1), concat(toString(rand(2)), toString(rand(3))),
				concat(toString(rand(4)), toString(rand(5)), toString(rand(6)), toString(rand(7))), concat('pv', toString(number))
				FROM numbers(%d)`, db, rows),
			"OPTIMIZE TABLE " + db + ".ids FINAL",
		} {
			if err := srv.Query(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, col := range []string{"bits64", "bits128", "generator"} {
		n, err := srv.Int(fmt.Sprintf("SELECT toUInt64(sum(data_compressed_bytes)) FROM system.columns WHERE database = '%s' AND table = 'ids' AND name = '%s'", db, col))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/rows, col+"-B/row")
	}
}
