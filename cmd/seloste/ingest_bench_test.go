package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/collect/loadgen"
)

// BenchmarkIngestServe is the ingest benchmark of analytics/collect
// against seloste serve processes, as a site runs them: one on a SQLite
// file, one on a ClickHouse server, and two on one ClickHouse database
// (the connections alternate between them, and each sends its own
// visitors to one, as the README's consistent hash does). Every process
// has the store's default batch and queue sizes. A run ends when every
// accepted page view can be counted in the store; the CPU of the serve
// processes and of the ClickHouse server is reported apart:
//
//	go test -run '^$' -bench IngestServe -benchtime 300000x -count 3 ./cmd/seloste/
func BenchmarkIngestServe(b *testing.B) {
	for _, engine := range []struct {
		name       string
		collectors int
		clickhouse bool
	}{{"sqlite", 1, false}, {"clickhouse", 1, true}, {"clickhouse-two", 2, true}} {
		b.Run(engine.name, func(b *testing.B) {
			root := b.TempDir()
			dsn := filepath.Join(root, "seloste.db")
			var server *chtest.Server
			if engine.clickhouse {
				server = chtest.Start(b)
				dsn = server.DSN(chtest.Database(b, server))
			}
			ingestServe(b, root, dsn, engine.collectors, server)
		})
	}
}

func ingestServe(b *testing.B, root, dsn string, collectors int, clickhouse *chtest.Server) {
	public := filepath.Join(root, "public")
	city := filepath.Join(root, "city.mmdb")
	if err := os.MkdirAll(public, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(city, geoFixture(b, "GeoLite2-City", "bench", "18", "Espoo"), 0o644); err != nil {
		b.Fatal(err)
	}
	var serves []*server
	var addrs []string
	for i := range collectors {
		s := startServe(b, "-site", "example.fi", "-db", dsn, "-public", public, "-geoip", city,
			"-build-notice=false", "-auth", filepath.Join(root, fmt.Sprintf("%d.auth", i)), "-trust-proxy", "127.0.0.1/32")
		serves = append(serves, s)
		addrs = append(addrs, s.url[len("http://"):])
	}
	st, err := openStore(context.Background(), dsn, true, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	records := st.(analytics.RecordScanner)

	uas := []string{testUA, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
	load := loadgen.Config{Addrs: addrs, N: int64(b.N), Request: func(conn int, i int64) loadgen.Request {
		// 256 visitors, each one collector's (conn%collectors).
		visitor := (i%int64(256/collectors))*int64(collectors) + int64(conn%collectors)
		return loadgen.Request{
			Body:         fmt.Sprintf(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p/%d?utm_source=bench","referrer":"https://duckduckgo.com/","pageview":"b%d"}`, i%500, i),
			ForwardedFor: fmt.Sprintf("91.152.%d.1", visitor),
			UserAgent:    uas[conn%2],
		}
	}}
	cpu := func() (serve, db time.Duration) {
		for _, s := range serves {
			serve += loadgen.ProcessCPU(s.cmd.Process.Pid)
		}
		if clickhouse != nil {
			db = loadgen.ProcessCPU(clickhouse.PID())
		}
		return serve, db
	}

	b.ResetTimer()
	start := time.Now()
	serveCPU0, dbCPU0 := cpu()
	res, err := loadgen.Run(load)
	if err != nil {
		b.Fatal(err)
	}
	// Stored is what a report can count: poll until all of it is.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		n, err := records.CountRecords(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if n == res.Accepted {
			break
		}
		if n > res.Accepted || time.Now().After(deadline) {
			b.Fatalf("accepted %d page views, the store has %d", res.Accepted, n)
		}
	}
	elapsed := time.Since(start)
	serveCPU, dbCPU := cpu()
	b.StopTimer()
	for _, s := range serves {
		if err := s.stop(b, syscall.SIGTERM); err != nil {
			b.Errorf("serve: %v\n%s", err, s.stderr)
		}
	}

	if res.Refused > 0 {
		b.Logf("%d of %d refused with 503 (queue full)", res.Refused, b.N)
	}
	b.ReportMetric(float64(res.Accepted)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(res.Refused), "refused")
	b.ReportMetric(float64(res.Latency.Quantile(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64((serveCPU-serveCPU0).Microseconds())/float64(res.Accepted), "serve-cpu-µs/event")
	if clickhouse != nil {
		b.ReportMetric(float64((dbCPU-dbCPU0).Microseconds())/float64(res.Accepted), "server-cpu-µs/event")
	}
}
