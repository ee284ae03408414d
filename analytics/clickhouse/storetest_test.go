package clickhouse_test

import (
	"os"
	"testing"

	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/clickhouse/chtest/chstore"
	"github.com/seloste/seloste/analytics/storetest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// opener opens a store on a new database of servers, through dsn.
var opener = chstore.Opener

// TestKnownAnswers runs the engine-neutral known-answer tests against one
// server.
//
// Every statement the stores send is checked against the SQL checklist of
// constructs that differ between ClickHouse 18.16 and current releases
// (compat_test.go) as it is sent.
func TestKnownAnswers(t *testing.T) {
	t.Parallel()
	srv := chtest.Shared(t)
	t.Logf("ClickHouse %s", srv.Version)
	t.Cleanup(func() {
		if clickhouse.CheckedStatements() == 0 {
			t.Error("no statement was checked against the SQL checklist: compat_test.go's statementCheck is not installed")
		}
	})
	storetest.Run(t, opener(srv.DSN, srv))
}

// TestKnownAnswersCluster runs the capabilities against a cluster of two
// shards: purge, salts, open visits, sites, erasure, events of a visitor,
// imported aggregates and records, each checking every report case after
// each step, at the clock with both finished days and a live today (so
// through both the rollups and the raw rows). The whole suite (three
// clocks of reports, late records, bad queries) and the other capability
// clock run on one server only: on the cluster they would double the
// package's time on a 2-core machine for SQL that is the same.
func TestKnownAnswersCluster(t *testing.T) {
	t.Parallel()
	c := chtest.SharedCluster(t)
	t.Logf("ClickHouse %s, %d shards", c.Shards[0].Version, len(c.Shards))
	storetest.RunCapabilitiesAt(t, opener(c.DSN, c.Shards...), "middle")
}
