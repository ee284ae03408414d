package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestLiveDayMemory: today's page views, kept in memory between reports,
// take at most 300 bytes each (with values as strings and ids in a map of
// strings they took 450; now about 210).
func TestLiveDayMemory(t *testing.T) {
	now := time.Date(2026, 6, 1, 20, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 200000
	var b analytics.Batch
	for i := range n {
		b.PageViews = append(b.PageViews, analytics.PageView{Time: now.Add(-time.Duration(i%60000) * time.Second), Site: "example.fi", Visitor: uint64(i/3 + 1), Visit: uint64(i/3 + 1), ID: fmt.Sprintf("pv%08d", i),
			Path: fmt.Sprintf("/p/%d", i%2000), Country: "FI", Region: "18", City: "Helsinki", Browser: "Chrome", OS: "Linux", Device: "desktop", ReferrerHost: fmt.Sprintf("r%d.example", i%300)})
	}
	if err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	b = analytics.Batch{}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	today := analytics.Midnight(now, hel)
	if _, err := s.Report(context.Background(), analytics.Query{Site: "example.fi", From: today, To: today, Zone: hel}); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	per := (int64(m1.HeapInuse) - int64(m0.HeapInuse)) / n
	t.Logf("live day: %d bytes a page view", per)
	if per > 300 {
		t.Errorf("today's page views take %d bytes each in memory, want at most 300", per)
	}
	runtime.KeepAlive(s)
}

// TestLiveDayYesterdayMemory: today's report keeps of yesterday only its
// visits' first page views' sources, compactly: the day after a flood of
// visitors has as many of them as the flood had visits.
func TestLiveDayYesterdayMemory(t *testing.T) {
	now := time.Date(2026, 6, 1, 20, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 200000
	var b analytics.Batch
	for i := range n {
		b.PageViews = append(b.PageViews, analytics.PageView{Time: now.Add(-24*time.Hour - time.Duration(i%40000)*time.Second), Site: "example.fi",
			Visitor: uint64(i + 1), Visit: uint64(i + 1), ID: fmt.Sprintf("pv%08d", i), Path: "/", ReferrerHost: fmt.Sprintf("r%d.example", i%300)})
	}
	b.PageViews = append(b.PageViews, analytics.PageView{Time: now, Site: "example.fi", Visitor: 1, Visit: 1, ID: "today", Path: "/"})
	if err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	b = analytics.Batch{}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	today := analytics.Midnight(now, hel)
	rep, err := s.Report(context.Background(), analytics.Query{Site: "example.fi", From: today, To: today, Zone: hel})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	per := (int64(m1.HeapInuse) - int64(m0.HeapInuse)) / n
	t.Logf("yesterday's visits: %d bytes each", per)
	if per > 80 {
		t.Errorf("today's report keeps %d bytes for each of yesterday's visits, want at most 80", per)
	}
	if rep.Totals.Visits != 1 {
		t.Errorf("%d visits today, want 1", rep.Totals.Visits)
	}
	runtime.KeepAlive(s)
}
