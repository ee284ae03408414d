// Package chstore opens ClickHouse stores for tests, each on a new
// database of chtest's servers. It stands apart from chtest because the
// clickhouse package's own tests import chtest, which therefore cannot
// import clickhouse.
package chstore

import (
	"context"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/storetest"
)

// Open opens a store on a new database of servers, reached through dsn
// (a server's DSN, or a cluster's), its clock at now; the test closes it.
func Open(t *testing.T, now time.Time, dsn func(db string) string, servers ...*chtest.Server) *clickhouse.Store {
	t.Helper()
	cfg, err := clickhouse.ParseDSN(dsn(chtest.Database(t, servers...)))
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
}

// Opener is Open as the shared suite takes it.
func Opener(dsn func(db string) string, servers ...*chtest.Server) storetest.Opener {
	return func(t *testing.T, now time.Time) storetest.Engine { return Open(t, now, dsn, servers...) }
}
