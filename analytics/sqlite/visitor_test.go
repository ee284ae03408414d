package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

func TestVisitorPageViewsAndDelete(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	// Five days later: the day is finished, so reports read its rollups.
	s, _ := openTest(t, WithClock(func() time.Time { return day.AddDate(0, 0, 5) }))
	const me, other = uint64(0xfeedface_00000001), uint64(7)
	pv := func(ts time.Time, visitor uint64, id, path string) analytics.PageView {
		return analytics.PageView{Time: ts, Site: "example.fi", Visitor: visitor, Visit: 1, ID: id, Path: path,
			Country: "FI", City: "Kuopio", Browser: "Firefox", BrowserVersion: "133", OS: "Linux", Device: analytics.DeviceDesktop}
	}
	b := analytics.Batch{
		PageViews: []analytics.PageView{
			pv(day.Add(9*time.Hour), me, "a1", "/"),
			pv(day.Add(9*time.Hour+time.Minute), me, "a2", "/tietosuojaseloste/"),
			pv(day.Add(9*time.Hour), other, "b1", "/"),
			pv(day.Add(-5*time.Hour), me, "y1", "/eilen/"), // the day before: another day's id space
			{Time: day.Add(10 * time.Hour), Site: "other.fi", Visitor: me, Visit: 1, ID: "c1", Path: "/"},
		},
		Leaves: []analytics.Leave{
			{Time: day.Add(9*time.Hour + 30*time.Second), Site: "example.fi", PageView: "a1", Duration: 20 * time.Second},
			{Time: day.Add(9*time.Hour + 40*time.Second), Site: "example.fi", PageView: "a1", Duration: 30 * time.Second},
			{Time: day.Add(9*time.Hour + 10*time.Second), Site: "example.fi", PageView: "b1", Duration: 5 * time.Second},
		},
	}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}

	got, err := s.VisitorPageViews(ctx, "example.fi", me, day.Add(15*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a1" || got[1].ID != "a2" || got[0].Visitor != me {
		t.Fatalf("page views = %+v, want a1 and a2 only", got)
	}
	if !got[0].Timed || got[0].Duration != 30*time.Second || got[1].Timed {
		t.Errorf("durations = %v/%v, %v/%v; want the largest leave, 30s, and none", got[0].Duration, got[0].Timed, got[1].Duration, got[1].Timed)
	}
	if got[0].City != "Kuopio" || got[0].Browser != "Firefox" || got[1].Path != "/tietosuojaseloste/" {
		t.Errorf("fields lost: %+v", got)
	}

	// Rollups of the finished day include my page views before the erasure.
	zone, _ := time.LoadLocation("Europe/Helsinki")
	report := func() analytics.Totals {
		t.Helper()
		r, err := s.Report(ctx, analytics.Query{Site: "example.fi", Zone: zone, From: day, To: day})
		if err != nil {
			t.Fatal(err)
		}
		return r.Totals
	}
	if tot := report(); tot.PageViews != 3 {
		t.Fatalf("before: %d page views on the day in Helsinki, want 3", tot.PageViews)
	}

	n, err := s.DeleteVisitor(ctx, "example.fi", me, day)
	if err != nil {
		t.Fatal(err)
	}
	if n.PageViews != 2 || n.Leaves != 2 {
		t.Errorf("erased %+v, want 2 page views and 2 leaves", n)
	}
	if got, _ := s.VisitorPageViews(ctx, "example.fi", me, day); len(got) != 0 {
		t.Errorf("after delete: %+v", got)
	}
	var rest, leaves int
	s.db.QueryRow(`SELECT COUNT(*) FROM pageviews`).Scan(&rest)
	s.db.QueryRow(`SELECT COUNT(*) FROM leaves WHERE pageview_id = 'a1'`).Scan(&leaves)
	if rest != 3 || leaves != 0 {
		t.Errorf("after delete: %d page views left (want 3: other visitor, other day, other site), %d leaves of a1", rest, leaves)
	}
	// No aggregate keeps the erased page views.
	if tot := report(); tot.PageViews != 1 || tot.Visitors != 1 {
		t.Errorf("after: totals %+v, want the other visitor's 1 page view", tot)
	}
	// Nothing left: a no-op.
	if n, err := s.DeleteVisitor(ctx, "example.fi", me, day); err != nil || n != (analytics.Erased{}) {
		t.Errorf("second delete: %+v, %v", n, err)
	}
}

