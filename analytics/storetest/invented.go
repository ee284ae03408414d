package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// runInvented: one visitor who invents a new path and a new value of an
// event property on every page view (as a bot probing the collector did)
// is one visitor in the "(muut)" rows a limit folds the values into, not
// one per folded row. Checked as stored and again after
// the engine's maintenance, if it keeps derived data.
func runInvented(t *testing.T, open Opener) {
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 26, 0, 0, 0, 0, hel)
	e := open(t, day.AddDate(0, 0, 7))
	const n, limit = 30, 5
	var b analytics.Batch
	for i := range n {
		ts := day.Add(12*time.Hour + time.Duration(i)*time.Minute).UTC()
		id := fmt.Sprintf("inv%03d", i)
		b.PageViews = append(b.PageViews, analytics.PageView{Time: ts, Site: "a.example", Visitor: 77, Visit: 7700,
			ID: id, Path: fmt.Sprintf("/keksitty/%02d", i), Country: "FI", Browser: "Firefox", OS: "Linux", Device: analytics.DeviceDesktop})
		b.Events = append(b.Events, analytics.Event{Time: ts, Site: "a.example", Visitor: 77, Visit: 7700, PageView: id,
			Name: "Lomake", Props: []analytics.Prop{{Key: "arvo", Value: fmt.Sprintf("keksitty %02d", i)}}})
	}
	if err := e.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		q, err := analytics.Query{Site: "a.example", From: day, To: day, Zone: hel, Limit: limit}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Report(context.Background(), q)
		if err != nil {
			t.Fatalf("%sreport: %v", step, err)
		}
		if r.Totals.Visitors != 1 {
			t.Errorf("%stotals: %d visitors, want 1", step, r.Totals.Visitors)
		}
		pages := r.Breakdowns[analytics.DimPage]
		if len(pages) != limit+1 || pages[limit].Value != analytics.Other {
			t.Fatalf("%spages: %d rows, want %d and %s", step, len(pages), limit, analytics.Other)
		}
		// Pages' rows count no visits (0); were they counted, one.
		if o := pages[limit]; o.Visitors != 1 || o.Visits > 1 || o.PageViews != n-limit {
			t.Errorf("%spages' %s: %d visitors, %d visits, %d page views; want 1, at most 1, %d", step, analytics.Other,
				o.Visitors, o.Visits, o.PageViews, n-limit)
		}
		var other *analytics.PropRow
		for i, p := range r.Props {
			if p.Event == "Lomake" && p.Prop == "arvo" && p.Value == analytics.Other {
				other = &r.Props[i]
			}
		}
		if other == nil {
			t.Fatalf("%sprops: no %s row: %+v", step, analytics.Other, r.Props)
		}
		if other.Visitors != 1 || other.Events != n-limit {
			t.Errorf("%sprops' %s: %d visitors, %d events; want 1 and %d", step, analytics.Other, other.Visitors, other.Events, n-limit)
		}
	}
	check("")
	if maintain(t, e) {
		check("maintained/")
	}
}
