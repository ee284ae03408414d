package plausible

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestMain kills the ClickHouse servers the tests shared.
func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// TestRoundTripClickHouse is TestRoundTrip on ClickHouse: skipped without
// clickhouse-server, failed without it when CI=true.
func TestRoundTripClickHouse(t *testing.T) {
	srv := chtest.Shared(t)
	roundTrip(t, func(t *testing.T, now time.Time) storetest.Engine {
		cfg, err := clickhouse.ParseDSN(srv.DSN(chtest.Database(t, srv)))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Now = func() time.Time { return now }
		s, err := clickhouse.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, "export.zip")
}
