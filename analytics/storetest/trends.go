package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TrendCases are the reports whose Pages rows' trends (PageTrends) are
// checked: days, hours, weeks, and a filter the trend adds its page
// filter to.
var TrendCases = casesNamed("all days", "one day, hourly", "weekly", "filter country")

// checkTrends holds PageTrends of each TrendCase's top pages to the
// series of the known answer of that case filtered to each page.
func checkTrends(t *testing.T, e Engine, ev Events, now time.Time) {
	for _, c := range TrendCases {
		q, err := c.Query()
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, r := range Expect(ev, q, now).Breakdowns[analytics.DimPage] {
			if r.Value != analytics.Other && len(paths) < 3 {
				paths = append(paths, r.Value)
			}
		}
		paths = append(paths, "/never-seen")
		got, err := e.PageTrends(context.Background(), q, paths)
		if err != nil {
			t.Fatalf("%s: PageTrends: %v", c.Name, err)
		}
		for _, path := range paths {
			want := Expect(ev, analytics.TrendQuery(q, path), now).Series
			if !slices.EqualFunc(got[path], want, func(a, b analytics.Point) bool {
				return a.T.Equal(b.T) && a.Visitors == b.Visitors && a.PageViews == b.PageViews && a.Imported == b.Imported
			}) {
				t.Errorf("%s: trend of %s:\n got %v\nwant %v", c.Name, path, got[path], want)
			}
		}
	}
}