// Deleting the newest rows lowers the rollups' rowid marks, so rows that
// reuse those rowids are still rolled up.
func TestDeleteVisitorKeepsRollupsCounting(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	now := day.AddDate(0, 0, 1).Add(12 * time.Hour)
	s, _ := openTest(t, WithClock(func() time.Time { return now }))
	zone, _ := time.LoadLocation("Europe/Helsinki")
	add := func(ts time.Time, visitor uint64, id string) {
		t.Helper()
		if err := s.Append(ctx, analytics.Batch{PageViews: []analytics.PageView{{Time: ts, Site: "example.fi", Visitor: visitor, Visit: 1, ID: id, Path: "/"}}}); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int64 {
		t.Helper()
		if err := s.Maintain(ctx, zone); err != nil {
			t.Fatal(err)
		}
		r, err := s.Report(ctx, analytics.Query{Site: "example.fi", Zone: zone, From: day, To: day})
		if err != nil {
			t.Fatal(err)
		}
		return r.Totals.PageViews
	}
	add(day.Add(8*time.Hour), 1, "p1")
	if c := count(); c != 1 {
		t.Fatalf("rolled up %d, want 1", c)
	}
	// Today's (unfinished) page view, then erased: the newest rowid goes.
	add(now, 2, "p2")
	count() // the rollup state now covers p2's rowid
	if _, err := s.DeleteVisitor(ctx, "example.fi", 2, now); err != nil {
		t.Fatal(err)
	}
	var mark, maxRowid int64
	s.db.QueryRow(`SELECT pageviews_max FROM rollup_state WHERE zone = 'Europe/Helsinki'`).Scan(&mark)
	s.db.QueryRow(`SELECT MAX(rowid) FROM pageviews`).Scan(&maxRowid)
	if mark != maxRowid {
		t.Errorf("rollup mark %d after the delete, want the highest remaining rowid %d", mark, maxRowid)
	}
	// A late row for the finished day takes the freed rowid.
	add(day.Add(18*time.Hour), 3, "p3")
	if c := count(); c != 2 {
		t.Errorf("after a late row reusing a rowid: %d page views, want 2", c)
	}
}

// Today's report is kept in memory between reports; an erasure must reach
// it too, also when the erased rows are not the newest.
func TestDeleteVisitorToday(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	s, _ := openTest(t, WithClock(func() time.Time { return day.Add(12 * time.Hour) }))
	const me, other = uint64(0xfeedface_00000001), uint64(7)
	b := analytics.Batch{PageViews: []analytics.PageView{
		{Time: day.Add(9 * time.Hour), Site: "example.fi", Visitor: me, Visit: 1, ID: "a1", Path: "/"},
		{Time: day.Add(10 * time.Hour), Site: "example.fi", Visitor: other, Visit: 2, ID: "b1", Path: "/"},
	}}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	report := func() analytics.Totals {
		t.Helper()
		r, err := s.Report(ctx, analytics.Query{Site: "example.fi", Zone: time.UTC, From: day, To: day})
		if err != nil {
			t.Fatal(err)
		}
		return r.Totals
	}
	if tot := report(); tot.PageViews != 2 || tot.Visitors != 2 {
		t.Fatalf("before: %+v, want 2 page views by 2 visitors", tot)
	}
	if _, err := s.DeleteVisitor(ctx, "example.fi", me, day); err != nil {
		t.Fatal(err)
	}
	if tot := report(); tot.PageViews != 1 || tot.Visitors != 1 {
		t.Errorf("after erasing the older page view: %+v, want the other visitor's 1 page view", tot)
	}
}
