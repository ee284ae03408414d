package plausible

import (
	"os"
	"testing"

	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/clickhouse/chtest/chstore"
)

// TestMain kills the ClickHouse servers the tests shared.
func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// TestRoundTripClickHouse is TestRoundTrip on ClickHouse: skipped without
// clickhouse-server, failed without it when CI=true.
func TestRoundTripClickHouse(t *testing.T) {
	srv := chtest.Shared(t)
	roundTrip(t, chstore.Opener(srv.DSN, srv), "export.zip")
}
