package clickhouse

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestSupersededBuildsDropped rebuilds days (late records) and checks that
// the maintenance after supersededAfter deletes the old builds' rows and
// build rows only: one build a day is left, and the reports are the same.
// The shared suite sees no old builds go: they wait 15 minutes.
func TestSupersededBuildsDropped(t *testing.T) {
	t.Parallel()
	srv := chtest.Shared(t)
	db := chtest.Database(t, srv)
	s := openAt(t, srv, db, time.Date(2026, 4, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	count := queryInt(t, srv)
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	gen := storetest.Generate(storetest.Small)
	half := len(gen.PageViews) / 2
	if err := s.Append(ctx, analytics.Batch{PageViews: gen.PageViews[:half], Leaves: gen.Leaves}); err != nil {
		t.Fatal(err)
	}
	if err := s.Maintain(ctx, hel); err != nil {
		t.Fatal(err)
	}
	// Late page views of every final day: each is built again.
	if err := s.Append(ctx, analytics.Batch{PageViews: gen.PageViews[half:]}); err != nil {
		t.Fatal(err)
	}
	if err := s.Maintain(ctx, hel); err != nil {
		t.Fatal(err)
	}
	days := count("SELECT uniqExact(site, day) FROM " + db + ".rollup_builds")
	if builds := count("SELECT count() FROM " + db + ".rollup_builds"); builds <= days {
		t.Fatalf("%d build rows of %d days: the late records rebuilt none (the test needs superseded builds)", builds, days)
	}
	q := analytics.Query{Site: "a.example", From: time.Date(2026, 3, 24, 0, 0, 0, 0, hel), To: time.Date(2026, 4, 2, 0, 0, 0, 0, hel), Zone: hel}
	before, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}

	s.supersededAfter = 0
	if err := s.Maintain(ctx, hel); err != nil {
		t.Fatal(err)
	}
	if builds := count("SELECT count() FROM " + db + ".rollup_builds"); builds != days {
		t.Errorf("%d build rows of %d days after the clean-up, want one a day", builds, days)
	}
	if stray := count("SELECT count() FROM " + db + ".rollups WHERE (site, day, build) NOT IN (SELECT site, day, build FROM " + db + ".rollup_builds)"); stray != 0 {
		t.Errorf("%d rollup rows of deleted builds left", stray)
	}
	if rows := count("SELECT count() FROM " + db + ".rollups"); rows == 0 {
		t.Error("the clean-up deleted every rollup row")
	}
	after, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the report changed with the clean-up:\nbefore %+v\nafter  %+v", before.Totals, after.Totals)
	}
}
