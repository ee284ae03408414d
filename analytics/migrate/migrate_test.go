package migrate_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/migrate"
	"github.com/seloste/seloste/analytics/sqlite"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestSQLiteToClickHouseAndBack copies the known-answer data set from a
// SQLite file whose visible times are settled (folded into the page views)
// into ClickHouse and from there into a new SQLite file: every known
// answer holds on each side.
func TestSQLiteToClickHouseAndBack(t *testing.T) {
	ctx := context.Background()
	now := storetest.Small.Start.AddDate(0, 3, 0)
	clock := func() time.Time { return now }
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	ev := storetest.Generate(storetest.Small)

	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"), sqlite.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, b := range ev.Batches(500) {
		if err := src.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// Settles the visible times: most leaves are folded and deleted.
	if err := src.Maintain(ctx, hel); err != nil {
		t.Fatal(err)
	}

	srv := chtest.Start(t)
	cfg, err := clickhouse.ParseDSN(srv.DSN(chtest.Database(t, srv)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = clock
	ch, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	var progress strings.Builder
	if err := migrate.Copy(ctx, src, ch, hel, now, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "both report") {
		t.Errorf("no comparison in the progress lines:\n%s", progress.String())
	}
	checkCases(t, ch, ev, now)

	back, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "back.db"), sqlite.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if err := migrate.Copy(ctx, ch, back, hel, now, nil); err != nil {
		t.Fatal(err)
	}
	checkCases(t, back, ev, now)

	// Into a store that has records: refused, nothing copied.
	if err := migrate.Copy(ctx, src, back, hel, now, nil); err == nil || !strings.Contains(err.Error(), "already has page views") {
		t.Errorf("copy into a store with records: %v", err)
	}
	checkCases(t, back, ev, now)
}

func checkCases(t *testing.T, r analytics.Reporter, ev storetest.Events, now time.Time) {
	t.Helper()
	for _, c := range storetest.Cases {
		q, err := c.Query()
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Report(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := storetest.Compare(got, storetest.Expect(ev, q, now)); diff != "" {
			t.Errorf("%s: %s", c.Name, diff)
		}
	}
}
